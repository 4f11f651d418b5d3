"""Does checking in work as a full page and as an htmx fragment, and refuse bad input?"""

from datetime import date, timedelta

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Notification
from portal.models.journal import Visibility
from portal.models.practice import CheckIn
from tests.conftest import hx_headers
from tests.factories import make_check_in, make_pairing, make_practice


def _count_check_ins(practice) -> int:
    query = select(func.count(CheckIn.id)).where(CheckIn.practice_id == practice.id)
    return db.session.scalar(query)


def test_a_plain_check_in_redirects_back_to_the_practice(client, auth):
    practice = make_practice()
    auth.login(practice.owner)
    response = client.post(f"/practice/{practice.id}/check-ins", data={"note": "I listened."})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/practice/{practice.id}")
    saved = db.session.scalars(select(CheckIn)).one()
    assert saved.note == "I listened." and saved.day == date.today()
    page = client.get(response.headers["Location"]).text
    assert "I listened." in page and "Checked in" in page


def test_an_htmx_check_in_answers_with_the_updated_progress_and_log(client, auth):
    practice = make_practice(per_week=3)
    make_check_in(practice, day=date.today() - timedelta(days=1), note="Yesterday's note")
    auth.login(practice.owner)
    response = client.post(
        f"/practice/{practice.id}/check-ins",
        data={"note": "Asked before advising."},
        headers=hx_headers("practice-activity"),
    )
    assert response.status_code == 200
    body = response.text
    assert body.lstrip().startswith('<div id="practice-activity"')
    assert "<html" not in body
    assert "Asked before advising." in body and "Yesterday&#39;s note" in body
    assert "<strong>2</strong> of 9 check-ins" in body
    assert "HX-Request" in response.headers["Vary"]


def test_practised_today_needs_no_note(client, auth):
    practice = make_practice()
    auth.login(practice.owner)
    response = client.post(
        f"/practice/{practice.id}/check-ins", data={}, headers=hx_headers("practice-activity")
    )
    assert response.status_code == 200
    assert "Practised, no note." in response.text
    assert _count_check_ins(practice) == 1


def test_catching_up_on_yesterday_keeps_the_chosen_day(client, auth):
    practice = make_practice()
    auth.login(practice.owner)
    yesterday = date.today() - timedelta(days=1)
    client.post(
        f"/practice/{practice.id}/check-ins",
        data={"note": "Caught up", "day": yesterday.isoformat()},
    )
    assert db.session.scalars(select(CheckIn)).one().day == yesterday


def test_a_future_day_is_refused_next_to_the_field_and_the_note_is_kept(client, auth):
    practice = make_practice()
    auth.login(practice.owner)
    tomorrow = date.today() + timedelta(days=1)
    response = client.post(
        f"/practice/{practice.id}/check-ins",
        data={"note": "Keep this text", "day": tomorrow.isoformat()},
        headers=hx_headers("practice-activity"),
    )
    assert response.status_code == 422
    assert "not the future" in response.text
    assert "Keep this text" in response.text
    assert _count_check_ins(practice) == 0


def test_a_day_before_the_start_is_refused_on_the_full_page_too(client, auth):
    practice = make_practice(starts_on=date.today() - timedelta(days=3))
    auth.login(practice.owner)
    response = client.post(
        f"/practice/{practice.id}/check-ins",
        data={"day": (date.today() - timedelta(days=10)).isoformat()},
    )
    assert response.status_code == 422
    assert "<html" in response.text and "before this practice started" in response.text
    assert _count_check_ins(practice) == 0


def test_an_overlong_note_is_refused_and_nothing_is_saved(client, auth):
    practice = make_practice()
    auth.login(practice.owner)
    response = client.post(
        f"/practice/{practice.id}/check-ins",
        data={"note": "x" * 2001},
        headers=hx_headers("practice-activity"),
    )
    assert response.status_code == 422
    assert "under 2,000 characters" in response.text
    assert _count_check_ins(practice) == 0


def test_a_planned_practice_offers_no_check_in_yet(client, auth):
    practice = make_practice(starts_on=date.today() + timedelta(days=3))
    auth.login(practice.owner)
    page = client.get(f"/practice/{practice.id}").text
    assert "You can check in from then on" in page
    response = client.post(f"/practice/{practice.id}/check-ins", data={"note": "early"})
    assert response.status_code == 422
    assert _count_check_ins(practice) == 0


def test_a_shared_check_in_tells_the_partner_without_the_note(client, auth):
    pairing = make_pairing()
    practice = make_practice(owner=pairing.mentee)
    auth.login(pairing.mentee)
    client.post(f"/practice/{practice.id}/check-ins", data={"note": "secret-ish detail"})
    notes = db.session.scalars(
        select(Notification).where(Notification.user_id == pairing.mentor_id)
    ).all()
    assert len(notes) == 1
    assert practice.title in notes[0].message
    assert "secret-ish detail" not in notes[0].message


def test_a_private_check_in_tells_nobody(client, auth):
    pairing = make_pairing()
    practice = make_practice(owner=pairing.mentee, visibility=Visibility.private)
    auth.login(pairing.mentee)
    client.post(f"/practice/{practice.id}/check-ins", data={"note": "just me"})
    assert db.session.scalar(select(func.count(Notification.id))) == 0
