"""A circle's talk: the prep page and agenda for the next meeting, comments written in the
circle, and introductions; as each person, without JavaScript and with htmx."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal.extensions import db
from portal.models import utcnow
from portal.models.circles import (
    CircleAgendaPoint,
    CircleComment,
    CircleIntroduction,
    CircleMeeting,
)
from portal.models.notifications import Notification
from portal.services import access
from portal.services.circles import prep as preps
from portal.services.circles import talk
from tests.conftest import hx_headers
from tests.factories import (
    leave_circle,
    make_admin,
    make_check_in,
    make_circle,
    make_entry,
    make_lead,
    make_practice,
    make_user,
    share_with_circle,
)


@pytest.fixture
def circle():
    return make_circle(approved_at=utcnow() - timedelta(days=20), theme="New leads")


def _meeting(circle, days: float) -> CircleMeeting:
    meeting = CircleMeeting(
        circle_id=circle.id, uid=f"m{days}@t", starts_at=utcnow() + timedelta(days=days)
    )
    db.session.add(meeting)
    db.session.commit()
    return meeting


def _entry(author, circle, at=None, **values):
    entry = make_entry(author=author, audience=[], **values)
    share_with_circle(entry, circle, at=at)
    return entry


# --- the prep page and the agenda ---------------------------------------------------------


def test_the_prep_page_shows_what_was_shared_since_the_last_meeting(client, auth, circle):
    mia, noor = circle.stints[0].user, circle.stints[1].user
    _meeting(circle, -7)
    _entry(mia, circle, at=utcnow() - timedelta(days=10), title="Before the meeting")
    _entry(mia, circle, title="Since the meeting")
    practice = make_practice(owner=noor, title="Listen first", audience=[])
    share_with_circle(practice, circle)
    make_check_in(practice, note="I waited before answering")
    _meeting(circle, 3)
    auth.login(circle.facilitator)
    page = client.get(f"/circles/{circle.id}/prep").get_data(as_text=True)
    assert "Since the meeting" in page and "Before the meeting" not in page
    assert "Listen first" in page and "I waited before answering" in page
    assert "Next meeting" in page
    circle_page = client.get(f"/circles/{circle.id}").get_data(as_text=True)
    assert f"/circles/{circle.id}/prep" in circle_page


def test_members_build_the_agenda_and_the_facilitator_carries_over_what_was_not_covered(
    client, auth, circle
):
    mia, noor = circle.stints[0].user, circle.stints[1].user
    auth.login(mia)
    url = f"/circles/{circle.id}/agenda"
    assert client.post(url, data={"text": "  Saying   no to my manager "}).status_code == 303
    # A double submit is one point.
    assert client.post(url, data={"text": "Saying no to my manager"}).status_code == 303
    response = client.post(url, data={"text": "Delegating"}, headers=hx_headers("circle-agenda"))
    assert response.status_code == 200 and "Delegating" in response.get_data(as_text=True)
    points = db.session.scalars(db.select(CircleAgendaPoint).order_by("id")).all()
    assert [p.text for p in points] == ["Saying no to my manager", "Delegating"]
    auth.logout()
    # Nobody else removes Mia's point; the facilitator cannot cover before a meeting started.
    auth.login(noor)
    assert client.post(f"{url}/{points[0].id}/delete").status_code == 403
    auth.logout()
    auth.login(circle.facilitator)
    meeting = _meeting(circle, 2)
    refused = client.post(
        f"{url}/covered", data={"meeting_id": meeting.id, "covered": [points[0].id]}
    )
    assert refused.status_code == 422 and "once the meeting has started" in refused.get_data(
        as_text=True
    )
    meeting.starts_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    done = client.post(f"{url}/covered", data={"meeting_id": meeting.id, "covered": [points[0].id]})
    assert done.status_code == 303
    page = client.get(f"/circles/{circle.id}/prep").get_data(as_text=True)
    assert "carried over" in page and "1 agenda point carried over" in page
    # A stale second submit of the same form covers nothing twice.
    again = client.post(
        f"{url}/covered", data={"meeting_id": meeting.id, "covered": [points[0].id]}
    )
    assert again.status_code == 303
    db.session.expire_all()
    assert [p.covered_meeting_id for p in points] == [meeting.id, None]
    auth.logout()
    # Mia cannot remove a point that was covered meanwhile: it stays in the record.
    auth.login(mia)
    assert client.post(f"{url}/{points[0].id}/delete").status_code == 409
    second = points[1].id
    assert client.post(f"{url}/{second}/delete").status_code == 303
    assert db.session.scalars(db.select(CircleAgendaPoint.id)).all() == [points[0].id]


def test_only_the_facilitator_marks_points_covered(client, auth, circle):
    mia = circle.stints[0].user
    point = preps.add_point(mia, circle.id, "Feedback")
    meeting = _meeting(circle, -1)
    auth.login(mia)
    url = f"/circles/{circle.id}/agenda/covered"
    assert client.post(url, data={"meeting_id": meeting.id, "covered": [point.id]}).status_code == (
        422
    )
    assert point.covered_meeting_id is None


def test_bad_agenda_input_is_refused_next_to_the_field_with_the_text_kept(client, auth, circle):
    auth.login(circle.stints[0].user)
    url = f"/circles/{circle.id}/agenda"
    for text in ("   ", "x" * 301):
        response = client.post(url, data={"text": text}, headers=hx_headers("circle-agenda"))
        assert response.status_code == 422
        assert 'aria-invalid="true"' in response.get_data(as_text=True)
    kept = client.post(url, data={"text": "y" * 320}).get_data(as_text=True)
    assert "y" * 320 in kept
    for bad in ("abc", "99999999999"):
        assert client.post(f"{url}/covered", data={"meeting_id": bad}).status_code == 422
    assert client.post(f"{url}/2147483648/delete").status_code == 404
    assert db.session.scalar(db.select(CircleAgendaPoint)) is None


def test_the_agenda_follows_the_stint_rules(client, auth, circle):
    mia, noor, ola = (s.user for s in circle.stints)
    early = preps.add_point(mia, circle.id, "Early point")
    early.created_at = utcnow() - timedelta(days=5)
    db.session.commit()
    leave_circle(circle, ola, at=utcnow() - timedelta(days=3))
    late = preps.add_point(noor, circle.id, "Late point")
    assert {p.id for p in preps.open_agenda(ola, circle)} == {early.id}
    assert {p.id for p in preps.open_agenda(circle.facilitator, circle)} == {early.id, late.id}
    auth.login(ola)
    page = client.get(f"/circles/{circle.id}/prep").get_data(as_text=True)
    assert "Early point" in page and "Late point" not in page and "Add point" not in page
    assert client.post(f"/circles/{circle.id}/agenda", data={"text": "x"}).status_code == 422
    auth.logout()
    for outsider in (make_user(), make_admin(), make_lead(circle.program)):
        auth.login(outsider)
        assert client.get(f"/circles/{circle.id}/prep").status_code == 404
        assert client.post(f"/circles/{circle.id}/agenda", data={"text": "x"}).status_code == 404
        assert client.post(f"/circles/{circle.id}/agenda/{early.id}/delete").status_code == 404
        auth.logout()


# --- comments written in the circle ---------------------------------------------------------


def test_members_comment_in_the_circle_and_the_author_is_told_without_the_text(
    client, auth, circle
):
    mia, noor = circle.stints[0].user, circle.stints[1].user
    entry = _entry(mia, circle, title="My first month")
    auth.login(noor)
    url = f"/circles/{circle.id}/entries/{entry.id}"
    assert client.get(url).status_code == 200
    body = "You did **well** <script>alert(1)</script>"
    assert client.post(f"{url}/comments", data={"body": body}).status_code == 303
    assert client.post(f"{url}/comments", data={"body": body}).status_code == 303  # double submit
    page = client.get(url).get_data(as_text=True)
    assert "<strong>well</strong>" in page and "<script>alert" not in page
    assert db.session.scalar(db.select(db.func.count(CircleComment.id))) == 1
    auth.logout()
    auth.login(circle.facilitator)
    hx = client.post(
        f"{url}/comments", data={"body": "Agreed"}, headers=hx_headers("circle-thread")
    )
    assert hx.status_code == 200 and "Agreed" in hx.get_data(as_text=True)
    notices = db.session.scalars(
        db.select(Notification).where(Notification.user_id == mia.id)
    ).all()
    assert len(notices) == 1 and notices[0].repeats == 2  # grouped
    assert circle.facilitator.name in notices[0].message
    assert "well" not in notices[0].message and "My first month" not in notices[0].message
    circle_page = client.get(f"/circles/{circle.id}").get_data(as_text=True)
    assert "2 comments" in circle_page


def test_bad_comment_input_is_refused_with_the_text_kept(client, auth, circle):
    mia, noor = circle.stints[0].user, circle.stints[1].user
    practice = make_practice(owner=mia, audience=[])
    share_with_circle(practice, circle)
    auth.login(noor)
    url = f"/circles/{circle.id}/practices/{practice.id}/comments"
    assert client.post(url, data={"body": "  "}).status_code == 422
    long = "z" * 5001
    response = client.post(url, data={"body": long}, headers=hx_headers("circle-thread"))
    assert response.status_code == 422 and long in response.get_data(as_text=True)
    assert db.session.scalar(db.select(CircleComment)) is None
    # An entry that is not shared with this circle, or a made-up kind: 404.
    assert client.post(f"/circles/{circle.id}/entries/{practice.id}/comments").status_code == 404
    assert client.get(f"/circles/{circle.id}/gadgets/{practice.id}").status_code == 404


def test_circle_comments_follow_the_stint_rules(client, auth, circle):
    mia, noor, ola = (s.user for s in circle.stints)
    entry = _entry(mia, circle, at=utcnow() - timedelta(days=10))
    early = talk.add_comment(noor, circle.id, "entries", entry.id, "Early comment")
    early.created_at = utcnow() - timedelta(days=8)
    db.session.commit()
    leave_circle(circle, ola, at=utcnow() - timedelta(days=5))
    late = talk.add_comment(noor, circle.id, "entries", entry.id, "Late comment")
    from portal.models.circles import CircleMember

    pia = make_user(name="Pia")
    circle.stints.append(
        CircleMember(user=pia, membership=circle.stints[0].membership, joined_at=utcnow())
    )
    db.session.commit()
    url = f"/circles/{circle.id}/entries/{entry.id}"
    expect = {
        ola: (200, {early.id}),
        mia: (200, {early.id, late.id}),
        circle.facilitator: (200, {early.id, late.id}),
        pia: (404, set()),  # joined after the entry was shared: reads neither it nor its talk
    }
    for person, (status, seen) in expect.items():
        got = (
            {c.id for c in talk.thread(person, circle.id, "entries", entry.id).comments}
            if (status == 200)
            else set()
        )
        assert got == seen, person.name
        auth.login(person)
        assert client.get(url).status_code == status
        auth.logout()
    # Ola's own entry, shared while she was in: a comment after she left tells her nothing.
    olas = _entry(ola, circle, at=utcnow() - timedelta(days=9))
    talk.add_comment(noor, circle.id, "entries", olas.id, "After you left")
    assert db.session.scalar(db.select(Notification).where(Notification.user_id == ola.id)) is None
    assert talk.thread(ola, circle.id, "entries", olas.id).comments == []
    # A former member reads but no longer writes.
    auth.login(ola)
    assert client.post(f"{url}/comments", data={"body": "hi"}).status_code == 422
    auth.logout()
    for outsider in (make_user(), make_admin(), make_lead(circle.program)):
        auth.login(outsider)
        assert client.get(url).status_code == 404
        assert client.post(f"{url}/comments", data={"body": "x"}).status_code == 404
        auth.logout()
    # The entry made private again: nobody reads its circle comments, Ola's entry keeps its own.
    entry.visibility = entry.visibility.__class__.private
    db.session.commit()
    left = db.session.scalars(access.circle_comments(mia, circle)).all()
    assert [c.entry_id for c in left] == [olas.id]


# --- introductions ----------------------------------------------------------------------------


def test_each_person_introduces_themselves_once_and_rewrites(client, auth, circle):
    mia = circle.stints[0].user
    auth.login(mia)
    url = f"/circles/{circle.id}/introduction"
    assert client.post(url, data={"text": "I lead a team of four."}).status_code == 303
    assert client.post(url, data={"text": "I lead a team of five."}).status_code == 303
    rows = db.session.scalars(db.select(CircleIntroduction)).all()
    assert [r.text for r in rows] == ["I lead a team of five."]
    page = client.get(f"/circles/{circle.id}").get_data(as_text=True)
    assert "I lead a team of five." in page and "Rewrite your introduction" in page
    for bad in ("   ", "w" * 1001):
        response = client.post(url, data={"text": bad})
        assert response.status_code == 422 and 'aria-invalid="true"' in response.get_data(
            as_text=True
        )
    assert "w" * 1001 in client.post(url, data={"text": "w" * 1001}).get_data(as_text=True)


def test_introductions_are_read_by_the_people_whose_stints_overlapped(client, auth, circle):
    from portal.models.circles import CircleMember

    mia, noor, ola = (s.user for s in circle.stints)
    for person in (circle.facilitator, mia, noor, ola):
        talk.save_introduction(person, circle.id, f"Hello from {person.name}")
    leave_circle(circle, ola)
    pia = make_user(name="Pia")
    circle.stints.append(
        CircleMember(user=pia, membership=circle.stints[0].membership, joined_at=utcnow())
    )
    db.session.commit()
    talk.save_introduction(pia, circle.id, "Hello from Pia")
    # Noor rewrites hers after Ola left: that new text does not reach Ola.
    talk.save_introduction(noor, circle.id, "Noor again")

    def seen(person):
        return {i.user.name for i in talk.introductions(person, circle)}

    names = lambda *people: {p.name for p in people}  # noqa: E731
    assert seen(pia) == names(circle.facilitator, mia, noor, pia)  # not Ola, who had left
    assert seen(ola) == names(circle.facilitator, mia, ola)
    assert seen(circle.facilitator) == names(circle.facilitator, mia, noor, ola, pia)
    auth.login(pia)
    page = client.get(f"/circles/{circle.id}").get_data(as_text=True)
    assert "Hello from Pia" in page and f"Hello from {ola.name}" not in page
    auth.logout()
    auth.login(ola)
    assert client.post(f"/circles/{circle.id}/introduction", data={"text": "x"}).status_code == 422
    auth.logout()
    for outsider in (make_admin(), make_lead(circle.program), make_user()):
        auth.login(outsider)
        assert client.post(
            f"/circles/{circle.id}/introduction", data={"text": "x"}
        ).status_code == (404)
        auth.logout()


# --- the demo --------------------------------------------------------------------------------


def test_the_demo_circle_has_introductions_comments_and_an_agenda(app, client, auth):
    from portal.models.circles import Circle

    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert "Demo data loaded" in result.output, result.output
    circle = db.session.scalar(db.select(Circle).where(Circle.theme == "Leading through change"))
    auth.login("mentee@example.org", "horizon-demo")
    page = client.get(f"/circles/{circle.id}").get_data(as_text=True)
    assert "I lead a product team of six" in page and "2 comments" in page
    prep = client.get(f"/circles/{circle.id}/prep").get_data(as_text=True)
    assert "Saying no to a new project" in prep and "carried over" in prep
    assert "Telling my team about the merger" not in prep  # covered at the last meeting
    assert "Only listened for ten minutes" in prep  # a check-in since the last meeting
    auth.logout()
    # The member who left reads the introductions of the people she met, not today's agenda.
    auth.login("circle6@example.org", "horizon-demo")
    page = client.get(f"/circles/{circle.id}").get_data(as_text=True)
    assert "I lead a product team of six" in page
    prep = client.get(f"/circles/{circle.id}/prep").get_data(as_text=True)
    assert "Saying no to a new project" not in prep
    auth.logout()
    auth.login("admin@example.org", "horizon-demo")
    assert client.get(f"/circles/{circle.id}/prep").status_code == 404
