"""The meeting log, the next date, overdue detection, agenda points and the one-step log."""

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Cadence, PairingStatus
from portal.models.meetings import AgendaPoint, Meeting, MeetingPlan
from portal.models.practice import Practice
from portal.services.pairings.meetings import meeting_due
from tests.conftest import hx_headers
from tests.factories import (
    make_admin,
    make_agenda_point,
    make_meeting,
    make_pairing,
    make_program,
)

TODAY = date(2026, 6, 15)


def _pairing(cadence=Cadence.monthly, approved_days_ago=60):
    approved = datetime.combine(TODAY - timedelta(days=approved_days_ago), datetime.min.time())
    return make_pairing(program=make_program(cadence=cadence), approved_at=approved)


# --- overdue detection -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cadence", "last_met_days_ago", "overdue"),
    [
        (Cadence.monthly, 31, False),  # exactly one cadence: due today, not overdue yet
        (Cadence.monthly, 32, True),
        (Cadence.monthly, 20, False),
        (Cadence.biweekly, 14, False),
        (Cadence.biweekly, 15, True),
    ],
)
def test_a_pair_is_overdue_one_day_after_its_cadence(cadence, last_met_days_ago, overdue):
    pairing = _pairing(cadence)
    due = meeting_due(pairing, TODAY - timedelta(days=last_met_days_ago), None, TODAY)
    assert due.overdue is overdue
    assert due.overdue_for_cadence is overdue


def test_a_new_pair_counts_from_its_approval():
    assert meeting_due(_pairing(approved_days_ago=10), None, None, TODAY).overdue is False
    assert meeting_due(_pairing(approved_days_ago=40), None, None, TODAY).overdue is True


def test_a_planned_date_that_passed_without_a_meeting_is_overdue():
    pairing = _pairing(Cadence.monthly)
    last = TODAY - timedelta(days=10)
    due = meeting_due(pairing, last, TODAY - timedelta(days=1), TODAY)
    assert due.missed_plan and due.overdue and not due.overdue_for_cadence
    assert meeting_due(pairing, last, TODAY, TODAY).overdue is False  # the meeting is today


def test_a_meeting_on_the_planned_date_clears_the_plan_warning():
    pairing = _pairing(Cadence.monthly)
    planned = TODAY - timedelta(days=3)
    assert meeting_due(pairing, planned, planned, TODAY).overdue is False


def test_the_dashboard_warns_when_a_meeting_is_overdue(client, auth):
    pairing = make_pairing(program=make_program(cadence=Cadence.biweekly))
    make_meeting(pairing, held_on=date.today() - timedelta(days=20))
    auth.login(pairing.mentee)
    page = client.get("/dashboard/").text
    assert "Your meeting with" in page and "is overdue" in page
    assert "You last met 20 days ago" in page and "every two weeks" in page


def test_the_dashboard_shows_the_next_meeting_when_on_track(client, auth):
    pairing = make_pairing()
    make_meeting(pairing, held_on=date.today() - timedelta(days=5))
    db.session.add(
        MeetingPlan(pairing_id=pairing.id, next_meeting_on=date.today() + timedelta(days=9))
    )
    db.session.commit()
    auth.login(pairing.mentor)
    page = client.get("/dashboard/").text
    assert "is overdue" not in page
    assert (date.today() + timedelta(days=9)).strftime("%a %-d %b") in page


# --- the log -----------------------------------------------------------------------------


def test_both_partners_see_the_log_with_its_shared_notes(client, auth):
    pairing = make_pairing()
    make_meeting(pairing, notes="We agreed on listening.")
    make_meeting(pairing, held_on=date.today() - timedelta(days=40), happened=False)
    for person in (pairing.mentor, pairing.mentee):
        auth.login(person)
        page = client.get(f"/pairings/{pairing.id}").text
        assert "We agreed on listening." in page and "missed" in page
        auth.logout()


def test_setting_the_next_date_through_htmx_swaps_the_block(client, auth):
    pairing = make_pairing()
    auth.login(pairing.mentee)
    next_on = date.today() + timedelta(days=12)
    response = client.post(
        f"/pairings/{pairing.id}/next",
        data={"next_meeting_on": next_on.isoformat()},
        headers=hx_headers("next-meeting"),
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="next-meeting"')
    assert next_on.strftime("%-d %B %Y") in response.text
    assert db.session.get(MeetingPlan, pairing.id).next_meeting_on == next_on


def test_logging_a_meeting_turns_chosen_points_into_practices(client, auth):
    pairing = make_pairing()
    mine = make_agenda_point(pairing, pairing.mentee, text="Practise saying no")
    theirs = make_agenda_point(pairing, pairing.mentor, text="Ask for feedback weekly")
    skipped = make_agenda_point(pairing, pairing.mentor, text="Just talk")
    auth.login(pairing.mentee)
    held = date.today() - timedelta(days=1)
    response = client.post(
        f"/pairings/{pairing.id}/meetings",
        data={
            "held_on": held.isoformat(),
            "happened": "yes",
            "notes": "Good talk.",
            f"point-{mine.id}": "me",
            f"point-{theirs.id}": "both",
            f"point-{skipped.id}": "",
        },
    )
    assert response.status_code == 303
    meeting = db.session.scalars(select(Meeting)).one()
    assert meeting.notes == "Good talk." and meeting.happened and meeting.held_on == held
    practices = db.session.scalars(select(Practice).order_by(Practice.id)).all()
    made = sorted((p.title, p.owner_id) for p in practices)
    assert made == sorted(
        [
            ("Practise saying no", pairing.mentee_id),
            ("Ask for feedback weekly", pairing.mentee_id),
            ("Ask for feedback weekly", pairing.mentor_id),
        ]
    )
    assert all(p.source_meeting_id == meeting.id for p in practices)
    open_points = db.session.scalar(
        select(func.count(AgendaPoint.id)).where(AgendaPoint.meeting_id.is_(None))
    )
    assert open_points == 0
    # An empty "next meeting" plans nothing: no date is guessed for the pair.
    assert db.session.get(MeetingPlan, pairing.id) is None


def test_does_logging_a_meeting_keep_the_agreed_next_date(client, auth):
    pairing = make_pairing()
    agreed = date.today() + timedelta(days=9)
    db.session.add(MeetingPlan(pairing_id=pairing.id, next_meeting_on=agreed))
    db.session.commit()
    auth.login(pairing.mentor)
    held = date.today() - timedelta(days=2)
    response = client.post(
        f"/pairings/{pairing.id}/meetings",
        data={"held_on": held.isoformat(), "happened": "yes", "notes": ""},
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(MeetingPlan, pairing.id).next_meeting_on == agreed
    # Saying so explicitly still moves it.
    later = date.today() + timedelta(days=20)
    client.post(
        f"/pairings/{pairing.id}/meetings",
        data={"held_on": held.isoformat(), "happened": "yes", "next_meeting_on": later.isoformat()},
    )
    db.session.expire_all()
    assert db.session.get(MeetingPlan, pairing.id).next_meeting_on == later


def test_a_missed_meeting_keeps_the_agenda_open_and_makes_no_practices(client, auth):
    pairing = make_pairing()
    point = make_agenda_point(pairing, pairing.mentee)
    auth.login(pairing.mentor)
    client.post(
        f"/pairings/{pairing.id}/meetings",
        data={"held_on": date.today().isoformat(), "happened": "no", f"point-{point.id}": "me"},
    )
    db.session.refresh(point)
    assert point.meeting_id is None
    assert db.session.scalar(select(func.count(Practice.id))) == 0


def test_are_points_not_covered_carried_over_to_the_next_meetings_prep(client, auth):
    pairing = make_pairing()
    covered = make_agenda_point(pairing, pairing.mentee, text="Covered point")
    carried = make_agenda_point(pairing, pairing.mentor, text="Carried point")
    auth.login(pairing.mentor)
    form = client.get(f"/pairings/{pairing.id}").text
    assert f'name="carry-{carried.id}"' in form and "carry it over" in form
    response = client.post(
        f"/pairings/{pairing.id}/meetings",
        data={"held_on": date.today().isoformat(), "happened": "yes", f"carry-{carried.id}": "y"},
        follow_redirects=True,
    )
    assert "1 agenda point carried over to the next meeting" in response.text
    db.session.expire_all()
    assert db.session.get(AgendaPoint, covered.id).meeting_id is not None
    assert db.session.get(AgendaPoint, carried.id).meeting_id is None
    prep = client.get(f"/pairings/{pairing.id}/prep").text
    assert "Carried point" in prep and "Covered point" not in prep
    # The next meeting covers it; nothing is left to carry.
    done = client.post(
        f"/pairings/{pairing.id}/meetings",
        data={"held_on": date.today().isoformat(), "happened": "yes"},
        follow_redirects=True,
    )
    assert "The meeting is logged." in done.text and "carried over" not in done.text


def test_a_meeting_in_the_future_is_refused_and_nothing_is_saved(client, auth):
    pairing = make_pairing()
    point = make_agenda_point(pairing, pairing.mentee)
    auth.login(pairing.mentee)
    response = client.post(
        f"/pairings/{pairing.id}/meetings",
        data={
            "held_on": (date.today() + timedelta(days=2)).isoformat(),
            "happened": "yes",
            "notes": "Keep these notes",
            f"point-{point.id}": "me",
        },
    )
    assert response.status_code == 422
    assert "once it has taken place" in response.text and "Keep these notes" in response.text
    assert db.session.scalar(select(func.count(Meeting.id))) == 0
    assert db.session.scalar(select(func.count(Practice.id))) == 0


# --- agenda points -------------------------------------------------------------------------


def test_adding_an_agenda_point_through_htmx_returns_the_agenda(client, auth):
    pairing = make_pairing()
    auth.login(pairing.mentor)
    response = client.post(
        f"/pairings/{pairing.id}/agenda",
        data={"text": "Talk about delegation"},
        headers=hx_headers("agenda"),
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="agenda"')
    assert "Talk about delegation" in response.text


def test_adding_an_agenda_point_without_javascript_redirects(client, auth):
    pairing = make_pairing()
    auth.login(pairing.mentee)
    response = client.post(f"/pairings/{pairing.id}/agenda", data={"text": "A point"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/pairings/{pairing.id}/prep")


def test_an_empty_agenda_point_is_refused_with_422(client, auth):
    pairing = make_pairing()
    auth.login(pairing.mentee)
    response = client.post(
        f"/pairings/{pairing.id}/agenda", data={"text": ""}, headers=hx_headers("agenda")
    )
    assert response.status_code == 422
    assert "Write the point" in response.text


def test_only_its_author_removes_an_agenda_point(client, auth):
    pairing = make_pairing()
    point = make_agenda_point(pairing, pairing.mentee)
    auth.login(pairing.mentor)
    assert client.post(f"/pairings/{pairing.id}/agenda/{point.id}/delete").status_code == 403
    auth.logout()
    auth.login(pairing.mentee)
    response = client.post(
        f"/pairings/{pairing.id}/agenda/{point.id}/delete", headers=hx_headers("agenda")
    )
    assert response.status_code == 200
    assert db.session.scalar(select(func.count(AgendaPoint.id))) == 0


# --- who may open and write the log ---------------------------------------------------------

PAIRING_ROUTES = {
    "log": ("get", "/pairings/{id}", {}, None),
    "prep": ("get", "/pairings/{id}/prep", {}, None),
    "prep agenda fragment": ("get", "/pairings/{id}/prep", {}, "agenda"),
    "next date": ("post", "/pairings/{id}/next", {"next_meeting_on": "2030-01-01"}, None),
    "add agenda point": ("post", "/pairings/{id}/agenda", {"text": "x"}, "agenda"),
    "remove agenda point": ("post", "/pairings/{id}/agenda/{point}/delete", {}, None),
    "log meeting": (
        "post",
        "/pairings/{id}/meetings",
        {"held_on": "2026-01-01", "happened": "yes"},
        None,
    ),
}
ROLES = ["mentor", "mentee", "other_mentor", "other_mentee", "admin"]


@pytest.mark.parametrize("status", ["active", "completed", "ended", "proposed"])
@pytest.mark.parametrize("route", list(PAIRING_ROUTES))
@pytest.mark.parametrize("role", ROLES)
def test_who_may_open_and_write_a_pairings_log(client, auth, role, route, status):
    pairing = make_pairing(status=PairingStatus(status))
    other = make_pairing(program=pairing.program)
    make_meeting(pairing, notes="SHARED-NOTES-9")
    point = make_agenda_point(pairing, pairing.mentor, text="AGENDA-TEXT-9")
    person = {
        "mentor": pairing.mentor,
        "mentee": pairing.mentee,
        "other_mentor": other.mentor,
        "other_mentee": other.mentee,
        "admin": make_admin(),
    }[role]
    auth.login(person)
    method, path, data, target = PAIRING_ROUTES[route]
    url = path.format(id=pairing.id, point=point.id)
    headers = hx_headers(target) if target else {}
    response = getattr(client, method)(url, data=data, headers=headers)
    member = role in ("mentor", "mentee") and status != "proposed"
    if not member:
        assert response.status_code == 404
        assert "SHARED-NOTES-9" not in response.text and "AGENDA-TEXT-9" not in response.text
    elif method == "get":
        assert response.status_code == 200
    elif status in ("ended", "completed"):
        assert response.status_code == 403  # a past pairing is read-only (docs/sharing.md)
    elif route == "remove agenda point" and role == "mentee":
        assert response.status_code == 403  # not the author
    else:
        assert response.status_code in (200, 303)
