"""The agreement: both partners opening it, or signing it first, at the same moment."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.extensions import db
from portal.models.kickoff import Agreement, AgreementVersion
from tests.concurrency.conftest import at_once
from tests.factories import make_pairing


def test_both_partners_opening_a_new_agreement_at_once_see_it_and_nothing_is_written(live):
    pairing = make_pairing()
    mentor, mentee = live.browser(pairing.mentor), live.browser(pairing.mentee)
    path = f"/pairings/{pairing.id}/agreement"

    answers = at_once(lambda: mentor.get(path), lambda: mentee.get(path))

    assert [a.status for a in answers] == [200, 200]
    assert all("What the mentee is seeking to achieve" in a.body for a in answers)
    assert db.session.scalar(select(func.count(Agreement.id))) == 0  # a GET never inserts


def test_both_partners_signing_a_new_agreement_at_once_share_one_agreement(live):
    pairing = make_pairing()
    mentor, mentee = live.browser(pairing.mentor), live.browser(pairing.mentee)
    path = f"/pairings/{pairing.id}/agreement/sign"

    answers = at_once(
        lambda: mentor.post(path, {"version": "1"}), lambda: mentee.post(path, {"version": "1"})
    )

    assert [a.status for a in answers] == [303, 303]
    assert db.session.scalar(select(func.count(Agreement.id))) == 1
    version = db.session.scalars(select(AgreementVersion)).one()
    assert version.mentor_signed_at is not None and version.mentee_signed_at is not None
