"""Do notices name what they are about, and are repeated events grouped into one?"""

from sqlalchemy import select

from portal.extensions import db
from portal.models import Notification, utcnow
from portal.services.platform.notifications import notify
from tests.conftest import open_session
from tests.factories import make_pairing, make_practice


def _notices(user):
    return db.session.scalars(select(Notification).where(Notification.user_id == user.id)).all()


def test_are_repeated_check_ins_one_notice_naming_the_practice(client):
    pairing = make_pairing()
    practice = make_practice(owner=pairing.mentee, title="Practising active listening")
    open_session(client, pairing.mentee)
    for note in ("one", "two", "three"):
        response = client.post(f"/practice/{practice.id}/check-ins", data={"note": note})
        assert response.status_code in (200, 303)
    [notice] = _notices(pairing.mentor)
    assert "“Practising active listening”" in notice.message
    assert notice.repeats == 3 and notice.message.endswith("(3 updates)")


def test_does_a_read_notice_start_a_new_group():
    pairing = make_pairing()
    first = notify(
        pairing.mentor, "practice-check-in", "Lena checked in.", "/practice/1", group=True
    )
    db.session.commit()
    first.read_at = utcnow()
    db.session.commit()
    notify(pairing.mentor, "practice-check-in", "Lena checked in.", "/practice/1", group=True)
    notify(pairing.mentor, "practice-check-in", "Lena checked in.", "/practice/2", group=True)
    db.session.commit()
    assert sorted(n.repeats for n in _notices(pairing.mentor)) == [1, 1, 1]
