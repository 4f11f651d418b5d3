"""Do the faster access queries show exactly what the simple rules allow, on random data?

Each rewritten helper in portal/services/access.py is compared with the rule written out
plainly in Python over every row, for every person, on small random worlds of people,
pairings (in every status), entries and practices. A faster query may never widen (nor
narrow) what anyone sees.
"""

from __future__ import annotations

from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.extensions import db
from portal.models import (
    Membership,
    MembershipStatus,
    Pairing,
    PairingStatus,
    Program,
    Role,
    User,
)
from portal.models.journal import EntryStatus, JournalEntry, Visibility
from portal.models.pairings import SHARING_STATUSES
from portal.models.practice import CheckIn, Practice
from portal.services import access
from tests.conftest import _empty_all_tables

PEOPLE = 5
people = st.integers(0, PEOPLE - 1)
pairings = st.lists(
    st.tuples(people, people, st.sampled_from(list(PairingStatus))).filter(lambda p: p[0] != p[1]),
    max_size=6,
)
entries = st.lists(
    st.tuples(people, st.sampled_from(list(Visibility)), st.sampled_from(list(EntryStatus))),
    max_size=14,
)
practices = st.lists(
    st.tuples(people, st.sampled_from(list(Visibility)), st.integers(0, 2)), max_size=8
)


def _build(pairing_rows, entry_rows, practice_rows):
    program = Program(name="P", slug="p", starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31))
    users = [User(email=f"u{i}@x.test", name=f"U{i}", password_hash="x") for i in range(PEOPLE)]
    db.session.add_all([program, *users])
    db.session.flush()
    actively_mentored = set()
    for mentor, mentee, status in pairing_rows:
        if status is PairingStatus.active and mentee in actively_mentored:
            continue  # one active mentor per mentee in a programme (a database rule)
        if status is PairingStatus.active:
            actively_mentored.add(mentee)
        db.session.add(
            Pairing(program=program, mentor=users[mentor], mentee=users[mentee], status=status)
        )
    for author, visibility, status in entry_rows:
        db.session.add(
            JournalEntry(
                author=users[author], title="t", body="b", visibility=visibility, status=status
            )
        )
    for owner, visibility, check_ins in practice_rows:
        practice = Practice(
            owner=users[owner],
            title="p",
            starts_on=date(2026, 1, 1),
            ends_on=date(2026, 1, 21),
            visibility=visibility,
        )
        practice.check_ins = [CheckIn(day=date(2026, 1, 1 + n)) for n in range(check_ins)]
        db.session.add(practice)
    db.session.commit()
    return users


def _partners(viewer: User) -> set[int]:
    """The plain rule: the other side of every active or completed pairing."""
    found = set()
    for pairing in db.session.query(Pairing):
        if pairing.status in SHARING_STATUSES and viewer.id in (
            pairing.mentor_id,
            pairing.mentee_id,
        ):
            found.add(pairing.mentee_id if pairing.mentor_id == viewer.id else pairing.mentor_id)
    return found


def _mentees(viewer: User) -> set[int]:
    return {
        p.mentee_id
        for p in db.session.query(Pairing)
        if p.mentor_id == viewer.id and p.status in SHARING_STATUSES
    }


def _ids(query) -> set[int]:
    return {row.id for row in db.session.scalars(query)}


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(pairing_rows=pairings, entry_rows=entries, practice_rows=practices)
def test_do_the_journal_and_practice_helpers_match_the_plain_rules(
    app, pairing_rows, entry_rows, practice_rows
):
    try:
        users = _build(pairing_rows, entry_rows, practice_rows)
        all_entries = db.session.query(JournalEntry).all()
        all_practices = db.session.query(Practice).all()
        all_check_ins = db.session.query(CheckIn).all()
        for viewer in users:
            partners = _partners(viewer)
            mentees = _mentees(viewer)
            mentors = {
                p.mentor_id
                for p in db.session.query(Pairing)
                if p.mentee_id == viewer.id and p.status in SHARING_STATUSES
            }
            shared = {e.id for e in all_entries if e.is_shared and e.author_id in partners}
            readable = {e.id for e in all_entries if e.author_id == viewer.id} | shared
            assert set(db.session.scalars(access.partner_ids(viewer))) == partners
            assert _ids(access.visible_entries(viewer)) == readable
            assert _ids(access.shared_with(viewer)) == shared
            assert _ids(access.review_queue(viewer)) == {
                e.id for e in all_entries if e.id in shared and e.author_id in mentees
            }
            assert _ids(access.mentor_stories(viewer)) == {
                e.id for e in all_entries if e.id in shared and e.author_id in mentors
            }
            practice_ids = {
                p.id
                for p in all_practices
                if p.owner_id == viewer.id or (p.is_shared and p.owner_id in partners)
            }
            assert _ids(access.visible_practices(viewer)) == practice_ids
            assert _ids(access.visible_check_ins(viewer)) == {
                c.id for c in all_check_ins if c.practice_id in practice_ids
            }
            for entry in all_entries:
                assert access.can_read_entry(viewer, entry) == (entry.id in readable)
            for other in users:
                assert access.is_partner(viewer, other.id) == (other.id in partners)
    finally:
        db.session.rollback()
        _empty_all_tables()


dashboard_entries = st.lists(
    st.tuples(
        people,
        st.sampled_from(list(Visibility)),
        st.sampled_from(list(EntryStatus)),
        st.booleans(),  # reviewed
        st.integers(0, 4),  # minutes ago: ties on purpose
    ),
    max_size=16,
)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(pairing_rows=pairings, entry_rows=dashboard_entries, practice_rows=practices)
def test_do_the_narrowed_dashboard_panels_match_the_plain_rules(
    app, pairing_rows, entry_rows, practice_rows
):
    """The dashboard narrows its queries with the partner ids of pairings it already
    loaded, and picks the newest rows before joining: the panels must still be exactly the
    newest rows that the plain rule allows, in order."""
    from datetime import timedelta

    from portal.models import utcnow
    from portal.services.dashboard import dashboard_for

    now = utcnow().replace(microsecond=0)

    def user_pairings(user):
        return [p for p in db.session.query(Pairing) if user.id in (p.mentor_id, p.mentee_id)]

    try:
        users = _build(pairing_rows, [], practice_rows)
        for author, visibility, status, reviewed, minutes in entry_rows:
            db.session.add(
                JournalEntry(
                    author=users[author],
                    title="t",
                    body="b",
                    visibility=visibility,
                    status=status,
                    published_at=now - timedelta(minutes=minutes),
                    reviewed_at=now if reviewed else None,
                )
            )
        program = db.session.query(Program).one()
        for user in users:  # a role in the programme, so the dashboard shows its panels
            roles = [
                Role.mentor if p.mentor_id == user.id else Role.mentee for p in user_pairings(user)
            ]
            if roles:
                db.session.add(
                    Membership(
                        user=user, program=program, role=roles[0], status=MembershipStatus.active
                    )
                )
        db.session.commit()
        all_entries = db.session.query(JournalEntry).all()
        all_check_ins = db.session.query(CheckIn).all()
        for viewer in users:
            partners, mentees = _partners(viewer), _mentees(viewer)
            mentors = {
                p.mentor_id
                for p in db.session.query(Pairing)
                if p.mentee_id == viewer.id and p.status in SHARING_STATUSES
            }
            shared = [e for e in all_entries if e.is_shared and e.author_id in partners]
            newest = sorted(shared, key=lambda e: (e.published_at, e.id), reverse=True)
            queue = sorted(
                (e for e in newest if e.author_id in mentees),
                key=lambda e: e.reviewed_at is not None,  # stable: newest first within each
            )
            stories = [e for e in newest if e.author_id in mentors]
            partner_check_ins = sorted(
                (
                    c
                    for c in all_check_ins
                    if c.practice.is_shared and c.practice.owner_id in partners
                ),
                key=lambda c: (c.created_at, c.id),
                reverse=True,
            )
            dashboard = dashboard_for(viewer)
            if "mentor" in dashboard.roles():
                assert [e.id for e in dashboard.review_queue] == [e.id for e in queue[:6]]
            if "mentee" in dashboard.roles():
                assert [e.id for e in dashboard.mentor_stories] == [e.id for e in stories[:3]]
            if dashboard.practice is not None:
                assert [c.id for c in dashboard.practice.partner_check_ins] == [
                    c.id for c in partner_check_ins[:5]
                ]
    finally:
        db.session.rollback()
        _empty_all_tables()
        db.session.commit()
