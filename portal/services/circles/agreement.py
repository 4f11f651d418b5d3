"""The circle agreement: one text, versioned like the pair agreement, signed by everyone in it.

The facilitator and the current members edit it while the circle is active and open; each
save is a new version, and signatures belong to a version, so a new text starts the
signatures over. Everyone now in the circle (facilitator and current members) signs the
current version; a signature is unique per person and version (the table's primary key).
The word diff is the pair agreement's (`services/pairings/agreement.word_diff`).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.models import User, utcnow
from portal.models.circles import (
    Circle,
    CircleAgreement,
    CircleAgreementSignature,
    CircleAgreementVersion,
)
from portal.services import access
from portal.services.circles.page import clean_text
from portal.services.pairings.agreement import Segment, word_diff
from portal.services.platform.links import path_for
from portal.services.platform.notifications import notify
from portal.services.platform.versions import claim_next_version

TEXT_LIMIT = 8000
DEFAULT_TEXT = (
    "We meet at the times we plan together, and say early when one of us cannot come.\n\n"
    "What is said in the circle stays in the circle: we share our own stories, not other "
    "people's.\n\n"
    "We listen first, ask before giving advice, and make room for everyone to speak.\n\n"
    "Anyone may leave the circle at any time, without blame and without giving a reason."
)


CONFLICT = (
    "Someone changed the agreement while you were reading it. Read the new text (your text "
    "is kept in the box), then save or sign again."
)


class AgreementError(ValueError):
    """The agreement cannot be saved or signed; the message says why."""


class AgreementConflict(Exception):
    """Someone saved the agreement since this form was opened; nothing was written."""


@dataclass
class CircleAgreementState:
    circle: Circle
    agreement: CircleAgreement | None
    version: int
    text: str
    signers: list[User]  # everyone now in the circle: the facilitator, then current members
    signed_ids: set[int]
    may_edit: bool
    names_visible: bool
    changes: list[Segment]  # what changed since the version this person last signed

    @property
    def signed(self) -> list[User]:
        return [u for u in self.signers if u.id in self.signed_ids]

    @property
    def unsigned(self) -> list[User]:
        return [u for u in self.signers if u.id not in self.signed_ids]

    @property
    def fully_signed(self) -> bool:
        return bool(self.signers) and not self.unsigned

    def has_signed(self, user: User) -> bool:
        return user.id in self.signed_ids

    def may_sign(self, user: User) -> bool:
        return self.may_edit and any(u.id == user.id for u in self.signers)


def _agreement(circle: Circle) -> CircleAgreement | None:
    return db.session.scalar(select(CircleAgreement).where(CircleAgreement.circle_id == circle.id))


def _signers(circle: Circle) -> list[User]:
    return [circle.facilitator] + [s.user for s in circle.stints if s.left_at is None]


def state_for(user: User, circle: Circle) -> CircleAgreementState:
    """The agreement as this person sees it; the caller has checked they read the circle."""
    agreement = _agreement(circle)
    signed_ids: set[int] = set()
    changes: list[Segment] = []
    if agreement is None:
        version, text = 1, DEFAULT_TEXT
    else:
        current = agreement.versions[0]
        version, text = current.version, current.text
        signed_ids = {s.user_id for s in current.signatures}
        mine = next(
            (v for v in agreement.versions if any(s.user_id == user.id for s in v.signatures)),
            None,
        )
        if mine is not None and mine is not current:
            changes = word_diff(mine.text, current.text)
    return CircleAgreementState(
        circle,
        agreement,
        version,
        text,
        _signers(circle),
        signed_ids,
        access.can_edit_circle_agreement(user, circle),
        access.can_see_circle_signatures(user, circle),
        changes,
    )


def agreement_page(user: User, circle_id: object) -> CircleAgreementState:
    return state_for(user, access.circle_or_404(user, circle_id))


def _start(circle: Circle) -> CircleAgreement:
    """The circle's agreement, made from the default text on its first save or signature.
    One per circle is a unique constraint: of two first saves at once, the second uses the
    first's row."""
    agreement = _agreement(circle)
    if agreement is not None:
        return agreement
    now = utcnow()
    draft = CircleAgreement(circle_id=circle.id, version=1, text=DEFAULT_TEXT, updated_at=now)
    draft.versions = [CircleAgreementVersion(version=1, text=DEFAULT_TEXT, saved_at=now)]
    try:
        with db.session.begin_nested():
            db.session.add(draft)
    except IntegrityError:
        return db.session.scalars(
            select(CircleAgreement).where(CircleAgreement.circle_id == circle.id)
        ).one()
    return draft


def _editable(user: User, circle_id: object) -> Circle:
    circle = access.circle_or_404(user, circle_id)
    if not access.can_edit_circle_agreement(user, circle):
        raise AgreementError("Only the facilitator and current members change or sign it.")
    return circle


def _tell_the_others(user: User, circle: Circle, message: str) -> None:
    link = path_for("circles.agreement", circle_id=circle.id)
    for person in _signers(circle):
        if person.id != user.id:
            notify(person, "circle-agreement", message, link, group=True)


def save(user: User, circle_id: object, text: str, expected_version: int | None) -> int:
    """Save a new text if nobody saved since `expected_version`; signatures start over.
    Returns the current version number."""
    circle = _editable(user, circle_id)
    text = clean_text(text)
    if not text:
        raise AgreementError("Write what the circle agrees on.")
    if len(text) > TEXT_LIMIT:
        raise AgreementError(f"Keep the agreement under {TEXT_LIMIT:,} characters.")
    agreement = _start(circle)
    if not claim_next_version(agreement, expected_version):
        raise AgreementConflict
    if text == agreement.versions[0].text:
        db.session.rollback()  # the same text: no new version, the signatures stay
        return expected_version
    agreement.text = text
    agreement.updated_by_id = user.id
    agreement.updated_at = utcnow()
    db.session.add(
        CircleAgreementVersion(
            agreement_id=agreement.id, version=agreement.version, text=text, saved_by_id=user.id
        )
    )
    _tell_the_others(
        user, circle, f"{user.name} changed your circle's agreement. Read it, then sign it."
    )
    db.session.commit()
    return agreement.version


def sign(user: User, circle_id: object, version_number: int | None) -> bool:
    """Sign exactly the text the person read (a newer one must be read first). Returns False
    when they had already signed it (a double submit writes one signature)."""
    circle = _editable(user, circle_id)
    agreement = _start(circle)
    db.session.flush()
    db.session.refresh(agreement, ["versions"])
    current = agreement.versions[0]
    if version_number != current.version:
        db.session.rollback()
        raise AgreementConflict
    try:
        with db.session.begin_nested():
            db.session.add(CircleAgreementSignature(version_id=current.id, user_id=user.id))
    except IntegrityError:
        db.session.rollback()
        return False
    db.session.refresh(current, ["signatures"])
    done = {s.user_id for s in current.signatures} >= {u.id for u in _signers(circle)}
    _tell_the_others(
        user,
        circle,
        f"{user.name} signed your circle's agreement" + (": everyone has signed." if done else "."),
    )
    db.session.commit()
    return True
