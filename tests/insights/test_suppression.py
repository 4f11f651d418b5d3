"""Can a figure about fewer than five people be read, or worked back, anywhere?"""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from portal.services.insights import suppression
from portal.services.insights.suppression import SUPPRESSED, breakdown
from tests.factories import make_admin, make_meeting, make_meeting_rating, make_pairing


def _recoverable(shown: dict, total: int | None) -> set:
    """The suppressed cells a reader can work out exactly from the shown cells and total.

    The reader knows every suppressed cell is a whole number of at least zero; with the total
    shown, the suppressed cells add up to a known sum. A cell is recovered when only one value
    fits: it is the only suppressed cell, or the sum leaves it no room (a sum of zero).
    """
    hidden = [key for key, value in shown.items() if value is None]
    if total is None or not hidden:
        return set()
    rest = total - sum(value for value in shown.values() if value is not None)
    if len(hidden) == 1 or rest == 0:
        return set(hidden)
    return set()


@settings(max_examples=400, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=30), min_size=1, max_size=8))
def test_can_no_suppressed_cell_be_worked_back_from_a_random_breakdown(values):
    counts = {f"cell{i}": n for i, n in enumerate(values)}
    result = breakdown(counts)
    # Every cell of one to four people is hidden ...
    for key, n in counts.items():
        if 0 < n < 5:
            assert result.cells[key] is None
    # ... none of them can be worked back by subtraction ...
    assert not _recoverable(result.cells, result.total)
    # ... the total is either the true one or hidden, and small totals are hidden ...
    assert result.total in (None, sum(values))
    if 0 < sum(values) < 5:
        assert result.total is None
    # ... and no rate stands beside a hidden count or over a hidden total.
    for key in counts:
        if result.cells[key] is None or result.total is None:
            assert result.rate(key) == "–"
        assert result.shown(key) == (SUPPRESSED if result.cells[key] is None else counts[key])


def test_is_one_small_cell_hidden_with_the_smallest_other():
    result = breakdown({"Legal": 3, "Sales": 6, "Support": 7})
    assert result.suppressed == {"Legal", "Sales"}
    assert result.total == 16
    assert result.rate("Support") == "44%"
    assert result.rate("Legal") == result.rate("Sales") == "–"


def test_is_the_total_hidden_when_a_small_cell_has_no_partner():
    result = breakdown({"Only": 3})
    assert result.cells == {"Only": None} and result.total is None


def test_are_people_counted_rather_than_answers():
    # Twelve answers from three people: still three people.
    result = breakdown({"yes": 12, "no": 20}, people={"yes": 3, "no": 9})
    assert result.suppressed == {"yes", "no"}
    assert suppression.count(12, people=3) == SUPPRESSED
    assert suppression.count(12, people=5) == 12
    assert suppression.mean(1.0, people=1) is None
    assert suppression.rate(1, 5) == "–" and suppression.rate(5, 10) == "50%"


def test_are_five_ratings_by_one_mentor_suppressed_on_the_guide_page(client, auth):
    pairing = make_pairing()
    for days in range(5):
        meeting = make_meeting(pairing, held_on=date.today() - timedelta(days=10 + days))
        make_meeting_rating(meeting, pairing.mentor, rating=1)
    auth.login(make_admin())
    page = client.get(f"/admin/programs/{pairing.program.slug}/guide").get_data(as_text=True)
    assert "<span>5 ratings" not in page and "mean 1.0/5" not in page
    assert "fewer than 5 ratings" in page


def test_are_ratings_shown_once_five_people_rated(client, auth):
    pairings = [make_pairing() for _ in range(3)]
    program = pairings[0].program
    for pairing in pairings[1:]:
        pairing.program = program
    raters = 0
    for pairing in pairings:
        meeting = make_meeting(pairing)
        for person in (pairing.mentor, pairing.mentee):
            if raters < 5:
                make_meeting_rating(meeting, person, rating=4)
                raters += 1
    auth.login(make_admin())
    page = client.get(f"/admin/programs/{program.slug}/guide").get_data(as_text=True)
    assert "5 ratings · mean 4.0/5" in page


def test_does_the_roi_hide_a_rate_that_gives_back_fewer_than_five_leavers(client, auth):
    from portal.models.insights import OutcomeGroup
    from portal.services.insights import roi
    from tests.factories import make_program
    from tests.insights.test_roi import cohort

    program = make_program(starts_on=date.today() - timedelta(days=400))
    cohort(program, OutcomeGroup.participant, 40, 4, 10)  # four left: "90% of 40" names them
    cohort(program, OutcomeGroup.comparison, 50, 15, 5)
    result = roi.compare(program, date.today())
    assert result.participants.retention.suppressed
    assert not result.participants.promotion.suppressed
    rows = roi.outcomes_csv_rows(result)
    assert rows[0][2:] == ["fewer than 5", "fewer than 5", "", "", ""]
    auth.login(make_admin())
    page = client.get(f"/admin/programs/{program.slug}/roi").get_data(as_text=True)
    row = page[page.index("Participants</th>") :].split("</tr>")[0]
    assert "<td>40</td>" in row  # forty people is no small group
    assert "90.0%" not in page and "10.0%" not in row
