"""Domain models, one module per domain.

Every module in this package is imported here, so that SQLAlchemy and Alembic see all
tables and a new domain module needs no edit elsewhere.
"""

import importlib
import pkgutil

from portal.models._time import utcnow
from portal.models.notifications import Notification
from portal.models.pairings import Pairing, PairingStatus
from portal.models.programs import (
    Cadence,
    Membership,
    MembershipCount,
    MembershipStatus,
    Program,
    ProgramStatus,
    Role,
)
from portal.models.users import User

for _module in pkgutil.iter_modules(__path__):
    if not _module.name.startswith("_"):
        importlib.import_module(f"{__name__}.{_module.name}")

__all__ = [
    "Cadence",
    "Membership",
    "MembershipCount",
    "MembershipStatus",
    "Notification",
    "Pairing",
    "PairingStatus",
    "Program",
    "ProgramStatus",
    "Role",
    "User",
    "utcnow",
]
