"""Meet your partner, the agreement, goals and meeting planning, under /pairings/<id>/."""

from __future__ import annotations

from flask_login import current_user, login_required

from portal.blueprints.pairings import bp
from portal.blueprints.pairings.common import (
    AGREEMENT_ID,
    done,
    pairing_or_404,
    small_int,
)
from portal.blueprints.pairings.forms import (
    AgreementForm,
    SignForm,
)
from portal.extensions import db
from portal.models import Pairing
from portal.models.kickoff import AGREEMENT_SECTIONS
from portal.rendering import render
from portal.services import access
from portal.services.pairings import KickoffError
from portal.services.pairings import agreement as agreement_service


def _agreement_form(agreement) -> AgreementForm:
    values = {**agreement.snapshot(), "version": agreement.version}
    return AgreementForm(formdata=None, data=values)


def _agreement_page(
    pairing: Pairing, status: int = 200, form=None, conflict=None, sign_conflict: bool = False
):
    agreement = agreement_service.agreement_or_draft(pairing)
    state = agreement_service.state_of(agreement)
    return render(
        "pairings/agreement.html",
        "pairings/_agreement.html",
        fragment_id=AGREEMENT_ID,
        status=status,
        pairing=pairing,
        state=state,
        history=agreement_service.history_changes(state),
        form=form or _agreement_form(agreement),
        sign_form=SignForm(formdata=None, version=state.current.version),
        conflict=conflict,
        sign_conflict=sign_conflict,
        titles=agreement_service.SECTION_TITLES,
        formats=agreement_service.FORMATS,
        can_write=access.can_work_in_pairing(current_user, pairing),
    )


@bp.get("/<int:pairing_id>/agreement")
@login_required
def agreement(pairing_id: int):
    return _agreement_page(pairing_or_404(pairing_id))


@bp.post("/<int:pairing_id>/agreement")
@login_required
def save_agreement(pairing_id: int):
    """Save the text; a save based on an older version is a conflict that keeps both texts."""
    pairing = pairing_or_404(pairing_id, write=True)
    form = AgreementForm()
    if not form.validate():
        return _agreement_page(pairing, 422, form)
    agreement = agreement_service.start_agreement(pairing)
    try:
        agreement_service.save_agreement(
            agreement, current_user, _terms(form), small_int(form.version.data)
        )
        db.session.commit()
    except KickoffError as error:
        db.session.rollback()
        form[error.field].errors.append(str(error))
        return _agreement_page(pairing, 422, form)
    except agreement_service.AgreementConflict as conflict:
        return _agreement_page(pairing, 409, form, conflict=conflict.agreement)
    page = lambda: _agreement_page(pairing)  # noqa: E731
    return done(
        "pairings.agreement", AGREEMENT_ID, page, "The agreement is saved.", pairing_id=pairing_id
    )


def _terms(form: AgreementForm) -> agreement_service.AgreementTerms:
    return agreement_service.AgreementTerms(
        sections={key: form[key].data or "" for key in AGREEMENT_SECTIONS},
        meeting_minutes=form.meeting_minutes.data,
        meeting_format=form.meeting_format.data,
        meeting_place=form.meeting_place.data or "",
    )


@bp.post("/<int:pairing_id>/agreement/sign")
@login_required
def sign_agreement(pairing_id: int):
    """Sign the text you read; if it changed meanwhile, read the new text first."""
    pairing = pairing_or_404(pairing_id, write=True)
    agreement = agreement_service.start_agreement(pairing)
    try:
        agreement_service.sign(agreement, current_user, small_int(SignForm().version.data))
    except agreement_service.AgreementConflict:
        db.session.rollback()
        return _agreement_page(pairing, 409, sign_conflict=True)
    db.session.commit()
    page = lambda: _agreement_page(pairing)  # noqa: E731
    return done(
        "pairings.agreement", AGREEMENT_ID, page, "You signed the agreement.", pairing_id=pairing_id
    )
