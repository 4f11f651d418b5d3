"""The demo logins the sign-in page names while they exist (`flask seed-demo` creates them).

Only this list lives in the web app; the seeders themselves are in portal/demo/, which only
the CLI imports.
"""

from __future__ import annotations

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import User

DEMO_ACCOUNTS = {
    "admin@example.org": ("Priya Raman", "Programme lead (admin)"),
    "mentor@example.org": ("Marcus Bell", "Mentor"),
    "mentee@example.org": ("Lena Ortiz", "Mentee"),
    "lead@example.org": ("Noor Haddad", "Co-lead of the Spring 2027 Cohort"),
}


def demo_accounts_present() -> bool:
    """True while the demo logins exist, so the login page may mention them."""
    query = select(func.count(User.id)).where(User.email.in_(list(DEMO_ACCOUNTS)))
    return (db.session.scalar(query) or 0) == len(DEMO_ACCOUNTS)
