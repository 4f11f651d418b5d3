"""From a verified identity (OIDC ID token or SAML assertion) to a Horizon account.

One function decides: sign_in_identity(identity) -> User, or raises SsoRefused with words for the
person. JIT creation only for a verified e-mail in an allowed domain; linking only to the account
with that same verified address; every outcome audited. Races are settled by unique constraints
(users.email, identity_links(issuer, subject)), never by read-then-write.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from huey import crontab
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.models import Program, User, utcnow
from portal.models.identity import IdentityLink
from portal.models.leads import ProgramLead
from portal.models.users import TIME_ZONES
from portal.services.accounts.settings import SsoSettings
from portal.services.platform import audit
from portal.tasks import periodic_task

# No argon2 hash matches it: the account signs in only through the company.
UNUSABLE_SSO_PASSWORD = "!sso"  # noqa: S105 (a marker, not a password)


@dataclass(frozen=True)
class Identity:
    protocol: str  # "oidc" | "saml"
    issuer: str
    subject: str
    email: str
    email_verified: bool
    name: str = ""
    groups: tuple[str, ...] = ()
    # Whether the answer carried group information at all: only then can a missing group take
    # a role back (Entra, for one, leaves the claim out for people in very many groups).
    groups_sent: bool = False
    attributes: dict[str, str] = field(default_factory=dict)  # raw claims/attributes, strings only
    session_id: str | None = None  # OIDC sid / SAML SessionIndex


class SsoRefused(Exception):  # noqa: N818 (a domain outcome, shown to the person)
    """Sign-in refused; `reason` is a stable code, `message` the words shown to the person."""

    MESSAGES = {
        "unverified_email": (
            "Your company account's e-mail address is not verified, so Horizon cannot use it."
        ),
        "wrong_domain": "Horizon is not set up for e-mail addresses at {domain}.",
        "no_email": "Your company did not send an e-mail address, so Horizon cannot sign you in.",
        "deactivated": "Your Horizon account is switched off. Ask your programme team.",
        "expired": "The sign-in took too long or its answer has expired. Please try again.",
        "replayed": "That sign-in answer was already used. Please sign in again.",
        "invalid": "Your company's sign-in answer could not be checked. Please try again.",
        "cancelled": "The sign-in was cancelled.",
        "other_browser": (
            "This sign-in was started in another browser or window. Please sign in again here."
        ),
        "linked_elsewhere": (
            "That address belongs to an account already linked to another company login."
        ),
    }

    def __init__(self, reason: str, **fmt: str) -> None:
        self.reason = reason
        self.message = self.MESSAGES[reason].format(**fmt)
        super().__init__(reason)


def refuse(reason: str, identity: Identity | None = None, **fmt: str) -> SsoRefused:
    """Audit a refusal and return it to raise.

    Committed at once: the refusal itself is the decision.
    """
    audit.record(
        None,
        "sso.refused",
        f"Company sign-in refused: {reason}",
        reason=reason,
        protocol=identity.protocol if identity else None,
        issuer=identity.issuer if identity else None,
        email=identity.email if identity else None,
    )
    db.session.commit()
    return SsoRefused(reason, **fmt)


def sign_in_identity(identity: Identity, settings: SsoSettings) -> User:
    link = db.session.scalar(
        select(IdentityLink).where(
            IdentityLink.issuer == identity.issuer, IdentityLink.subject == identity.subject
        )
    )
    if link is not None:
        user = link.user
        action = "sso.signin"
    else:
        user, action = _link_or_create(identity, settings)
    if user.deactivated_at is not None:
        raise refuse("deactivated", identity)
    _apply_attributes(user, identity, settings)
    _apply_groups(user, identity, settings)
    now = utcnow()
    user.last_login_at = now
    if link is not None:
        link.last_used_at = now
    audit.record(
        user,
        action,
        f"Signed in with {identity.protocol.upper()}",
        issuer=identity.issuer,
        subject=identity.subject,
    )
    db.session.commit()
    return user


def _link_or_create(identity: Identity, settings: SsoSettings) -> tuple[User, str]:
    email = (identity.email or "").strip().lower()
    if not email:
        raise refuse("no_email", identity)
    domain = email.rpartition("@")[2]
    if domain not in settings.domains:
        raise refuse("wrong_domain", identity, domain=domain)
    if not identity.email_verified:
        raise refuse("unverified_email", identity)
    user = db.session.scalar(select(User).where(User.email == email))
    action = "sso.link"
    if user is None:
        user = User(
            email=email,
            name=(identity.name or email.partition("@")[0])[:120],
            password_hash=UNUSABLE_SSO_PASSWORD,
        )
        db.session.add(user)
        action = "sso.jit"
    try:
        with db.session.begin_nested():
            db.session.flush()  # the new user, if any: users.email is unique
            db.session.add(
                IdentityLink(
                    user_id=user.id,
                    protocol=identity.protocol,
                    issuer=identity.issuer,
                    subject=identity.subject,
                    email_at_link=email,
                )
            )
            db.session.flush()
    except IntegrityError:
        # Someone else created the user or the link at the same moment: start again from the rows.
        db.session.rollback()
        link = db.session.scalar(
            select(IdentityLink).where(
                IdentityLink.issuer == identity.issuer, IdentityLink.subject == identity.subject
            )
        )
        if link is not None:
            return link.user, "sso.signin"
        raise refuse("linked_elsewhere", identity) from None
    return user, action


def _apply_attributes(user: User, identity: Identity, settings: SsoSettings) -> None:
    """Copy the claims the admin mapped into the profile fields that matching reads."""
    directory = dict(user.directory or {})
    for field_name, claim in settings.attribute_map.items():
        value = identity.attributes.get(claim)
        if not isinstance(value, str) or not value.strip():
            continue
        if field_name == "timezone":
            if value.strip() in TIME_ZONES:
                user.timezone = value.strip()
        elif field_name in ("department", "title", "location"):
            directory[field_name] = value.strip()[:120]
    if directory != (user.directory or {}):
        user.directory = directory


def _apply_groups(user: User, identity: Identity, settings: SsoSettings) -> None:
    """A configured group grants its role, remembering the group; when the company's answer
    carries groups but no longer that one, the role it granted is taken back. A role granted
    by hand is never touched. Every grant and revocation is audited."""
    granted = {settings.role_groups[g]: g for g in identity.groups if g in settings.role_groups}
    if "admin" in granted and not user.is_portal_admin:
        user.is_portal_admin = True
        user.admin_group = granted["admin"]
        audit.record(
            user,
            "sso.role_grant",
            "Portal admin granted by company group",
            group=granted["admin"],
            role="admin",
        )
    elif "admin" not in granted and identity.groups_sent and user.admin_group:
        if user.is_portal_admin:
            user.is_portal_admin = False
            audit.record(
                user,
                "sso.role_revoke",
                "Portal admin taken back: no longer in the company group",
                group=user.admin_group,
                role="admin",
            )
        user.admin_group = None
    lead_slugs = {
        role.partition(":")[2]: group for role, group in granted.items() if role.startswith("lead:")
    }
    for slug, group in lead_slugs.items():
        _grant_lead(user, slug, group)
    if identity.groups_sent:
        _revoke_group_leads(user, keep=set(lead_slugs))


def _grant_lead(user: User, slug: str, group: str) -> None:
    """Make the person a lead of the programme with this slug, once; the unique constraint on
    program_leads(program_id, user_id) settles two sign-ins at the same moment."""
    program = db.session.scalar(select(Program).where(Program.slug == slug))
    if program is None:
        return
    exists = db.session.scalar(
        select(ProgramLead.id).where(
            ProgramLead.program_id == program.id, ProgramLead.user_id == user.id
        )
    )
    if exists:
        return
    try:
        with db.session.begin_nested():
            db.session.add(
                ProgramLead(program_id=program.id, user_id=user.id, granted_by_group=group)
            )
            db.session.flush()
    except IntegrityError:
        return  # granted by a parallel sign-in
    audit.record(
        user,
        "sso.role_grant",
        f"Programme lead of {program.name} granted by company group",
        program,
        group=group,
        role=f"lead:{slug}",
    )


def _revoke_group_leads(user: User, keep: set[str]) -> None:
    """Take back the lead roles a company group granted, except those still granted."""
    rows = db.session.execute(
        select(ProgramLead, Program)
        .join(Program, Program.id == ProgramLead.program_id)
        .where(ProgramLead.user_id == user.id, ProgramLead.granted_by_group.is_not(None))
    ).all()
    for lead, program in rows:
        if program.slug in keep:
            continue
        audit.record(
            user,
            "sso.role_revoke",
            f"Programme lead of {program.name} taken back: no longer in the company group",
            program,
            group=lead.granted_by_group,
            role=f"lead:{program.slug}",
        )
        db.session.delete(lead)


def audit_password_refusal(email: str, where: str) -> None:
    """Record that a password sign-in or reset was refused for a company address."""
    audit.record(
        None,
        "sso.password_refused",
        "Password refused: the company signs this address in",
        email=(email or "").strip().lower()[:254],
        where=where,
    )
    db.session.commit()


def password_refusal(email: str, settings: SsoSettings) -> str | None:
    """Domain enforcement for /auth/login, /auth/forgot and /auth/reset: the words to show, or None.

    Checked BEFORE authenticate() (and the same answer whether or not the account exists, so it
    reveals only the published fact that this company uses SSO). Break-glass admins keep their
    password."""
    address = (email or "").strip().lower()
    if not (settings.oidc_enabled or settings.saml_enabled):
        return None
    if address in settings.break_glass:
        return None
    if settings.domain_enforced(address):
        return f"Your company signs you in with {settings.label}."
    return None


def forget_expired_one_time_ids() -> int:
    """Delete remembered assertion ids and logout-token jtis that can no longer be replayed."""
    from portal.models.identity import SeenAssertion

    result = db.session.execute(delete(SeenAssertion).where(SeenAssertion.not_after < utcnow()))
    db.session.commit()
    return result.rowcount or 0


@periodic_task(crontab(minute="23"))
def clean_one_time_ids() -> int:
    """Hourly on the worker: forget one-time ids past their expiry."""
    return forget_expired_one_time_ids()
