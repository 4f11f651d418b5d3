"""Assigning programme leads: portal admins give a person the lead role for one programme."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.models import Program, User
from portal.models.leads import ProgramLead
from portal.services.platform import audit
from portal.services.platform.paging import clean_text
from portal.services.programmes.enrollment import EMAIL


class LeadError(ValueError):
    """The lead cannot be assigned; the message says why, for the e-mail field."""


def leads_of(program: Program) -> list[ProgramLead]:
    query = (
        select(ProgramLead)
        .join(User, User.id == ProgramLead.user_id)
        .options(joinedload(ProgramLead.user))
        .where(ProgramLead.program_id == program.id)
        .order_by(func.lower(User.name))
    )
    return list(db.session.scalars(query))


def assign(program: Program, email: str, actor: User) -> ProgramLead:
    """Make the person with this e-mail a lead of the programme."""
    email = clean_text(email, 254)
    if not EMAIL.match(email):
        raise LeadError("Write an e-mail address, like name@example.org.")
    user = db.session.scalar(select(User).where(User.email == User.normalise_email(email)))
    if user is None:
        raise LeadError("Nobody has an account with this e-mail address yet.")
    if user.is_portal_admin:
        raise LeadError(f"{user.name} is a portal admin and already runs every programme.")
    taken = select(ProgramLead.id).where(
        ProgramLead.program_id == program.id, ProgramLead.user_id == user.id
    )
    if db.session.scalar(taken) is not None:
        raise LeadError(f"{user.name} already leads this programme.")
    lead = ProgramLead(program_id=program.id, user_id=user.id, assigned_by_id=actor.id)
    db.session.add(lead)
    audit.record(actor, "program.lead_added", f"Made {user.name} a lead of {program.name}", program)
    db.session.commit()
    return lead


def remove(lead: ProgramLead, actor: User) -> None:
    program, name = lead.program, lead.user.name
    audit.record(actor, "program.lead_removed", f"{name} no longer leads {program.name}", program)
    db.session.delete(lead)
    db.session.commit()
