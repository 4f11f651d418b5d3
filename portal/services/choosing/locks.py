"""Row locks on memberships: the one way choosing serialises decisions about one person.

PostgreSQL: SELECT ... FOR UPDATE on the membership row; a second transaction waits for the
first to commit, then (READ COMMITTED) its next statement sees what the first wrote.
SQLite has no row locks and a SELECT does not take the write lock, so the lock there is a
write: a no-op UPDATE of the row (`SET id = id`, which fires no trigger: the count triggers
watch program_id, role and status only) takes the database's write lock before anything is
read, and every later read in the transaction sees the latest commit.

Lock order, always: the mentee's membership, then the mentor's. A mentee's requests and
an accept both take the mentee's lock first, so two mentors accepting the same mentee at
once queue on it instead of deadlocking on each other's request rows.
"""

from __future__ import annotations

from sqlalchemy import select, update

from portal.extensions import db
from portal.models import Membership, MembershipStatus, Role


def lock_membership(membership_id: int) -> None:
    """Hold the membership's row until the transaction ends (both databases)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(
            select(Membership.id).where(Membership.id == membership_id).with_for_update()
        )
    else:
        db.session.execute(
            update(Membership)
            .where(Membership.id == membership_id)
            .values(id=Membership.id)
            .execution_options(synchronize_session=False)
        )


def lock_pair(program_id: int, mentee_id: int, mentor_id: int) -> None:
    """Lock a mentee's and a mentor's memberships of a programme, in the one order.

    Every path that creates or activates a pairing takes these (a mentee's accepted request,
    a hand pair, an approval), so capacity and "one mentor per mentee" are counted afresh
    behind them. A person without that membership has nothing to lock.
    """
    for user_id, role in ((mentee_id, Role.mentee), (mentor_id, Role.mentor)):
        membership_id = db.session.scalar(
            select(Membership.id).where(
                Membership.program_id == program_id,
                Membership.user_id == user_id,
                Membership.role == role,
                Membership.status == MembershipStatus.active,
            )
        )
        if membership_id is not None:
            lock_membership(membership_id)
