"""Profiles partners see, "Meet your partner", and the private calendar feed token."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from portal.extensions import db
from portal.models import Membership, Pairing, PairingStatus, User, utcnow
from portal.models.kickoff import PartnerProfile
from portal.models.users import TIME_ZONES
from portal.services import access
from portal.services.pairings import KickoffError

TEXT_LIMIT = 1500
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]+")


def profile_of(user: User) -> PartnerProfile:
    """The person's profile row, made (unsaved) when they have none yet."""
    return db.session.get(PartnerProfile, user.id) or PartnerProfile(
        user_id=user.id,
        bio="",
        hopes="",
        offers="",
        show_bio=True,
        show_hopes=True,
        show_offers=True,
    )


def save_profile(
    user: User, *, timezone: str, bio: str, hopes: str, offers: str, show: set[str]
) -> PartnerProfile:
    """Save what partners may see; the caller commits."""
    if timezone not in TIME_ZONES:
        raise KickoffError("Choose a time zone from the list.", "timezone")
    values = {"bio": bio, "hopes": hopes, "offers": offers}
    for name, text in values.items():
        if len((text or "").strip()) > TEXT_LIMIT:
            raise KickoffError(f"Keep this under {TEXT_LIMIT:,} characters.", name)
    profile = profile_of(user)
    for name, text in values.items():
        setattr(profile, name, (text or "").strip())
    profile.show_bio = "bio" in show
    profile.show_hopes = "hopes" in show
    profile.show_offers = "offers" in show
    profile.updated_at = utcnow()
    user.timezone = timezone
    db.session.add(profile)
    return profile


def renew_feed_token(user: User) -> str:
    """A new secret feed address; the old one stops working at once."""
    profile = profile_of(user)
    profile.feed_token = secrets.token_urlsafe(32)
    db.session.add(profile)
    return profile.feed_token


def revoke_feed_token(user: User) -> None:
    profile = profile_of(user)
    profile.feed_token = None
    db.session.add(profile)


def user_for_feed_token(token: str) -> User | None:
    """The owner of a live feed token; a wrong, empty or revoked token finds nobody."""
    # token_urlsafe's alphabet only: anything else (a NUL byte included) never reaches the database.
    if not token or len(token) > 64 or not TOKEN_SHAPE.fullmatch(token):
        return None
    profile = db.session.scalar(select(PartnerProfile).where(PartnerProfile.feed_token == token))
    if profile is None or not secrets.compare_digest(profile.feed_token or "", token):
        return None
    return db.session.get(User, profile.user_id)


def is_past(pairing: Pairing) -> bool:
    """An ended pairing: its kick-off pages are read-only and marked "Past pairing"."""
    return pairing.status == PairingStatus.ended


@dataclass
class PartnerCard:
    """What one partner may see of the other on "Meet your partner"."""

    pairing: Pairing
    partner: User
    role: str
    department: str | None
    email: str | None
    local_now: datetime
    bio: str
    hopes: str
    offers: str
    past: bool = False  # the pairing has ended: the name and role only


def partner_card(viewer: User, pairing: Pairing, now: datetime | None = None) -> PartnerCard:
    """The partner as the viewer may see them; the matcher's explanation is never part of it.

    After a pairing ends, the card shows only the partner's name and role: never their
    current profile, department, local time or e-mail (they may have rewritten it since,
    for other people).
    """
    partner = pairing.partner_of(viewer)
    now = (now or utcnow()).replace(tzinfo=ZoneInfo("UTC"))
    if is_past(pairing):
        return PartnerCard(
            pairing=pairing,
            partner=partner,
            role=pairing.role_of(partner),
            department=None,
            email=None,
            local_now=now,
            bio="",
            hopes="",
            offers="",
            past=True,
        )
    profile = profile_of(partner)
    membership = db.session.scalar(
        select(Membership).where(
            Membership.user_id == partner.id, Membership.program_id == pairing.program_id
        )
    )
    department = (membership.profile or {}).get("department") if membership else None
    return PartnerCard(
        pairing=pairing,
        partner=partner,
        role=pairing.role_of(partner),
        department=department if isinstance(department, str) else None,
        email=partner.email if access.can_see_partner_email(viewer, pairing) else None,
        local_now=now.astimezone(partner.zone),
        bio=profile.bio if profile.show_bio else "",
        hopes=profile.hopes if profile.show_hopes else "",
        offers=profile.offers if profile.show_offers else "",
    )
