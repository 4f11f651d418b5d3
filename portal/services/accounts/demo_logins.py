"""The demo logins the sign-in page names while they exist (`flask seed-demo` creates them).

Only this list lives in the web app; the seeders themselves are in portal/demo/, which only
the CLI imports.
"""

from __future__ import annotations

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import User

# Every demo login, in the order the sign-in page lists them: (name, what they show).
DEMO_ACCOUNTS = {
    "admin@example.org": ("Priya Raman", "portal admin: runs every programme"),
    "lead@example.org": ("Noor Haddad", "co-lead: runs the next cohort only"),
    "mentor@example.org": ("Marcus Bell", "mentor"),
    "mentee@example.org": ("Lena Ortiz", "mentee"),
    "alumna@example.org": ("Sofia Lind", "the mentor's mentee last year"),
}


def demo_accounts_present() -> bool:
    """True while the demo logins exist, so the login page may mention them."""
    query = select(func.count(User.id)).where(User.email.in_(list(DEMO_ACCOUNTS)))
    return (db.session.scalar(query) or 0) == len(DEMO_ACCOUNTS)
