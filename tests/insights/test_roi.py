"""Is the ROI comparison computed, worded and imported as promised?"""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models.enrollment import AuditEvent
from portal.models.insights import OutcomeGroup, OutcomeRecord
from portal.services.insights import roi
from portal.services.insights.roi import wilson
from tests.factories import make_admin, make_outcome, make_pairing, make_program


@pytest.mark.parametrize(
    ("successes", "n", "low", "high"),
    [
        # Reference values from scipy.stats.binomtest(k, n).proportion_ci(method="wilson").
        (5, 10, 0.2365931, 0.7634069),
        (0, 10, 0.0, 0.2775328),
        (10, 10, 0.7224672, 1.0),
        (81, 263, 0.2552885, 0.3662096),
        (1, 1, 0.2065493, 1.0),
    ],
)
def test_does_the_wilson_interval_match_known_values(successes, n, low, high):
    got = wilson(successes, n)
    assert got[0] == pytest.approx(low, abs=1e-6)
    assert got[1] == pytest.approx(high, abs=1e-6)


def upload(client, program, text: str):
    return client.post(
        f"/admin/programs/{program.slug}/roi/outcomes",
        data={"file": (io.BytesIO(text.encode()), "outcomes.csv")},
        content_type="multipart/form-data",
    )


def test_is_an_outcomes_file_imported_whole_with_groups_inferred(client, auth):
    program = make_program()
    pairing = make_pairing(program=program)
    auth.login(make_admin())
    text = (
        "email,hire_date,promotion_date,exit_date\n"
        f"{pairing.mentee.email.upper()},2020-01-01,2026-02-01,\n"
        "someone@example.test,2019-05-01,,2026-01-15\n"
    )
    response = upload(client, program, text)
    assert response.status_code == 303
    records = {r.email: r for r in db.session.scalars(select(OutcomeRecord))}
    assert records[pairing.mentee.email].group is OutcomeGroup.participant
    assert records["someone@example.test"].group is OutcomeGroup.comparison
    assert records["someone@example.test"].left_on == date(2026, 1, 15)
    assert db.session.scalar(select(AuditEvent.action)) == "roi.outcomes_imported"


def test_does_a_bad_file_import_nothing_and_name_each_line(client, auth):
    program = make_program()
    make_outcome(program)
    auth.login(make_admin())
    text = (
        "email,hire_date,exit_date,group\n"
        "ok@example.test,2020-01-01,,comparison\n"
        "not-an-email,2020-01-01,,\n"
        "late@example.test,2021-13-01,,\n"
        "back@example.test,2021-01-01,2020-01-01,\n"
        "ok@example.test,2020-01-01,,\n"
        "who@example.test,2020-01-01,,participant\n"
        "x@example.test,2020-01-01,,boss\n"
    )
    response = upload(client, program, text)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    for line, message in [
        (3, "is not an e-mail address"),
        (4, "hire_date “2021-13-01” is not a date"),
        (5, "exit_date is before hire_date"),
        (6, "ok@example.test appears twice"),
        (7, "who@example.test is not a participant"),
        (8, "group must be participant or comparison"),
    ]:
        assert f"<strong>Line {line}</strong>: " in page and message in page, (line, message)
    assert db.session.scalar(select(func.count()).select_from(OutcomeRecord)) == 1


@pytest.mark.parametrize(
    "text",
    [
        "",
        "name,role\nA,B\n",
        "email,hire_date\n",
        "email,hire_date\n\x00\x00,\x00\n",
        'email,hire_date\n"unterminated,2020-01-01\n',
        "email,hire_date,extra\na@b.co,2020-01-01,1\n",
    ],
)
def test_does_a_strange_file_answer_422_not_500(client, auth, text):
    program = make_program()
    auth.login(make_admin())
    assert upload(client, program, text).status_code == 422


def test_does_uploading_without_a_file_keep_the_page_with_an_error(client, auth):
    program = make_program()
    auth.login(make_admin())
    response = client.post(f"/admin/programs/{program.slug}/roi/outcomes", data={})
    assert response.status_code == 422
    assert "Choose a CSV file." in response.get_data(as_text=True)


def cohort(program, group, people, leavers, promoted):
    """`people` employed at the start; the first `leavers` leave, the next `promoted` move up."""
    start = program.starts_on
    for i in range(people):
        make_outcome(
            program,
            group=group,
            hired_on=start - timedelta(days=500),
            left_on=start + timedelta(days=100) if i < leavers else None,
            promoted_on=start + timedelta(days=50) if leavers <= i < leavers + promoted else None,
        )


def test_does_the_comparison_count_retention_and_promotion_by_hand():
    program = make_program(starts_on=date.today() - timedelta(days=400))
    cohort(program, OutcomeGroup.participant, 40, 5, 10)
    cohort(program, OutcomeGroup.comparison, 50, 15, 5)
    # Hired after the start and left before it: not compared.
    make_outcome(program, group=OutcomeGroup.participant, hired_on=program.starts_on + timedelta(1))
    make_outcome(
        program,
        group=OutcomeGroup.comparison,
        hired_on=program.starts_on - timedelta(days=900),
        left_on=program.starts_on - timedelta(days=1),
    )
    result = roi.compare(program, date.today())
    assert result.horizon_days == 365
    assert (result.participants.people, result.participants.still_observed) == (40, 1)
    assert result.participants.retention.value == 35 / 40
    assert result.comparison.retention.value == 35 / 50
    assert result.participants.promotion.value == 10 / 40
    assert result.comparison.promotion.value == 5 / 50
    assert not result.too_small
    # The verdict follows the intervals: 87.5% [74%, 95%] against 70% [56%, 81%] overlap.
    assert result.overlap("retention")
    assert wilson(35, 40)[0] < wilson(35, 50)[1]

    inputs = roi.CostInputs.from_args({"cost_per_leaver": "50,000", "programme_cost": "30000"})
    estimate = roi.estimate(result, inputs)
    # (0.875 - 0.7) x 40 = 7 leavers avoided; 7 x 50,000 = 350,000; minus 30,000 = 320,000.
    assert estimate.net == 320000
    assert str(estimate.roi_percent) == "1066.7"
    assert ("Leavers avoided", "17.5% × 40 participants = 7.00") in estimate.lines


def test_does_the_page_say_plainly_when_groups_are_too_small(client, auth):
    program = make_program(starts_on=date.today() - timedelta(days=400))
    cohort(program, OutcomeGroup.participant, 12, 1, 2)
    cohort(program, OutcomeGroup.comparison, 3, 1, 0)
    auth.login(make_admin())
    page = client.get(f"/admin/programs/{program.slug}/roi").get_data(as_text=True)
    assert "The groups are too small to conclude anything." in page
    comparison_row = page[page.index("Comparison group</th>") :].split("</tr>")[0]
    assert comparison_row.count("fewer than 5") == 3
    assert "not proof" in page


@pytest.mark.parametrize(
    ("cost", "message"),
    [
        ("abc", "Write an amount, such as 45000"),
        ("-5", "Write an amount from 0"),
        ("1e400", "Write an amount from 0"),
        ("NaN", "Write an amount from 0"),
    ],
)
def test_does_a_bad_amount_show_its_error_next_to_the_field(client, auth, cost, message):
    program = make_program()
    make_outcome(program, group=OutcomeGroup.participant)
    auth.login(make_admin())
    response = client.get(
        f"/admin/programs/{program.slug}/roi",
        query_string={"cost_per_leaver": cost, "programme_cost": "100"},
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page and f'value="{cost}"' in page


def test_does_the_roi_csv_suppress_small_groups():
    program = make_program(starts_on=date.today() - timedelta(days=400))
    cohort(program, OutcomeGroup.participant, 10, 5, 5)
    cohort(program, OutcomeGroup.comparison, 2, 0, 0)
    rows = roi.outcomes_csv_rows(roi.compare(program, date.today()))
    assert rows[0][:5] == ["participant", "Retention", 10, 5, "0.5000"]
    assert rows[2][2:4] == ["fewer than 5", "fewer than 5"]


def test_is_a_cell_beyond_the_csv_limit_reported_by_line_not_a_500(client, auth):
    import csv

    program = make_program()
    auth.login(make_admin())
    huge = "x" * (csv.field_size_limit() + 10)
    text = f"email,hire_date\nok@example.test,2020-01-01\n{huge}@example.test,2020-01-01\n"
    response = upload(client, program, text)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Line 3" in page and "a cell is longer than" in page
    assert db.session.scalar(select(func.count(OutcomeRecord.id))) == 0
