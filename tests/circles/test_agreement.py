"""The circle agreement: versions, signatures that start over, and who reads and writes it."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.models.circles import CircleAgreementSignature, CircleStatus
from portal.services.circles import agreement as agreements
from tests.conftest import hx_headers
from tests.factories import (
    leave_circle,
    make_admin,
    make_lead,
    make_user,
)


def _signatures() -> int:
    return db.session.scalar(select(func.count()).select_from(CircleAgreementSignature))


def test_opening_the_agreement_writes_nothing_and_shows_the_first_draft(
    client, auth, circle, people
):
    fran, mia, *_ = people
    auth.login(mia)
    page = client.get(f"/circles/{circle.id}/agreement")
    assert page.status_code == 200
    assert "What is said in the circle stays in the circle" in page.get_data(as_text=True)
    assert agreements._agreement(circle) is None
    fragment = client.get(f"/circles/{circle.id}/agreement", headers=hx_headers("circle-agreement"))
    assert fragment.status_code == 200


def test_everyone_signs_and_a_new_version_starts_the_signatures_over(client, auth, circle, people):
    for person in people:
        auth.login(person)
        assert (
            client.post(f"/circles/{circle.id}/agreement/sign", data={"version": "1"}).status_code
            == 303
        )
        auth.logout()
    state = agreements.state_for(people[0], circle)
    assert state.fully_signed and _signatures() == 4
    auth.login(people[1])
    page = client.get(f"/circles/{circle.id}").get_data(as_text=True)
    assert "Everyone has signed version 1" in page
    response = client.post(
        f"/circles/{circle.id}/agreement",
        data={"version": "1", "text": "We meet on Tuesdays.\n\nWhat is said here stays here."},
    )
    assert response.status_code == 303
    db.session.expire_all()
    state = agreements.state_for(people[2], circle)
    assert state.version == 2 and state.signed == [] and not state.fully_signed
    # Noor signed version 1: she sees what changed, word by word.
    assert any(s.op == "added" and "Tuesdays" in s.text for s in state.changes)
    auth.logout()
    auth.login(people[2])
    page = client.get(f"/circles/{circle.id}/agreement").get_data(as_text=True)
    assert "What changed since you signed" in page and "Sign version 2" in page


def test_a_stale_form_is_refused_and_keeps_the_text(client, auth, circle, people):
    fran, mia, noor, _ = people
    auth.login(fran)
    client.post(f"/circles/{circle.id}/agreement", data={"version": "1", "text": "Fran's text"})
    auth.logout()
    auth.login(mia)
    response = client.post(
        f"/circles/{circle.id}/agreement", data={"version": "1", "text": "Mia's own words"}
    )
    assert response.status_code == 409
    assert "Mia&#39;s own words" in response.get_data(as_text=True)
    signed = client.post(f"/circles/{circle.id}/agreement/sign", data={"version": "1"})
    assert signed.status_code == 409 and _signatures() == 0


@pytest.mark.parametrize(
    "form",
    [
        {"version": "1", "text": ""},
        {"version": "1", "text": "   \x00  "},
        {"version": "1", "text": "x" * 9000},
        {"version": "99999999999999999999", "text": "Fine"},
        {"version": "abc", "text": "Fine"},
        {"text": "Fine"},
    ],
)
def test_bad_input_is_refused_never_a_500(client, auth, circle, form):
    auth.login(circle.facilitator)
    response = client.post(f"/circles/{circle.id}/agreement", data=form)
    # A NUL byte is refused by the portal's input guard (400) before the view runs.
    assert response.status_code in (400, 409, 422)
    assert agreements._agreement(circle) is None or agreements._agreement(circle).version == 1
    bad_sign = client.post(f"/circles/{circle.id}/agreement/sign", data=form)
    assert bad_sign.status_code in (303, 400, 409)


def test_a_double_signature_writes_one_row(client, auth, circle, people):
    mia = people[1]
    auth.login(mia)
    for _ in range(2):
        assert (
            client.post(f"/circles/{circle.id}/agreement/sign", data={"version": "1"}).status_code
            == 303
        )
    assert _signatures() == 1
    version = agreements._agreement(circle).versions[0]
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.add(CircleAgreementSignature(version_id=version.id, user_id=mia.id))


def test_a_former_member_reads_it_but_neither_signs_nor_sees_names(client, auth, circle, people):
    fran, mia, noor, ola = people
    auth.login(mia)
    client.post(f"/circles/{circle.id}/agreement/sign", data={"version": "1"})
    auth.logout()
    leave_circle(circle, ola)
    auth.login(ola)
    page = client.get(f"/circles/{circle.id}/agreement").get_data(as_text=True)
    assert "1 of 3 people" in page and "Mia" not in page and "Sign version" not in page
    assert (
        client.post(f"/circles/{circle.id}/agreement/sign", data={"version": "1"}).status_code
        == 422
    )
    circle_page = client.get(f"/circles/{circle.id}").get_data(as_text=True)
    assert "Signed by" not in circle_page
    auth.logout()
    auth.login(noor)
    circle_page = client.get(f"/circles/{circle.id}").get_data(as_text=True)
    assert "Signed by Mia." in circle_page


def test_a_past_circle_is_read_only(client, auth, circle, people):
    circle.status = CircleStatus.completed
    db.session.commit()
    auth.login(people[1])
    assert "Sign version" not in client.get(f"/circles/{circle.id}/agreement").get_data(
        as_text=True
    )
    response = client.post(f"/circles/{circle.id}/agreement", data={"version": "1", "text": "New"})
    assert response.status_code == 422


def test_outsiders_admins_and_leads_get_404(client, auth, circle):
    for person in (make_user(), make_admin(), make_lead(circle.program)):
        auth.login(person)
        for response in (
            client.get(f"/circles/{circle.id}/agreement"),
            client.post(f"/circles/{circle.id}/agreement", data={"version": "1", "text": "x"}),
            client.post(f"/circles/{circle.id}/agreement/sign", data={"version": "1"}),
            client.get("/circles/99999999/agreement"),
        ):
            assert response.status_code == 404
        auth.logout()
    assert agreements._agreement(circle) is None
