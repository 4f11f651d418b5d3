"""Practices follow the relationship they were shared in, with their check-ins and comments
(issue #17; docs/sharing.md)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from portal.extensions import db
from portal.models import PairingStatus, utcnow
from portal.models.practice import Practice, PracticeAudience, PracticeComment
from portal.services import access
from portal.services import practice as service
from portal.services.reminders.due import Run, weekly_digests
from tests.factories import (
    make_check_in,
    make_pairing,
    make_practice,
    make_practice_comment,
    make_user,
)


def _get(client, auth, user, url):
    auth.logout()
    auth.login(user)
    return client.get(url)


def test_the_finished_mentee_does_not_see_practices_shared_with_the_next(client, auth, app):
    mentor = make_user()
    last = make_pairing(mentor=mentor)
    old = make_practice(owner=mentor, title="OLD-practice-lynx")
    make_check_in(old, note="OLD-NOTE-lynx")
    last.status = PairingStatus.completed
    db.session.commit()
    this = make_pairing(mentor=mentor)
    new = make_practice(owner=mentor, title="NEW-practice-mole")
    make_check_in(new, note="NEW-NOTE-mole")

    assert [p.id for p in access.practice_audience(new)] == [this.id]
    assert _get(client, auth, last.mentee, f"/practice/{new.id}").status_code == 404
    assert "NEW-practice-mole" not in _get(client, auth, last.mentee, "/practice/").text
    assert "NEW-NOTE-mole" not in _get(client, auth, last.mentee, "/dashboard/").text
    # The new mentee does not see what was shared before them ...
    assert _get(client, auth, this.mentee, f"/practice/{old.id}").status_code == 404
    assert "NEW-NOTE-mole" in _get(client, auth, this.mentee, f"/practice/{new.id}").text
    # ... and the finished mentee keeps what was shared with her.
    assert "OLD-NOTE-lynx" in _get(client, auth, last.mentee, f"/practice/{old.id}").text


def test_sharing_an_old_practice_with_a_new_partner_is_explicit(client, auth, app):
    mentor = make_user()
    last = make_pairing(mentor=mentor)
    old = make_practice(owner=mentor, title="OLD-practice-vole")
    last.end("moved on")
    db.session.commit()
    this = make_pairing(mentor=mentor)
    assert access.can_read_practice(this.mentee, old) is False
    service.share_practice(old, [this.id])
    db.session.commit()
    assert access.can_read_practice(this.mentee, old) is True
    assert access.can_read_practice(last.mentee, old) is True  # the past row is kept
    # Making it private removes every audience row.
    auth.login(mentor)
    client.post(f"/practice/{old.id}/visibility", data={"visibility": "private"})
    assert db.session.scalars(select(PracticeAudience)).all() == []
    assert access.can_read_practice(last.mentee, old) is False


def test_after_the_pairing_ends_comments_and_check_in_comments_stop(client, auth, app):
    pairing = make_pairing()
    practice = make_practice(owner=pairing.mentee)
    check_in = make_check_in(practice, note="NOTE-kept-wren")
    pairing.end("moved teams")
    db.session.commit()
    page = _get(client, auth, pairing.mentor, f"/practice/{practice.id}").text
    assert "NOTE-kept-wren" in page
    response = client.post(
        f"/practice/{practice.id}/comments",
        data={"body": "late", "check_in_id": str(check_in.id)},
    )
    assert response.status_code in (403, 404, 422)
    assert db.session.scalars(select(PracticeComment)).all() == []
    assert access.can_comment_on_practice(pairing.mentor, practice) is False


def test_practice_comments_are_seen_within_their_pairing(app):
    mentor = make_user()
    one = make_pairing(mentor=mentor)
    two = make_pairing(mentor=mentor, program=one.program)
    practice = make_practice(owner=mentor)  # both pairings
    a = make_practice_comment(practice, one.mentee, body="ONE-says")
    b = make_practice_comment(practice, two.mentee, body="TWO-says")
    assert (a.pairing_id, b.pairing_id) == (one.id, two.id)
    make_practice_comment(practice, mentor, body="OWNER-replies")

    def bodies(user):
        query = access.visible_practice_comments(user).where(
            PracticeComment.practice_id == practice.id
        )
        return {c.body for c in db.session.scalars(query)}

    assert bodies(one.mentee) == {"ONE-says", "OWNER-replies"}
    assert bodies(two.mentee) == {"TWO-says", "OWNER-replies"}
    assert bodies(mentor) == {"ONE-says", "TWO-says", "OWNER-replies"}
    service.share_practice(practice, [two.id])
    db.session.commit()
    assert bodies(one.mentee) == {"ONE-says"}
    assert bodies(mentor) == {"TWO-says", "OWNER-replies"}


def test_a_comment_written_through_the_app_remembers_its_pairing(client, auth, app):
    pairing = make_pairing()
    practice = make_practice(owner=pairing.mentee)
    auth.login(pairing.mentor)
    client.post(f"/practice/{practice.id}/comments", data={"body": "Nice one"})
    comment = db.session.scalars(select(PracticeComment)).one()
    assert comment.pairing_id == pairing.id


def test_during_the_undo_window_a_practice_is_not_shared(app):
    pairing = make_pairing(opens_at=utcnow() + timedelta(minutes=5))
    practice = make_practice(owner=pairing.mentee, audience=[pairing])
    assert access.can_read_practice(pairing.mentor, practice) is False
    pairing.opens_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert access.can_read_practice(pairing.mentor, practice) is True


def test_the_digest_counts_only_check_ins_shared_in_that_pairing(app):
    owner = make_user()
    last = make_pairing(mentee=owner)
    old = make_practice(owner=owner, audience=[last])
    last.status = PairingStatus.completed
    db.session.commit()
    this = make_pairing(mentee=owner)
    new = make_practice(owner=owner)
    private = make_practice(owner=owner, visibility="private")
    for practice in (old, new, new, private):
        make_check_in(practice)
    today = date.today()
    monday = datetime.combine(today + timedelta(days=7 - today.weekday()), time(8, 0))
    messages = [m for m in weekly_digests(Run(monday), [this]) if m.recipient.id == this.mentor_id]
    assert [m.context["check_ins"] for m in messages] == [2]
    assert db.session.get(Practice, new.id) is not None
