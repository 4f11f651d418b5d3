"""Do the pairs list and the pair page show the right health, and do the admin's actions work?"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from portal.extensions import db
from portal.models import Notification, PairingStatus, utcnow
from portal.models.enrollment import AuditEvent
from portal.models.guide import PairingRequest, RequestKind, RequestStatus, SurveyRound
from portal.models.journal import Visibility
from portal.services.insights.health import HealthStatus, pair_rows
from portal.services.insights.snapshots import turned_at_risk
from tests.conftest import hx_headers
from tests.factories import (
    make_admin,
    make_agenda_point,
    make_agreement,
    make_check_in,
    make_entry,
    make_goal,
    make_meeting,
    make_meeting_rating,
    make_pairing,
    make_pairing_request,
    make_planned_meeting,
    make_practice,
    make_practice_comment,
    make_program,
    make_survey_response,
    make_user,
)

TODAY = date.today()


def days_ago(n: int) -> datetime:
    return datetime.combine(TODAY - timedelta(days=n), time(12))


def healthy(program, **names):
    """A pair approved 90 days ago that met recently, signed, set a goal, and is active."""
    pairing = make_pairing(program=program, approved_at=days_ago(90), **names)
    make_meeting(pairing, held_on=TODAY - timedelta(days=5))
    sign(pairing)
    make_goal(pairing)
    for person in (pairing.mentor, pairing.mentee):
        practice = make_practice(owner=person)
        make_check_in(practice, day=TODAY - timedelta(days=2))
    return pairing


def sign(pairing) -> None:
    agreement = make_agreement(pairing, sharing="We share.")
    version = agreement.versions[0]
    version.mentor_signed_at, version.mentee_signed_at = days_ago(80), days_ago(79)
    db.session.commit()


def status_of(program, pairing, today=TODAY):
    return {r.pairing_id: r for r in pair_rows([program], today)}[pairing.id]


def test_do_database_facts_give_the_hand_computed_statuses():
    program = make_program(starts_on=TODAY - timedelta(days=120))
    good = healthy(program)
    quiet_mentee = make_pairing(program=program, approved_at=days_ago(90))
    make_meeting(quiet_mentee, held_on=TODAY - timedelta(days=47))
    sign(quiet_mentee)
    make_goal(quiet_mentee)
    make_check_in(make_practice(owner=quiet_mentee.mentor), day=TODAY - timedelta(days=1))
    risky = make_pairing(program=program, approved_at=days_ago(90))
    make_meeting(risky, held_on=TODAY - timedelta(days=70))
    new = make_pairing(program=program, approved_at=days_ago(3))

    rows = {r.pairing_id: r for r in pair_rows([program], TODAY)}
    assert rows[good.id].status is HealthStatus.on_track
    assert rows[quiet_mentee.id].status is HealthStatus.needs_check_in
    assert rows[quiet_mentee.id].health.reasons == (
        "no meeting for 47 days; cadence monthly",
        "mentee not active in 30 days",
    )
    assert rows[risky.id].status is HealthStatus.at_risk
    assert rows[new.id].status is HealthStatus.too_early


def test_does_each_kind_of_activity_count_for_its_partner_in_the_last_30_days():
    program = make_program()
    pairing = healthy(program)
    mentee = pairing.mentee
    make_entry(author=mentee, visibility=Visibility.shared)
    make_entry(author=mentee, visibility=Visibility.private)  # private: not counted
    old = make_entry(author=mentee, visibility=Visibility.shared)
    old.created_at = days_ago(30)  # just outside the 30-day window
    practice = make_practice(owner=pairing.mentor)
    make_practice_comment(practice, mentee)
    make_agenda_point(pairing, mentee)
    db.session.commit()
    row = status_of(program, pairing)
    assert row.facts.mentee.entries_shared == 1
    assert row.facts.mentee.comments == 1
    assert row.facts.mentee.agenda_points == 1
    assert row.facts.mentee.check_ins == 1
    assert row.facts.mentor.total == 1


def test_does_a_low_pulse_survey_answer_of_either_partner_put_the_pair_at_risk():
    program = make_program()
    mentor_low, mentee_low, fine = healthy(program), healthy(program), healthy(program)
    make_survey_response(program, mentor_low.mentor, satisfaction=2)
    make_survey_response(program, mentee_low.mentee, satisfaction=1)
    make_survey_response(program, fine.mentee, satisfaction=3)
    rows = {r.pairing_id: r for r in pair_rows([program], TODAY)}
    assert rows[mentor_low.id].health.reasons == ("a rating of 2 of 5 in the last 60 days",)
    assert rows[mentee_low.id].facts.lowest_rating == 1
    assert rows[fine.id].status is HealthStatus.on_track


def test_does_a_survey_count_only_in_its_programme_within_60_days_and_since_approval():
    program, other = make_program(), make_program()
    old_answer, elsewhere, before_pair = healthy(program), healthy(program), healthy(program)
    make_survey_response(program, old_answer.mentee, satisfaction=1, submitted_at=days_ago(60))
    make_survey_response(other, elsewhere.mentee, satisfaction=1)
    # Answered in an earlier pair of the same programme, before this pair was approved.
    before_pair.approved_at = days_ago(10)
    make_survey_response(program, before_pair.mentor, satisfaction=1, submitted_at=days_ago(20))
    rows = {r.pairing_id: r for r in pair_rows([program], TODAY)}
    for pairing in (old_answer, elsewhere, before_pair):
        assert rows[pairing.id].facts.lowest_rating is None
        assert rows[pairing.id].status is HealthStatus.on_track
    recent = make_survey_response(
        program, old_answer.mentor, round=SurveyRound.close, satisfaction=2
    )
    recent.submitted_at = days_ago(59)
    db.session.commit()
    assert status_of(program, old_answer).facts.lowest_rating == 2


def test_does_a_low_meeting_rating_put_only_that_pair_at_risk():
    program = make_program()
    rated, other = healthy(program), healthy(program)
    meeting = make_meeting(rated, held_on=TODAY - timedelta(days=3))
    make_meeting_rating(meeting, rated.mentor, rating=5)
    low = make_meeting_rating(meeting, rated.mentee, rating=2)
    make_meeting_rating(make_meeting(other, held_on=TODAY - timedelta(days=3)), other.mentee, 4)
    rows = {r.pairing_id: r for r in pair_rows([program], TODAY)}
    assert rows[rated.id].status is HealthStatus.at_risk
    assert rows[rated.id].facts.lowest_rating == 2
    assert rows[other.id].facts.lowest_rating == 4
    assert rows[other.id].status is HealthStatus.on_track
    low.created_at = days_ago(60)  # just outside the window
    db.session.commit()
    assert status_of(program, rated).facts.lowest_rating == 5


def test_does_an_open_confidential_request_put_the_pair_at_risk_until_resolved():
    program = make_program()
    asked, ended = healthy(program), healthy(program)
    request = make_pairing_request(asked, asked.mentee)
    make_pairing_request(ended, ended.mentor, kind=RequestKind.end_early)
    rows = {r.pairing_id: r for r in pair_rows([program], TODAY)}
    assert rows[asked.id].health.reasons == ("a partner asked confidentially to re-match",)
    assert rows[ended.id].health.reasons == ("a partner asked confidentially to end the pairing",)
    request.status, request.resolved_at = RequestStatus.resolved, utcnow()
    db.session.commit()
    assert status_of(program, asked).status is HealthStatus.on_track
    # A week ago the request was not made yet; today's view of that day ignores it.
    assert status_of(program, ended, TODAY - timedelta(days=7)).facts.concern is None


def test_does_the_dashboard_list_only_pairs_that_turned_at_risk_this_week():
    program = make_program(starts_on=TODAY - timedelta(days=200))
    turned = make_pairing(program=program, approved_at=days_ago(150))
    make_meeting(turned, held_on=TODAY - timedelta(days=66))  # 59 days a week ago: not at risk
    make_check_in(make_practice(owner=turned.mentee), day=TODAY - timedelta(days=10))
    long_ago = make_pairing(program=program, approved_at=days_ago(150))
    make_meeting(long_ago, held_on=TODAY - timedelta(days=100))  # at risk for weeks
    assert [r.pairing_id for r in turned_at_risk([program], TODAY)] == [turned.id]


def test_does_the_pairs_list_filter_search_sort_and_page(client, auth):
    program = make_program()
    mentor = make_user(name="Zora Mentor")
    pairs = [healthy(program, mentee=make_user(name=f"Mentee {i:02}")) for i in range(27)]
    # Named, so the default "Mentee <n>" of a long test run cannot match the search below.
    late = make_pairing(
        program=program, mentor=mentor, mentee=make_user(name="Late Pat"), approved_at=days_ago(90)
    )
    make_meeting(late, held_on=TODAY - timedelta(days=80))
    auth.login(make_admin())
    url = f"/admin/programs/{program.slug}/pairs"
    first = client.get(url).get_data(as_text=True)
    assert "28 pairs" in first and "Page 1 of 2" in first
    assert first.index(late.mentee.name) < first.index("Mentee 00")  # most urgent first
    second = client.get(url, query_string={"page": 2, "sort": "mentee"}).get_data(as_text=True)
    assert "Mentee 26" in second and "Mentee 00" not in second
    at_risk = client.get(url, query_string={"status": "at_risk"}).get_data(as_text=True)
    assert "1 pair<" in at_risk and late.mentee.name in at_risk
    by_mentor = client.get(url, query_string={"mentor": mentor.id}).get_data(as_text=True)
    assert "1 pair<" in by_mentor
    found = client.get(url, query_string={"q": "mentee 1"}).get_data(as_text=True)
    assert "10 pairs" in found  # Mentee 10 … Mentee 19
    fragment = client.get(url, query_string={"q": "zora"}, headers=hx_headers("pair-list"))
    assert (
        fragment.get_data(as_text=True).lstrip().startswith('<section class="card" id="pair-list"')
    )
    assert pairs[0].mentee.name not in fragment.get_data(as_text=True)


def test_does_strange_input_on_the_pairs_list_answer_without_error(client, auth):
    program = make_program()
    healthy(program)
    auth.login(make_admin())
    for query in (
        {"status": "nonsense"},
        {"sort": "'; drop table"},
        {"page": "-3"},
        {"page": "99999999999999999999"},
        {"mentor": "abc"},
        {"q": "%_\\" * 100},
    ):
        response = client.get(f"/admin/programs/{program.slug}/pairs", query_string=query)
        assert response.status_code == 200, query
    # The app's request guard refuses a NUL byte anywhere, with a page that says why.
    nul = client.get(f"/admin/programs/{program.slug}/pairs", query_string={"department": "\x00"})
    assert nul.status_code == 400 and "NUL character" in nul.get_data(as_text=True)
    bad = client.get(f"/admin/programs/{program.slug}/pairs?status=nonsense")
    assert "Choose one of the listed statuses." in bad.get_data(as_text=True)


def test_does_the_department_filter_use_the_mentees_department(client, auth):
    from portal.models import Membership

    program = make_program()
    sales = healthy(program)
    other = healthy(program)
    membership = db.session.scalar(select(Membership).where(Membership.user_id == sales.mentee_id))
    membership.profile = {"department": "Sales"}
    db.session.commit()
    auth.login(make_admin())
    page = client.get(
        f"/admin/programs/{program.slug}/pairs", query_string={"department": "Sales"}
    ).get_data(as_text=True)
    assert sales.mentee.name in page and other.mentee.name not in page


def test_does_the_pairs_list_run_a_fixed_number_of_queries(client, auth, count_queries):
    from portal.services.insights import snapshots

    program = make_program()
    healthy(program)
    auth.login(make_admin())
    url = f"/admin/programs/{program.slug}/pairs"
    client.get(url)
    # Pairs without today's snapshot are computed, not stored (a GET never inserts), in as
    # many queries for one pair as for six.
    with count_queries() as computing_one:
        client.get(url)
    for _ in range(5):
        healthy(program)
    with count_queries() as computing_six:
        client.get(url)
    # Once the refresh stored them, the list reads the snapshot only.
    snapshots.ensure([program], date.today())
    with count_queries() as few:
        client.get(url)
    with count_queries() as many:
        client.get(url, query_string={"sort": "activity", "q": "mentee", "status": "on_track"})
    assert computing_six.count == computing_one.count > few.count
    assert many.count == few.count


def test_does_the_csv_export_hold_every_filtered_pair_with_reasons(client, auth):
    program = make_program()
    late = make_pairing(
        program=program, approved_at=days_ago(90), mentee=make_user(name="=HYPERLINK(1)")
    )
    make_meeting(late, held_on=TODAY - timedelta(days=47))
    make_check_in(make_practice(owner=late.mentee), day=TODAY)
    healthy(program)
    auth.login(make_admin())
    response = client.get(
        f"/admin/programs/{program.slug}/pairs.csv", query_string={"status": "needs_check_in"}
    )
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    lines = response.get_data(as_text=True).strip().splitlines()
    assert len(lines) == 2
    assert lines[1].startswith("'=HYPERLINK(1)")
    assert "no meeting for 47 days; cadence monthly" in lines[1]


def test_does_the_pair_page_show_a_timeline_of_kinds_and_dates_only(client, auth):
    program = make_program()
    pairing = healthy(program)
    make_entry(author=pairing.mentee, visibility=Visibility.shared, body="secret-words-42")
    auth.login(make_admin())
    page = client.get(f"/admin/programs/{program.slug}/pairs/{pairing.id}").get_data(as_text=True)
    assert "Pairing approved" in page and "Met" in page
    assert "Practised (check-in)" in page and "Shared a journal entry" in page
    assert "secret-words-42" not in page
    assert "On track" in page


def test_does_nudge_both_notify_each_partner_and_log_it(client, auth):
    program = make_program()
    pairing = healthy(program)
    admin = make_admin()
    auth.login(admin)
    url = f"/admin/programs/{program.slug}/pairs/{pairing.id}"
    response = client.post(f"{url}/nudge")
    assert response.status_code == 303 and response.headers["Location"].endswith(url)
    notified = db.session.scalars(select(Notification.user_id).where(Notification.kind == "nudge"))
    assert sorted(notified) == sorted([pairing.mentor_id, pairing.mentee_id])
    assert db.session.scalar(select(AuditEvent.action)) == "pairing.nudged"
    assert "Nudged by the programme team" in client.get(url).get_data(as_text=True)
    fragment = client.post(f"{url}/nudge", headers=hx_headers("pair-actions"))
    assert fragment.status_code == 200
    assert 'id="pair-actions"' in fragment.get_data(as_text=True)


def test_does_an_empty_or_long_message_keep_the_text_and_answer_422(client, auth):
    program = make_program()
    pairing = healthy(program)
    auth.login(make_admin())
    url = f"/admin/programs/{program.slug}/pairs/{pairing.id}/message"
    empty = client.post(url, data={"message": "   "}, headers=hx_headers("pair-actions"))
    assert empty.status_code == 422
    assert "Write the message first." in empty.get_data(as_text=True)
    long = client.post(url, data={"message": "ü" * 281})
    assert long.status_code == 422 and "ü" * 281 in long.get_data(as_text=True)
    assert db.session.scalar(select(Notification.id)) is None
    sent = client.post(url, data={"message": "Shall we talk on Friday?"})
    assert sent.status_code == 303
    assert db.session.scalar(select(Notification.message)).endswith("Shall we talk on Friday?")


def test_does_rematch_end_the_pair_resolve_requests_and_open_matching(client, auth):
    program = make_program()
    pairing = healthy(program)
    make_pairing_request(pairing, pairing.mentee)
    make_pairing_request(pairing, pairing.mentor, kind=RequestKind.end_early)
    admin = make_admin()
    auth.login(admin)
    url = f"/admin/programs/{program.slug}/pairs/{pairing.id}"
    no_reason = client.post(f"{url}/rematch", data={"reason": ""})
    assert no_reason.status_code == 422
    db.session.refresh(pairing)
    assert pairing.status is PairingStatus.active
    asked = client.post(f"{url}/rematch", data={"reason": "Asked for a new mentor"})
    assert asked.status_code == 200 and "Asked for a new mentor" in asked.text  # asks first
    db.session.refresh(pairing)
    assert pairing.status is PairingStatus.active
    response = client.post(
        f"{url}/rematch", data={"reason": "Asked for a new mentor", "confirm": "yes"}
    )
    assert response.headers["Location"].endswith(f"/admin/matching/{program.slug}")
    db.session.refresh(pairing)
    assert pairing.status is PairingStatus.ended
    requests = db.session.scalars(select(PairingRequest)).all()
    assert [r.status for r in requests] == [RequestStatus.resolved] * 2
    assert all(r.resolved_at is not None and r.resolved_by_id == admin.id for r in requests)
    again = client.post(f"{url}/nudge")
    assert again.status_code == 422  # no longer active


def test_does_a_pair_of_another_programme_or_a_proposal_answer_404(client, auth):
    program, other = make_program(), make_program()
    foreign = healthy(other)
    proposed = make_pairing(program=program, status=PairingStatus.proposed, approved_at=None)
    auth.login(make_admin())
    assert client.get(f"/admin/programs/{program.slug}/pairs/{foreign.id}").status_code == 404
    assert client.get(f"/admin/programs/{program.slug}/pairs/{proposed.id}").status_code == 404
    assert (
        client.post(f"/admin/programs/{program.slug}/pairs/{foreign.id}/nudge").status_code == 404
    )
    assert client.post(f"/admin/programs/{program.slug}/pairs/{foreign.id}/x").status_code == 404


def test_does_the_admin_dashboard_list_the_pair_that_turned_at_risk(client, auth):
    program = make_program(starts_on=TODAY - timedelta(days=200))
    turned = make_pairing(program=program, approved_at=days_ago(150))
    make_meeting(turned, held_on=TODAY - timedelta(days=66))
    make_check_in(make_practice(owner=turned.mentee), day=TODAY - timedelta(days=10))
    auth.login(make_admin())
    page = client.get("/dashboard/").get_data(as_text=True)
    panel = page[page.index('id="at-risk-panel"') :].split("</section>")[0]
    assert f"/admin/programs/{program.slug}/pairs/{turned.id}" in panel
    assert "no meeting for 66 days; cadence monthly" in panel
    auth.logout()
    auth.login(turned.mentee)
    assert 'id="at-risk-panel"' not in client.get("/dashboard/").get_data(as_text=True)


def _direct_order(rows, sort: str) -> list[int]:
    """The pairs list's orders, computed in Python from the direct rows."""
    keys = {
        "status": lambda r: (r.status.rank, r.mentee_name.casefold(), r.pairing_id),
        "mentee": lambda r: (r.mentee_name.casefold(), r.pairing_id),
        "mentor": lambda r: (r.mentor_name.casefold(), r.mentee_name.casefold(), r.pairing_id),
        "last_met": lambda r: (r.facts.last_met_on or r.facts.approved_on, r.pairing_id),
        "next_meeting": lambda r: (r.facts.next_meeting_on or date.max, r.pairing_id),
        "activity": lambda r: (r.activity, r.pairing_id),
    }
    return [r.pairing_id for r in sorted(rows, key=keys[sort])]


def test_does_the_daily_snapshot_agree_with_the_direct_computation(client, auth, count_queries):
    from portal.models.insights import PairHealthSnapshot
    from portal.services.insights.pairs import SORTS, PairFilters, filtered_rows, pair_list
    from portal.services.insights.rollups import refresh_pair_health
    from portal.services.insights.snapshots import current_rows

    program = make_program(starts_on=TODAY - timedelta(days=120))
    healthy(program, mentee=make_user(name="Ölga Ärmel"))
    late = make_pairing(program=program, approved_at=days_ago(90))
    make_meeting(late, held_on=TODAY - timedelta(days=47))
    make_check_in(make_practice(owner=late.mentee), day=TODAY)
    planned = make_pairing(program=program, approved_at=days_ago(40))
    make_meeting(planned, held_on=TODAY - timedelta(days=20))
    make_planned_meeting(planned, starts_at=datetime.combine(TODAY + timedelta(days=9), time(9)))
    make_pairing_request(healthy(program))
    make_pairing(program=program, approved_at=days_ago(2))
    rows = pair_rows([program], TODAY)
    direct = {r.pairing_id: (r.status, r.health.reasons, r.facts) for r in rows}
    assert refresh_pair_health(TODAY) == 5
    assert program.slug  # reload the programme the commit expired, outside the count
    with count_queries() as counter:
        cached = current_rows([program], TODAY)
    assert counter.count == 2  # nothing missing, and the snapshot: no activity scan
    assert {r.pairing_id: (r.status, r.health.reasons, r.facts) for r in cached} == direct
    # Every order and filter of the list, in SQL, picks what Python picks from the direct rows.
    for sort in SORTS:
        listed = [r.pairing_id for r in filtered_rows(program, PairFilters(sort=sort), TODAY)]
        assert listed == _direct_order(rows, sort), sort
    for status in HealthStatus:
        filters = PairFilters(status=status.value)
        want = [r.pairing_id for r in rows if r.status is status]
        assert sorted(r.pairing_id for r in filtered_rows(program, filters, TODAY)) == sorted(want)
    found = pair_list(program, PairFilters(q="ölga ä"), TODAY)
    assert [r.mentee_name for r in found.rows] == ["Ölga Ärmel"] and found.total == 1
    # A pair approved after the refresh is computed with the formula, and not stored: the
    # list is a GET, and a GET never inserts (tonight's refresh stores it).
    newcomer = make_pairing(program=program, approved_at=days_ago(0))
    make_pairing_request(newcomer)
    listing = pair_list(program, PairFilters(status="at_risk"), TODAY)
    assert newcomer.id in {r.pairing_id for r in listing.rows}
    assert listing.counts[HealthStatus.at_risk] == len(listing.rows) == 2
    assert db.session.get(PairHealthSnapshot, (newcomer.id, TODAY)) is None
    # An ended pair leaves the list at once, snapshot or not.
    late.status = PairingStatus.ended
    db.session.commit()
    assert late.id not in {r.pairing_id for r in current_rows([program], TODAY)}
    assert late.id not in {r.pairing_id for r in pair_list(program, PairFilters(), TODAY).rows}
    # Tomorrow's list never reads today's snapshot.
    tomorrow = TODAY + timedelta(days=1)
    assert {r.pairing_id for r in current_rows([program], tomorrow)} == {
        r.pairing_id for r in pair_rows([program], tomorrow)
    }


def test_does_the_dashboard_read_turned_at_risk_from_the_snapshots(count_queries):
    from portal.models.insights import PairHealthSnapshot
    from portal.services.insights.rollups import refresh_pair_health

    program = make_program(starts_on=TODAY - timedelta(days=200))
    turned = make_pairing(program=program, approved_at=days_ago(150))
    make_meeting(turned, held_on=TODAY - timedelta(days=66))
    make_check_in(make_practice(owner=turned.mentee), day=TODAY - timedelta(days=10))
    long_ago = make_pairing(program=program, approved_at=days_ago(150))
    make_meeting(long_ago, held_on=TODAY - timedelta(days=100))
    week_ago = TODAY - timedelta(days=7)
    # The worker ran a week ago and runs today; each row is the formula on its own day.
    refresh_pair_health(week_ago)
    assert refresh_pair_health(TODAY) == 2
    before = db.session.get(PairHealthSnapshot, (turned.id, week_ago))
    assert before.status == "needs_check_in"
    assert db.session.get(PairHealthSnapshot, (long_ago.id, week_ago)).status == "at_risk"
    assert program.slug  # reload the programme outside the count
    with count_queries() as counter:
        assert [r.pairing_id for r in turned_at_risk([program], TODAY)] == [turned.id]
    assert counter.count == 3  # nothing missing on either day, and one comparison
    # What the snapshot said a week ago decides, not a new computation of that day.
    before.status = "at_risk"
    db.session.commit()
    assert turned_at_risk([program], TODAY) == []
    # Rows older than two weeks go at the next refresh.
    refresh_pair_health(TODAY + timedelta(days=15))
    assert db.session.get(PairHealthSnapshot, (turned.id, week_ago)) is None


def test_do_did_you_meet_answers_and_silence_reach_the_pairs_health():
    from portal.models.choosing import MeetAnswer, MeetCheck
    from portal.models.guide import GuideDispatch

    program = make_program()
    said_no = make_pairing(program=program, approved_at=days_ago(16))
    said_yes = make_pairing(program=program, approved_at=days_ago(40))
    silent = make_pairing(program=program, approved_at=days_ago(23))
    db.session.add_all(
        [
            MeetCheck(
                pairing_id=said_no.id,
                user_id=said_no.mentee_id,
                answer=MeetAnswer.no,
                answered_at=days_ago(1),
            ),
            MeetCheck(
                pairing_id=said_yes.id,
                user_id=said_yes.mentor_id,
                answer=MeetAnswer.yes,
                answered_at=days_ago(20),
            ),
            GuideDispatch(
                key=f"meet_check:{silent.id}:{silent.mentee_id}",
                user_id=silent.mentee_id,
                kind="meet_check",
                pairing_id=silent.id,
                created_at=days_ago(8),
            ),
        ]
    )
    db.session.commit()
    rows = {row.pairing_id: row for row in pair_rows([program], TODAY)}
    assert rows[said_no.id].status is HealthStatus.at_risk
    assert rows[said_no.id].facts.said_not_met_on == TODAY - timedelta(days=1)
    # The "yes" 20 days ago is their meeting: without it the gap would be 40 days.
    assert rows[said_yes.id].facts.met_on == TODAY - timedelta(days=20)
    assert not any("no meeting" in r for r in rows[said_yes.id].health.reasons)
    assert rows[silent.id].health.reasons[0] == "nobody answered “Did you meet?” within 7 days"
