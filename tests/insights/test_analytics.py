"""Do the analytics figures add up on small hand-built programmes, and hide groups under 5?"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Membership, MembershipStatus, PairingStatus, Role
from portal.models.guide import SurveyRound
from portal.models.journal import Visibility
from portal.models.practice import PracticeStatus
from portal.services.insights import analytics
from portal.services.insights.analytics import engagement, funnel, nps
from tests.factories import (
    make_admin,
    make_check_in,
    make_entry,
    make_meeting,
    make_meeting_rating,
    make_membership,
    make_pairing,
    make_practice,
    make_practice_comment,
    make_program,
    make_survey_response,
    make_user,
)

TODAY = date.today()


def at(day: date) -> datetime:
    return datetime.combine(day, time(12))


def test_does_the_funnel_count_mentees_step_by_step():
    start = TODAY - timedelta(days=200)
    program = make_program(starts_on=start)
    pairs = [
        make_pairing(program=program, approved_at=at(start + timedelta(days=5))) for _ in range(5)
    ]
    make_membership(program=program, role=Role.mentee)  # accepted, not matched
    make_membership(program=program, role=Role.mentee, status=MembershipStatus.applied)
    make_membership(program=program, role=Role.mentee, status=MembershipStatus.applied)
    make_membership(program=program, role=Role.mentee, status=MembershipStatus.declined)
    make_membership(program=program, role=Role.mentor, status=MembershipStatus.applied)
    for pairing, delay in zip(pairs, (4, 10, 7), strict=False):
        make_meeting(pairing, held_on=start + timedelta(days=5 + delay))
        make_meeting(pairing, held_on=start + timedelta(days=50 + delay))
    pairs[3].status = PairingStatus.completed
    pairs[4].status, pairs[4].ended_at = PairingStatus.ended, at(start + timedelta(days=10))
    db.session.commit()

    result = funnel([program], TODAY)
    assert [n for _, n in result.steps()] == [9, 6, 5, 3, 4, 1]
    assert result.median_days_to_first_meeting == 7

    figure = analytics.funnel_figure(result)
    assert figure.rows[1] == ["Accepted", 6, "67%", "67%"]
    assert figure.rows[2] == ["Matched", 5, "83%", "56%"]
    assert figure.rows[3][1] == "fewer than 5"  # three people: suppressed
    # No rate beside a suppressed count: "60% of 5" would give the three back.
    assert figure.rows[3][2:] == ["–", "–"]


def test_does_engagement_count_each_week_and_role_by_hand():
    start = TODAY - timedelta(days=20)
    program = make_program(starts_on=start)
    one = make_pairing(program=program, approved_at=at(start - timedelta(days=3)))
    two = make_pairing(program=program, approved_at=at(start - timedelta(days=3)))
    make_entry(author=one.mentee, visibility=Visibility.shared, created_at=at(start + timedelta(1)))
    make_entry(author=one.mentee, visibility=Visibility.private, created_at=at(start))
    make_meeting(two, held_on=start + timedelta(days=3))
    practice = make_practice(owner=one.mentee, starts_on=start)
    make_check_in(practice, day=start + timedelta(days=8))
    make_check_in(practice, day=start + timedelta(days=9))
    comment = make_practice_comment(practice, one.mentor)
    comment.created_at = at(start + timedelta(days=15))
    outsider = make_user()  # not in the programme: never counted
    make_entry(author=outsider, visibility=Visibility.shared, created_at=at(start + timedelta(1)))
    db.session.commit()

    weeks = engagement([program], TODAY)
    assert [w.starts_on for w in weeks] == [start, start + timedelta(7), start + timedelta(14)]
    assert [w.meetings for w in weeks] == [1, 0, 0]
    assert [w.active_pairs for w in weeks] == [2, 1, 1]
    assert [w.live_pairs for w in weeks] == [2, 2, 2]
    assert weeks[0].events[("mentee", "entries")] == 1
    assert weeks[1].events[("mentee", "check_ins")] == 2
    assert weeks[2].events[("mentor", "comments")] == 1
    assert weeks[1].people == {"mentee": 1}
    # Fewer than 5 people in every week: the figures show no number at all.
    activity = analytics.activity_figure(weeks)
    assert activity.rows[1][1:5] == ["fewer than 5"] * 4


def test_are_active_weeks_of_five_or_more_people_shown():
    start = TODAY - timedelta(days=6)
    program = make_program(starts_on=start)
    for _ in range(5):
        pairing = make_pairing(program=program, approved_at=at(start))
        make_check_in(make_practice(owner=pairing.mentee, starts_on=start), day=start)
    weeks = engagement([program], TODAY)
    row = analytics.activity_figure(weeks).rows[0]
    assert row[1:3] == [5, 5]
    assert analytics.engagement_figure(weeks).rows[0][2:] == [5, 5, "100%"]


def test_are_practices_counted_by_status_and_role():
    program = make_program()
    for status in [PracticeStatus.done] * 3 + [PracticeStatus.dropped] + [PracticeStatus.open]:
        owner = make_pairing(program=program).mentee
        make_practice(owner=owner, status=status, starts_on=program.starts_on + timedelta(1))
    figure, _ = analytics.practices([program], TODAY)
    # Completed of started: 3 of 5 (not 3 of the 4 finished).
    assert figure.rows == [["Mentees", 5, 3, 1, 1, "60%"]]


def test_do_surveys_give_mean_satisfaction_nps_and_progress_by_role():
    assert nps([10, 9, 8, 7, 6, 0]) == (2 - 2) / 6 * 100
    assert nps([10, 10, 10, 1]) == 50
    program = make_program()
    answers = zip((10, 9, 9, 3, 8), (5, 4, 4, 2, 3), (1, 2, 3, 4, 5), strict=True)
    for score, sat, progress in answers:
        pairing = make_pairing(program=program)
        make_survey_response(
            program, pairing.mentee, recommend=score, satisfaction=sat, progress=progress
        )
        # The same people at the close: satisfaction up, everyone a promoter.
        make_survey_response(
            program, pairing.mentee, round=SurveyRound.close, satisfaction=5, recommend=10
        )
    closing = make_pairing(program=program)
    make_survey_response(program, closing.mentor, round=SurveyRound.close, recommend=10)
    figure = analytics.surveys([program])
    assert figure.rows[0] == ["Mentees", "Midpoint", 5, "3.6", "40", "3.0"]
    assert figure.rows[1] == ["Mentees", "Close", 5, "5.0", "100", "4.0"]
    assert figure.rows[2] == ["Mentors", "Close"] + ["fewer than 5"] * 4


def test_is_the_role_the_persons_role_in_that_programme():
    first, second = make_program(), make_program()
    people = [make_pairing(program=first).mentor for _ in range(5)]
    for person in people:
        # Mentors in the first programme, mentees in the second.
        make_pairing(program=second, mentee=person)
        make_survey_response(first, person, satisfaction=2)
        make_survey_response(second, person, satisfaction=4)
    assert analytics.surveys([first]).rows == [["Mentors", "Midpoint", 5, "2.0", "100", "4.0"]]
    assert analytics.surveys([second]).rows == [["Mentees", "Midpoint", 5, "4.0", "100", "4.0"]]
    both = analytics.surveys([first, second]).rows
    assert [row[:4] for row in both] == [
        ["Mentees", "Midpoint", 5, "4.0"],
        ["Mentors", "Midpoint", 5, "2.0"],
    ]


def test_do_meeting_ratings_give_usefulness_by_role_suppressed_by_people_not_answers():
    program = make_program()
    for rating in (1, 2, 3, 4, 5):
        pairing = make_pairing(program=program)
        meeting = make_meeting(pairing)
        make_meeting_rating(meeting, pairing.mentee, rating=rating)
        make_meeting_rating(meeting, pairing.mentor, rating=5)
    # Two mentors rating many meetings are still only two people.
    few = make_pairing(program=make_program())
    for _ in range(6):
        make_meeting_rating(make_meeting(few), few.mentor, rating=1)
    figure = analytics.surveys([program])
    assert figure.rows == [
        ["Mentees", "Per meeting", 5, "3.0", "–", "–"],
        ["Mentors", "Per meeting", 5, "5.0", "–", "–"],
    ]
    assert analytics.surveys([few.program]).rows == [
        ["Mentors", "Per meeting"] + ["fewer than 5"] * 4
    ]


def test_does_an_empty_programme_say_so_instead_of_drawing_nothing(client, auth):
    program = make_program()
    auth.login(make_admin())
    page = client.get(f"/admin/programs/{program.slug}/analytics").get_data(as_text=True)
    assert "Nobody has applied yet." in page
    assert "No survey answers yet." in page


def department_of_three():
    program = make_program()
    for department, count in (("Legal", 3), ("Sales", 6), ("Support", 7)):
        for _ in range(count):
            pairing = make_pairing(program=program)
            membership = db.session.scalar(
                select(Membership).where(
                    Membership.user_id == pairing.mentee_id, Membership.program_id == program.id
                )
            )
            membership.profile = {"department": department}
    db.session.commit()
    return program


def test_is_a_department_of_three_suppressed_on_the_page_and_in_the_csv(client, auth):
    program = department_of_three()
    auth.login(make_admin())
    page = client.get(f"/admin/programs/{program.slug}/analytics").get_data(as_text=True)
    legal_row = page[page.index('<th scope="row">Legal</th>') :].split("</tr>")[0]
    assert legal_row.count("fewer than 5") == 5
    assert "<td>3</td>" not in legal_row
    # Complementary suppression: the pairs list gives the total (16), so with Legal alone
    # hidden, 16 - 6 - 7 would give it back; the smallest other department goes too.
    sales_row = page[page.index('<th scope="row">Sales</th>') :].split("</tr>")[0]
    assert "<td>6</td>" not in sales_row and sales_row.count("fewer than 5") == 5
    support_row = page[page.index('<th scope="row">Support</th>') :].split("</tr>")[0]
    assert "<td>7</td>" in support_row
    exported = client.get(f"/admin/programs/{program.slug}/analytics/departments.csv")
    rows = list(csv.reader(io.StringIO(exported.get_data(as_text=True))))
    assert rows[1] == ["Legal"] + ["fewer than 5"] * 5
    assert rows[2] == ["Sales"] + ["fewer than 5"] * 5
    assert rows[3][:2] == ["Support", "7"]


def test_is_every_figure_exported_as_csv_and_drawn_as_svg(client, auth):
    program = department_of_three()
    auth.login(make_admin())
    for key in analytics.FIGURES:
        for base in (f"/admin/programs/{program.slug}/analytics", "/admin/analytics"):
            exported = client.get(f"{base}/{key}.csv")
            assert exported.status_code == 200 and exported.mimetype == "text/csv", key
            drawn = client.get(f"{base}/{key}.svg")
            assert drawn.status_code == 200 and drawn.mimetype == "image/svg+xml", key
            assert b"<script" not in drawn.data
            assert "script-src" not in drawn.headers["Content-Security-Policy"]
    assert client.get(f"/admin/programs/{program.slug}/analytics/nope.csv").status_code == 404


def test_does_the_analytics_page_run_a_fixed_number_of_queries(client, auth, count_queries):
    program = department_of_three()
    auth.login(make_admin())
    url = f"/admin/programs/{program.slug}/analytics"

    def add_pairs(n: int) -> None:
        for _ in range(n):
            pairing = make_pairing(program=program)
            make_meeting(pairing)
            make_check_in(make_practice(owner=pairing.mentor))

    from portal.services.insights import snapshots

    snapshots.ensure([program], date.today())
    client.get(url)
    with count_queries() as few:
        client.get(url)
    # New pairs lack today's health snapshot: the page computes them without storing (a GET
    # never inserts), in as many queries for one pair as for five; once the refresh stored
    # them, the page reads the snapshot only.
    add_pairs(1)
    with count_queries() as filling_one:
        client.get(url)
    add_pairs(5)
    with count_queries() as filling_five:
        client.get(url)
    snapshots.ensure([program], date.today())
    with count_queries() as many:
        client.get(url)
    assert filling_five.count == filling_one.count > few.count
    assert many.count == few.count


def test_do_the_rollups_agree_with_the_direct_computation(client, auth):
    from portal.services.insights.analytics import weekly
    from portal.services.insights.rollups import refresh_rollups

    start = TODAY - timedelta(days=30)
    program, other = make_program(starts_on=start), make_program(starts_on=start - timedelta(9))
    for scope in (program, program, other, program):
        pairing = make_pairing(program=scope, approved_at=at(start))
        make_meeting(pairing, held_on=start + timedelta(days=8))
        practice = make_practice(owner=pairing.mentee, starts_on=start)
        make_check_in(practice, day=start + timedelta(days=2))
        make_entry(author=pairing.mentor, visibility=Visibility.shared, created_at=at(start))
        make_practice_comment(practice, pairing.mentor)
    direct = {
        scope_id: engagement(scope, TODAY)
        for scope_id, scope in (
            (program.id, [program]),
            (other.id, [other]),
            (None, [program, other]),
        )
    }
    assert weekly([program], TODAY, program.id)[1] is None  # no rollup yet: computed directly
    assert refresh_rollups(TODAY) == sum(len(weeks) for weeks in direct.values())
    for scope_id, weeks in direct.items():
        scope = [p for p in (program, other) if scope_id in (None, p.id)]
        rolled, as_of = weekly(scope, TODAY, scope_id)
        assert as_of is not None
        assert [(w.starts_on, w.meetings, w.active_pairs, w.live_pairs) for w in rolled] == [
            (w.starts_on, w.meetings, w.active_pairs, w.live_pairs) for w in weeks
        ]
        for got, want in zip(rolled, weeks, strict=True):
            assert {k: v for k, v in got.events.items() if v} == dict(want.events)
            assert {k: v for k, v in got.people.items() if v} == want.people
    auth.login(make_admin())
    page = client.get(f"/admin/programs/{program.slug}/analytics").get_data(as_text=True)
    assert "Weekly figures as of" in page


def test_does_the_refresh_command_fill_the_rollups(app):
    from portal.models.insights import InsightWeek

    program = make_program(starts_on=TODAY - timedelta(days=15))
    make_pairing(program=program)
    result = app.test_cli_runner().invoke(args=["insights", "refresh"])
    assert result.exit_code == 0 and "Refreshed 6 programme weeks." in result.output
    assert db.session.scalar(select(func.count()).select_from(InsightWeek)) == 6


def test_do_the_figure_rollups_agree_with_the_direct_computation(client, auth):
    from portal.services.insights.rollups import refresh_figures

    start = TODAY - timedelta(days=200)
    program, other = make_program(starts_on=start), make_program(starts_on=start)
    for scope, n in ((program, 6), (other, 5)):
        for i in range(n):
            pairing = make_pairing(program=scope, approved_at=at(start + timedelta(days=3)))
            make_meeting(pairing, held_on=start + timedelta(days=5 + i))
            status = (PracticeStatus.done, PracticeStatus.dropped)[i % 2]
            make_practice(owner=pairing.mentee, status=status, starts_on=start + timedelta(1))
            make_survey_response(scope, pairing.mentee, satisfaction=1 + i % 5, recommend=9)
    make_membership(program=program, role=Role.mentee, status=MembershipStatus.applied)
    scopes = ((program.id, [program]), (other.id, [other]), (None, [program, other]))
    direct = {
        scope_id: analytics.build(scope, TODAY, scope_id=scope_id) for scope_id, scope in scopes
    }
    assert all(report.figures_as_of is None for report in direct.values())  # no rollup yet
    assert refresh_figures(TODAY) == 3 * len(analytics.ROLLED)
    for scope_id, scope in scopes:
        rolled = analytics.build(scope, TODAY, scope_id=scope_id)
        assert rolled.figures_as_of is not None
        assert rolled.funnel == direct[scope_id].funnel
        for key in analytics.ROLLED:
            want, got = direct[scope_id].figures[key], rolled.figures[key]
            assert (got.title, got.columns, got.rows) == (want.title, want.columns, want.rows)
        one = analytics.build(scope, TODAY, only="templates", scope_id=scope_id)
        assert one.figures["templates"].rows == direct[scope_id].figures["templates"].rows
    assert direct[program.id].figures["funnel"].rows[0][1] == 7  # six matched and one applicant
    auth.login(make_admin())
    page = client.get(f"/admin/programs/{program.slug}/analytics").get_data(as_text=True)
    assert "Funnel, practices, surveys and goals as of" in page
    # A programme added since the refresh: "all programmes" is computed directly again.
    newer = make_program(starts_on=start)
    every = analytics.build([program, other, newer], TODAY, scope_id=None)
    assert every.figures_as_of is None
    assert every.figures["funnel"].rows == direct[None].figures["funnel"].rows
