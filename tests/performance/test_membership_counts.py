"""Do the maintained membership counts always agree with a direct count?

The admin index, programmes list and dashboard read ``membership_counts``, which database
triggers keep in step with ``memberships``. Random sequences of writes (applying,
approving, declining, switching role or programme, withdrawing, deleting a person or a
whole programme through a cascade) must leave every count equal to a direct ``GROUP BY``.
"""

from __future__ import annotations

from collections import Counter
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, select

from portal.extensions import db
from portal.models import Membership, MembershipCount, MembershipStatus, Program, Role, User
from portal.services.dashboard import programs_health
from portal.services.programmes.queue import waiting_count
from tests.conftest import _empty_all_tables
from tests.factories import make_user

operations = st.lists(
    st.tuples(
        st.sampled_from(
            ["apply", "approve", "decline", "role", "move", "withdraw", "delete user", "drop"]
        ),
        st.integers(0, 30),  # which row
        st.integers(0, 2),  # which programme
    ),
    max_size=30,
)


def _direct() -> Counter:
    rows = db.session.execute(
        select(Membership.program_id, Membership.role, Membership.status, func.count()).group_by(
            Membership.program_id, Membership.role, Membership.status
        )
    )
    return Counter({(p, r.value, s.value): n for p, r, s, n in rows if n})


def _kept() -> Counter:
    rows = db.session.execute(select(MembershipCount))
    return Counter({(c.program_id, c.role, c.status): c.members for (c,) in rows if c.members})


def _programs() -> list[Program]:
    return list(db.session.scalars(select(Program).order_by(Program.id)))


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=operations)
def test_kept_counts_equal_a_direct_count_after_any_writes(app, steps):
    try:
        for n in range(3):
            db.session.add(
                Program(
                    name=f"P{n}",
                    slug=f"p{n}",
                    starts_on=date(2026, 1, 1),
                    ends_on=date(2026, 12, 31),
                )
            )
        db.session.commit()
        for op, which, where in steps:
            programs = _programs()
            rows = list(db.session.scalars(select(Membership).order_by(Membership.id)))
            row = rows[which % len(rows)] if rows else None
            if op == "apply" and programs:
                role = Role.mentor if which % 2 else Role.mentee
                db.session.add(
                    Membership(user=make_user(), program=programs[where % len(programs)], role=role)
                )
            elif row is None:
                continue
            elif op == "approve":
                row.status = MembershipStatus.active
            elif op == "decline":
                row.status = MembershipStatus.declined
            elif op == "role":
                row.role = Role.mentee if row.role is Role.mentor else Role.mentor
            elif op == "move" and programs:
                target = programs[where % len(programs)]
                taken = db.session.scalar(
                    select(Membership.id).where(
                        Membership.user_id == row.user_id, Membership.program_id == target.id
                    )
                )
                if taken is None:
                    row.program_id = target.id
            elif op == "withdraw":
                db.session.delete(row)
            elif op == "delete user":
                db.session.execute(delete(User).where(User.id == row.user_id))
            elif op == "drop" and programs:
                db.session.execute(
                    delete(Program).where(Program.id == programs[where % len(programs)].id)
                )
            db.session.commit()
            db.session.expire_all()
            assert _kept() == _direct(), op
        # What the admin pages read from the counts.
        admin = make_user(is_portal_admin=True)
        direct = _direct()
        for health in programs_health(admin):
            pid = health.program.id
            assert health.applications == sum(
                n for (p, _, s), n in direct.items() if p == pid and s == "applied"
            )
            assert health.mentors == direct[(pid, "mentor", "active")]
            assert health.mentees == direct[(pid, "mentee", "active")]
        assert waiting_count(admin) == sum(n for (_, _, s), n in direct.items() if s == "applied")
    finally:
        db.session.rollback()
        _empty_all_tables()
        db.session.commit()


def test_a_lead_counts_only_the_programmes_they_run(app):
    from portal.models.leads import ProgramLead

    programs = [
        Program(name=f"P{n}", slug=f"p{n}", starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31))
        for n in range(2)
    ]
    db.session.add_all(programs)
    db.session.flush()
    for _ in range(3):
        db.session.add(Membership(user=make_user(), program=programs[0], role=Role.mentee))
    for _ in range(5):
        db.session.add(Membership(user=make_user(), program=programs[1], role=Role.mentee))
    lead = make_user()
    db.session.add(ProgramLead(user_id=lead.id, program_id=programs[0].id))
    db.session.commit()
    assert waiting_count(lead) == 3
    assert waiting_count(make_user(is_portal_admin=True)) == 8
