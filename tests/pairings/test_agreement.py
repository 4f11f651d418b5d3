"""The mentoring agreement: the programme template, signing, re-signing, history and conflicts."""

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Membership, Role, utcnow
from portal.models.kickoff import Agreement, AgreementVersion
from portal.services.pairings import agreement as service
from tests.conftest import hx_headers
from tests.factories import make_admin, make_agreement, make_pairing, make_user


def _form(agreement, **changes):
    data = {
        **{
            k: agreement.sections.get(k, "")
            for k in ("seeking", "meeting", "sharing", "feedback", "ending")
        },
        "meeting_minutes": "60",
        "meeting_format": "video",
        "meeting_place": "https://meet.example.org/pair",
        "version": str(agreement.version),
    }
    data.update(changes)
    return data


def test_does_the_agreement_start_from_the_template_and_the_application(client, auth):
    mentee = make_user()
    pairing = make_pairing(mentee=mentee)
    membership = db.session.scalar(
        select(Membership).where(Membership.user_id == mentee.id, Membership.role == Role.mentee)
    )
    membership.profile = {"goals": ["leadership", "public_speaking"], "develop": ["negotiation"]}
    db.session.commit()
    admin = make_admin()
    auth.login(admin)
    response = client.post(
        f"/admin/programs/{pairing.program.slug}/agreement",
        data={
            "meeting": "We meet on Mondays.",
            "sharing": "TEMPLATE-SHARING",
            "feedback": "",
            "ending": "x",
        },
    )
    assert response.status_code == 303
    auth.logout()
    auth.login(mentee)
    page = client.get(f"/pairings/{pairing.id}/agreement").text
    assert "Grow in: leadership, public speaking." in page and "Develop: negotiation." in page
    assert "TEMPLATE-SHARING" in page and "Not signed yet" in page
    assert "meets monthly" in page or "monthly" in page


def test_do_both_partners_sign_and_does_a_change_ask_for_signatures_again(client, auth):
    pairing = make_pairing()
    agreement = make_agreement(pairing, seeking="Lead a team.")
    auth.login(pairing.mentee)
    client.post(f"/pairings/{pairing.id}/agreement/sign", data={"version": "1"})
    auth.logout()
    auth.login(pairing.mentor)
    response = client.post(
        f"/pairings/{pairing.id}/agreement/sign",
        data={"version": "1"},
        headers=hx_headers("agreement"),
    )
    assert response.status_code == 200 and "Signed by both of you" in response.text
    # The mentor changes the feedback section: a new version, unsigned, with the change shown.
    response = client.post(
        f"/pairings/{pairing.id}/agreement",
        data=_form(agreement, feedback="We ask before giving feedback.\nOnce a month we review."),
    )
    assert response.status_code == 303
    page = client.get(f"/pairings/{pairing.id}/agreement").text
    assert "changed after you both signed version 1" in page
    assert "Once a month we review." in page
    versions = db.session.scalars(select(AgreementVersion).order_by(AgreementVersion.version)).all()
    assert [v.version for v in versions] == [1, 2]
    assert versions[0].signed_at is not None and versions[1].signed_at is None
    # Both sign again; every signed version is kept, and the history says what changed.
    client.post(f"/pairings/{pairing.id}/agreement/sign", data={"version": "2"})
    auth.logout()
    auth.login(pairing.mentee)
    client.post(f"/pairings/{pairing.id}/agreement/sign", data={"version": "2"})
    page = client.get(f"/pairings/{pairing.id}/agreement").text
    assert "Version 2" in page and "Version 1" in page and "Once a month we review." in page
    db.session.expire_all()
    assert service.signed_on(db.session.scalar(select(Agreement))) is not None


def test_is_signing_a_text_that_changed_meanwhile_refused(client, auth):
    pairing = make_pairing()
    agreement = make_agreement(pairing, seeking="Lead a team.")
    auth.login(pairing.mentor)
    client.post(f"/pairings/{pairing.id}/agreement", data=_form(agreement, ending="Changed."))
    auth.logout()
    auth.login(pairing.mentee)
    response = client.post(f"/pairings/{pairing.id}/agreement/sign", data={"version": "1"})
    assert response.status_code == 409 and "changed since you opened it" in response.text
    assert all(v.mentee_signed_at is None for v in db.session.scalars(select(AgreementVersion)))


def test_does_the_second_writer_get_a_conflict_that_keeps_both_texts(client, auth):
    pairing = make_pairing()
    agreement = make_agreement(pairing, seeking="Lead a team.")
    opened = _form(agreement)
    auth.login(pairing.mentor)
    first = client.post(
        f"/pairings/{pairing.id}/agreement", data={**opened, "sharing": "MENTOR-WROTE-THIS"}
    )
    assert first.status_code == 303
    auth.logout()
    auth.login(pairing.mentee)
    second = client.post(
        f"/pairings/{pairing.id}/agreement",
        data={**opened, "sharing": "MENTEE-WROTE-THIS"},
        headers=hx_headers("agreement"),
    )
    assert second.status_code == 409
    assert "Nothing was overwritten" in second.text
    assert "MENTOR-WROTE-THIS" in second.text and "MENTEE-WROTE-THIS" in second.text
    db.session.expire_all()
    assert db.session.scalar(select(Agreement)).sections["sharing"] == "MENTOR-WROTE-THIS"
    # Saving again from the conflict form (it carries the new version) keeps the mentee's text.
    again = client.post(
        f"/pairings/{pairing.id}/agreement",
        data={**opened, "sharing": "MENTEE-WROTE-THIS", "version": "2"},
    )
    assert again.status_code == 303
    db.session.expire_all()
    assert db.session.scalar(select(Agreement)).sections["sharing"] == "MENTEE-WROTE-THIS"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"seeking": ""}, "Write what the mentee is seeking to achieve."),
        ({"meeting_minutes": "5"}, "between 15 and 240"),
        ({"meeting_minutes": "lots"}, "between 15 and 240"),
        ({"meeting_format": "carrier-pigeon"}, "Not a valid choice"),
        ({"feedback": "x" * 4001}, "under 4,000 characters"),
        ({"version": "not-a-number"}, "Nothing was overwritten"),
        ({"version": "99999999999999999999"}, "Nothing was overwritten"),
    ],
)
def test_is_bad_agreement_input_refused_with_the_text_kept(client, auth, changes, message):
    pairing = make_pairing()
    agreement = make_agreement(pairing, seeking="Lead a team.")
    auth.login(pairing.mentee)
    data = _form(agreement, sharing="KEEP-MY-TEXT", **changes)
    response = client.post(f"/pairings/{pairing.id}/agreement", data=data)
    assert response.status_code in (409, 422)
    assert message in response.text and "KEEP-MY-TEXT" in response.text
    db.session.expire_all()
    assert db.session.scalar(select(Agreement)).version == 1


def test_does_the_admin_see_signed_on_a_date_and_never_the_text(client, auth):
    pairing = make_pairing()
    agreement = make_agreement(pairing, seeking="ADMIN-MUST-NOT-SEE")
    version = agreement.versions[0]
    version.mentor_signed_at = version.mentee_signed_at = utcnow()
    db.session.commit()
    auth.login(make_admin())
    page = client.get(f"/admin/programs/{pairing.program.slug}/kickoff").text
    assert "signed on" in page and "ADMIN-MUST-NOT-SEE" not in page
    assert client.get(f"/pairings/{pairing.id}/agreement").status_code == 404


def test_is_the_partner_told_of_a_signature_and_of_a_change(client, auth):
    from portal.models import Notification

    pairing = make_pairing()
    agreement = make_agreement(pairing, seeking="Lead a team.")
    auth.login(pairing.mentee)
    client.post(f"/pairings/{pairing.id}/agreement/sign", data={"version": "1"})
    client.post(f"/pairings/{pairing.id}/agreement/sign", data={"version": "1"})
    client.post(f"/pairings/{pairing.id}/agreement", data=_form(agreement, ending="New."))
    told = db.session.scalars(
        select(Notification.kind).where(Notification.user_id == pairing.mentor_id)
    ).all()
    # Signing twice tells the partner once; a change tells them to sign again.
    assert sorted(told) == ["agreement-changed", "agreement-signed"]
    assert (
        db.session.scalars(
            select(Notification).where(Notification.user_id == pairing.mentee_id)
        ).all()
        == []
    )


def test_do_three_edits_in_a_row_make_one_notice_for_the_partner(client, auth):
    from portal.models import Notification

    pairing = make_pairing()
    agreement = make_agreement(pairing, seeking="Lead a team.")
    auth.login(pairing.mentee)
    for n, text in enumerate(("One.", "Two.", "Three."), start=1):
        db.session.refresh(agreement)
        response = client.post(
            f"/pairings/{pairing.id}/agreement", data=_form(agreement, ending=text)
        )
        assert response.status_code == 303, n
    notices = db.session.scalars(
        select(Notification.message).where(Notification.user_id == pairing.mentor_id)
    ).all()
    assert len(notices) == 1 and "(3 updates)" in notices[0]


def test_does_one_changed_word_show_as_one_word_changed(client, auth):
    pairing = make_pairing()
    agreement = make_agreement(
        pairing, seeking="Lead a team.", meeting="We meet every month on a Tuesday."
    )
    auth.login(pairing.mentee)
    client.post(f"/pairings/{pairing.id}/agreement/sign", data={"version": "1"})
    auth.logout()
    auth.login(pairing.mentor)
    client.post(f"/pairings/{pairing.id}/agreement/sign", data={"version": "1"})
    response = client.post(
        f"/pairings/{pairing.id}/agreement",
        data=_form(agreement, meeting="We meet every fortnight on a Tuesday."),
    )
    assert response.status_code == 303
    page = client.get(f"/pairings/{pairing.id}/agreement").text
    assert '<del><span class="visually-hidden">removed: </span>month</del>' in page
    assert '<ins><span class="visually-hidden">added: </span>fortnight</ins>' in page
    assert "We meet every <del>" in page  # the unchanged words stay, unmarked


@pytest.mark.parametrize(
    ("before", "after"),
    [("", "New text."), ("Old text.", ""), ("a\nb\nc", "a\nB\nc"), ("same", "same")],
)
def test_do_the_word_runs_rebuild_both_versions(before, after):
    segments = service.word_diff(before, after)
    assert "".join(s.text for s in segments if s.op != "added") == before
    assert "".join(s.text for s in segments if s.op != "removed") == after


def test_is_one_changed_word_one_removed_and_one_added_run():
    segments = service.word_diff(
        "We meet every month on a Tuesday.", "We meet every fortnight on a Tuesday."
    )
    assert [(s.op, s.text) for s in segments] == [
        ("same", "We meet every "),
        ("removed", "month"),
        ("added", "fortnight"),
        ("same", " on a Tuesday."),
    ]
