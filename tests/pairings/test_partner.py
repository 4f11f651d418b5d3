"""Meet your partner, the profile behind it, and the dashboard's first steps."""

from datetime import date

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Membership, PairingStatus, utcnow
from portal.models.kickoff import MeetingStatus, PartnerProfile
from portal.models.meetings import Meeting
from portal.services.pairings.steps import first_steps
from tests.factories import (
    make_agreement,
    make_goal,
    make_pairing,
    make_planned_meeting,
    make_user,
)


def _profile(client, **changes):
    data = {
        "timezone": "Asia/Tokyo",
        "bio": "BIO-TEXT",
        "hopes": "HOPES-TEXT",
        "offers": "OFFERS-TEXT",
        "show_bio": "y",
        "show_hopes": "y",
        "show_offers": "y",
        **changes,
    }
    return client.post("/profile/", data={k: v for k, v in data.items() if v is not None})


def test_does_the_partner_see_what_was_chosen_and_nothing_else(client, auth):
    pairing = make_pairing(mentor=make_user(name="Marcus Bell"))
    membership = db.session.scalar(
        select(Membership).where(Membership.user_id == pairing.mentor_id)
    )
    membership.profile = {"department": "Engineering"}
    pairing.explanation = {"top": ["MATCH-EXPLANATION-SECRET"]}
    db.session.commit()
    auth.login(pairing.mentor)
    assert _profile(client, show_hopes=None).status_code == 303
    assert pairing.mentor.timezone == "Asia/Tokyo"
    auth.logout()
    auth.login(pairing.mentee)
    page = client.get(f"/pairings/{pairing.id}/partner").text
    assert "Marcus Bell" in page and "Your mentor" in page and "Engineering" in page
    assert "Asia/Tokyo" in page and "there now" in page
    assert pairing.mentor.email in page
    assert "BIO-TEXT" in page and "OFFERS-TEXT" in page
    assert "HOPES-TEXT" not in page
    assert "MATCH-EXPLANATION-SECRET" not in page


@pytest.mark.parametrize("status", [PairingStatus.completed, PairingStatus.ended])
def test_is_the_email_shown_only_inside_an_active_pairing(client, auth, status):
    pairing = make_pairing()
    pairing.status = status
    db.session.commit()
    auth.login(pairing.mentee)
    page = client.get(f"/pairings/{pairing.id}/partner").text
    assert pairing.mentor.email not in page and "while your pairing is active" in page


def test_is_a_proposed_pairing_invisible_to_its_partners(client, auth):
    pairing = make_pairing(status=PairingStatus.proposed, approved_at=None)
    auth.login(pairing.mentee)
    assert client.get(f"/pairings/{pairing.id}/partner").status_code == 404


@pytest.mark.parametrize(
    ("changes", "field_message"),
    [
        ({"timezone": "Mars/Olympus"}, "Choose a time zone from the list."),
        ({"bio": "b" * 1501}, "under 1,500 characters"),
    ],
)
def test_is_bad_profile_input_refused_with_the_text_kept(client, auth, changes, field_message):
    user = make_user()
    auth.login(user)
    response = _profile(client, **changes)
    assert response.status_code == 422 and field_message in response.text
    assert "OFFERS-TEXT" in response.text
    assert db.session.get(PartnerProfile, user.id) is None and user.timezone == "UTC"


def test_are_the_first_steps_ticked_off_from_real_data(client, auth):
    pairing = make_pairing()
    mentee = pairing.mentee

    def ticks():
        return [s.done for s in first_steps(mentee, [pairing])[0].steps]

    assert ticks() == [False, False, False, False]
    agreement = make_agreement(pairing, seeking="Lead.")
    agreement.versions[0].mentor_signed_at = utcnow()
    db.session.commit()
    assert ticks()[0] is False  # one signature is not an agreement
    agreement.versions[0].mentee_signed_at = utcnow()
    make_goal(pairing)
    make_planned_meeting(pairing, status=MeetingStatus.proposed)
    db.session.commit()
    assert ticks() == [True, True, False, False]  # a proposal is not a plan yet
    make_planned_meeting(pairing, status=MeetingStatus.accepted)
    assert ticks() == [True, True, True, False]
    auth.login(mentee)
    assert "First steps with" in client.get("/dashboard/").text
    db.session.add(Meeting(pairing_id=pairing.id, held_on=date.today(), happened=True))
    db.session.commit()
    assert ticks() == [True, True, True, True]
    # Once every step is done, the panel leaves the dashboard.
    assert "First steps with" not in client.get("/dashboard/").text


def test_does_a_private_goal_never_tick_the_partners_list():
    from portal.models.journal import Visibility

    pairing = make_pairing()
    make_goal(pairing, visibility=Visibility.private)
    assert first_steps(pairing.mentor, [pairing])[0].steps[1].done is False
    assert first_steps(pairing.mentee, [pairing])[0].steps[1].done is True
