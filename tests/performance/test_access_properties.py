"""Do the faster access queries show exactly what the simple rules allow, on random data?

Each rewritten helper in portal/services/access.py is compared with the rule written out
plainly in Python over every row, for every person, on small random worlds of people,
pairings (in every status), entries and practices. A faster query may never widen (nor
narrow) what anyone sees.
"""

from __future__ import annotations

from datetime import date, timedelta

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
    utcnow,
)
from portal.models.journal import EntryAudience, EntryStatus, JournalEntry, Visibility
from portal.models.pairings import READABLE_STATUSES, SHARING_STATUSES
from portal.models.practice import CheckIn, Practice, PracticeAudience
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
    opened = utcnow() - timedelta(minutes=1)
    for n, (mentor, mentee, status) in enumerate(pairing_rows):
        if status is PairingStatus.active and mentee in actively_mentored:
            continue  # one active mentor per mentee in a programme (a database rule)
        if status is PairingStatus.active:
            actively_mentored.add(mentee)
        # Every third approved pairing is still in its undo window (opens later).
        opens = None if status is PairingStatus.proposed else opened
        if opens is not None and n % 3 == 2:
            opens = utcnow() + timedelta(minutes=5)
        db.session.add(
            Pairing(
                program=program,
                mentor=users[mentor],
                mentee=users[mentee],
                status=status,
                opens_at=opens,
            )
        )
    db.session.flush()
    all_pairings = db.session.query(Pairing).order_by(Pairing.id).all()

    def audience(owner: int, n: int) -> list[int]:
        """A varied subset of the owner's pairings (any status): where it was shared."""
        own = [p for p in all_pairings if users[owner].id in (p.mentor_id, p.mentee_id)]
        return [p.id for k, p in enumerate(own) if (n + k) % 2 == 0]

    for n, (author, visibility, status) in enumerate(entry_rows):
        entry = JournalEntry(
            author=users[author], title="t", body="b", visibility=visibility, status=status
        )
        db.session.add(entry)
        db.session.flush()
        if visibility is Visibility.shared:
            for pairing_id in audience(author, n):
                db.session.add(EntryAudience(entry_id=entry.id, pairing_id=pairing_id))
    for n, (owner, visibility, check_ins) in enumerate(practice_rows):
        practice = Practice(
            owner=users[owner],
            title="p",
            starts_on=date(2026, 1, 1),
            ends_on=date(2026, 1, 21),
            visibility=visibility,
        )
        practice.check_ins = [CheckIn(day=date(2026, 1, 1 + n)) for n in range(check_ins)]
        db.session.add(practice)
        db.session.flush()
        if visibility is Visibility.shared:
            for pairing_id in audience(owner, n + 1):
                db.session.add(PracticeAudience(practice_id=practice.id, pairing_id=pairing_id))
    db.session.commit()
    return users


def _readable(viewer: User, pairing: Pairing) -> bool:
    """The plain rule: the viewer's pairing, approved (not proposed), and open."""
    return (
        viewer.id in (pairing.mentor_id, pairing.mentee_id)
        and pairing.status in READABLE_STATUSES
        and pairing.opens_at is not None
        and pairing.opens_at <= utcnow()
    )


def _audience_pairings(item) -> list[Pairing]:
    model, key = (
        (EntryAudience, EntryAudience.entry_id)
        if isinstance(item, JournalEntry)
        else (PracticeAudience, PracticeAudience.practice_id)
    )
    ids = [row.pairing_id for row in db.session.query(model).filter(key == item.id)]
    return [db.session.get(Pairing, i) for i in ids]


def _reads_through(viewer: User, item, role: str | None = None, active: bool = False) -> bool:
    """A partner reads a shared item through an audience pairing they read in (as ``role``:
    "mentor" when the viewer is that pairing's mentor; ``active``: a running pairing only)."""
    owner = item.author_id if isinstance(item, JournalEntry) else item.owner_id
    if owner == viewer.id or not item.is_shared:
        return False
    for pairing in _audience_pairings(item):
        if not _readable(viewer, pairing) or owner not in (pairing.mentor_id, pairing.mentee_id):
            continue
        if active and pairing.status is not PairingStatus.active:
            continue
        if role is None or pairing.role_of(viewer) == role:
            return True
    return False


def _partners(viewer: User) -> set[int]:
    """The plain rule: the other side of every pairing the viewer reads in."""
    found = set()
    for pairing in db.session.query(Pairing):
        if _readable(viewer, pairing):
            found.add(pairing.mentee_id if pairing.mentor_id == viewer.id else pairing.mentor_id)
    return found


def _dashboard_partners(viewer: User, role: str) -> set[int]:
    """Partners in the open active or completed pairings the dashboard lists."""
    return {
        p.partner_of(viewer).id
        for p in db.session.query(Pairing)
        if _readable(viewer, p) and p.status in SHARING_STATUSES and p.role_of(viewer) == role
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
            shared = {e.id for e in all_entries if _reads_through(viewer, e)}
            readable = {e.id for e in all_entries if e.author_id == viewer.id} | shared
            assert set(db.session.scalars(access.partner_ids(viewer))) == partners
            assert _ids(access.visible_entries(viewer)) == readable
            assert _ids(access.shared_with(viewer)) == shared
            assert _ids(access.review_queue(viewer)) == {
                e.id for e in all_entries if _reads_through(viewer, e, "mentor", active=True)
            }
            assert _ids(access.mentor_stories(viewer)) == {
                e.id for e in all_entries if _reads_through(viewer, e, "mentee")
            }
            practice_ids = {
                p.id for p in all_practices if p.owner_id == viewer.id or _reads_through(viewer, p)
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
            mentees = _dashboard_partners(viewer, "mentor")
            mentors = _dashboard_partners(viewer, "mentee")
            newest = sorted(all_entries, key=lambda e: (e.published_at, e.id), reverse=True)
            queue = sorted(
                (
                    e
                    for e in newest
                    if e.author_id in mentees and _reads_through(viewer, e, "mentor", active=True)
                ),
                key=lambda e: e.reviewed_at is not None,  # stable: newest first within each
            )
            stories = [
                e for e in newest if e.author_id in mentors and _reads_through(viewer, e, "mentee")
            ]
            partner_check_ins = sorted(
                (
                    c
                    for c in all_check_ins
                    if c.practice.owner_id in mentees | mentors
                    and _reads_through(viewer, c.practice)
                ),
                key=lambda c: (c.created_at, c.id),
                reverse=True,
            )
            dashboard = dashboard_for(viewer)
            if "mentor" in dashboard.roles():
                assert [e.id for e in dashboard.journal.review_queue] == [e.id for e in queue[:6]]
            if "mentee" in dashboard.roles():
                assert [e.id for e in dashboard.journal.mentor_stories] == [
                    e.id for e in stories[:3]
                ]
            if dashboard.practice is not None:
                assert [c.id for c in dashboard.practice.partner_check_ins] == [
                    c.id for c in partner_check_ins[:5]
                ]
    finally:
        db.session.rollback()
        _empty_all_tables()
        db.session.commit()
