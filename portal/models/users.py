"""People: accounts, passwords and their time zone."""

from __future__ import annotations

import contextlib
from datetime import datetime
from zoneinfo import ZoneInfo, available_timezones

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context
from flask_login import UserMixin
from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models._time import utcnow

# argon2id with RFC 9106's low-memory parameters. A test suite may choose argon2's
# CHEAPEST profile (PASSWORD_HASH_PROFILE = "cheapest") so that its logins stay fast.
_HASHERS = {
    "default": PasswordHasher.from_parameters(profiles.RFC_9106_LOW_MEMORY),
    "cheapest": PasswordHasher.from_parameters(profiles.CHEAPEST),
}
_dummy_hashes: dict[str, str] = {}


def password_hasher() -> PasswordHasher:
    """The argon2id hasher the current app is configured for."""
    profile = "default"
    if has_app_context():
        profile = current_app.config.get("PASSWORD_HASH_PROFILE", "default")
    return _HASHERS[profile]


def _dummy_hash() -> str:
    """Hashed once per profile, so a login for an unknown e-mail costs as much as a real one."""
    hasher = password_hasher()
    key = f"{hasher.time_cost}:{hasher.memory_cost}"
    if key not in _dummy_hashes:
        _dummy_hashes[key] = hasher.hash("horizon-timing-equaliser")
    return _dummy_hashes[key]


# Stored for an account whose owner has not chosen a password yet (an imported participant):
# no argon2 hash ever matches it, and checking it costs as much as checking a real one.
UNUSABLE_PASSWORD = "!invited"  # noqa: S105 (a marker, not a password)

TIME_ZONES = sorted(available_timezones() - {"localtime", "Factory"})


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    is_portal_admin: Mapped[bool] = mapped_column(default=False)
    # The company group that granted portal admin (None: granted by hand); see provisioning.
    admin_group: Mapped[str | None] = mapped_column(String(200))
    # Bumped on a password change, which signs out every other session of this user.
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    # Set when the account was erased: the row stays as "Former participant" (a tombstone),
    # because pairings and what partners wrote refer to it.
    erased_at: Mapped[datetime | None]
    # Company sign-in (docs/identity.md): a deactivated person (SCIM active=false or DELETE)
    # cannot sign in by any route, and no longer counts for matching.
    deactivated_at: Mapped[datetime | None]
    # Directory facts from the company's sign-in or SCIM (department, title, location).
    directory: Mapped[dict] = mapped_column(JSON, default=dict)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"

    @staticmethod
    def normalise_email(email: str) -> str:
        """E-mail addresses are compared case-insensitively, so they are stored lower-case."""
        return email.strip().lower()

    def set_password(self, password: str) -> None:
        """Hash with argon2 and sign out the user's other sessions."""
        self.password_hash = password_hasher().hash(password)
        self.session_version = (self.session_version or 0) + 1

    def check_password(self, password: str) -> bool:
        """True when the password matches; rehashes when argon2's parameters changed."""
        hasher = password_hasher()
        if self.password_hash.startswith("!"):
            self.spend_password_check_time(password)
            return False
        try:
            hasher.verify(self.password_hash, password)
        except (VerificationError, InvalidHashError):
            return False
        if hasher.check_needs_rehash(self.password_hash):
            self.password_hash = hasher.hash(password)
        return True

    @staticmethod
    def spend_password_check_time(password: str) -> None:
        """Verify against a dummy hash, so an unknown e-mail is not faster to reject."""
        with contextlib.suppress(VerificationError):
            password_hasher().verify(_dummy_hash(), password)

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def zone(self) -> ZoneInfo:
        """The user's time zone, falling back to UTC for a name the system lacks."""
        try:
            return ZoneInfo(self.timezone)
        except (KeyError, ValueError):
            return ZoneInfo("UTC")

    @property
    def first_name(self) -> str:
        return self.name.split()[0] if self.name.strip() else self.email
