"""Does the sharing model hold on random histories of relationships?

Hypothesis writes random histories for four people in two programmes: pairings approved
(some still in their undo window, opened later), ended, completed and re-paired; entries
and practices written, shared with a random audience among the author's sharable pairings,
unshared and re-shared; comments by whoever may comment. After every step, for every
person and every item:
- ``can_read_*`` and the ``visible_*`` queries agree;
- every reader of an item is its author, or a partner in one of the item's audience
  pairings that is readable (involves them, approved, open);
- a comment is read by its author; a reader's comment by the item's author while the item is
  still shared in the comment's pairing; the item author's own comments by every reader.
The plain rules below are written out in Python over every row, from the audience tables.
"""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from portal.extensions import db
from portal.models import Pairing, PairingStatus, Program, User, utcnow
from portal.models.journal import EntryComment, EntryStatus, JournalEntry, Visibility
from portal.models.practice import CheckIn, Practice, PracticeComment
from portal.services import access, journal, practice

PEOPLE = 4
PROGRAMMES = 2
READABLE = (PairingStatus.active, PairingStatus.completed, PairingStatus.ended)

person = st.integers(0, PEOPLE - 1)
pick = st.integers(0, 63)  # an index into whatever list the step needs, taken modulo its length
step = st.one_of(
    st.tuples(st.just("pair"), person, person, st.integers(0, PROGRAMMES - 1), st.booleans()),
    st.tuples(st.just("open"), pick),
    st.tuples(st.just("end"), pick, st.sampled_from(["ended", "completed"])),
    st.tuples(st.just("write"), person, st.booleans(), pick),
    st.tuples(st.just("practise"), person, st.booleans(), pick),
    st.tuples(st.just("share"), st.booleans(), pick, pick),
    st.tuples(st.just("unshare"), st.booleans(), pick),
    st.tuples(st.just("comment"), st.booleans(), pick, person),
)
histories = st.lists(step, min_size=1, max_size=14)


def _subset(options: list[int], seed: int) -> list[int]:
    """A non-empty subset of the options, chosen by the bits of seed."""
    chosen = [option for bit, option in enumerate(options) if seed >> (bit % 6) & 1]
    return chosen or options[seed % len(options) : seed % len(options) + 1]


class World:
    def __init__(self) -> None:
        self.programmes = [
            Program(
                name=f"P{n}",
                slug=f"p{n}",
                starts_on=date(2026, 1, 1),
                ends_on=date(2026, 12, 31),
            )
            for n in range(PROGRAMMES)
        ]
        self.people = [
            User(email=f"h{i}@x.test", name=f"H{i}", password_hash="x") for i in range(PEOPLE)
        ]
        db.session.add_all([*self.programmes, *self.people])
        db.session.commit()
        self.pairings: list[Pairing] = []
        self.entries: list[JournalEntry] = []
        self.practices: list[Practice] = []

    def sharable_ids(self, user: User) -> list[int]:
        return sorted(
            db.session.scalars(access.sharable_pairings(user).with_only_columns(Pairing.id))
        )

    def apply(self, action: tuple) -> None:
        kind, *args = action
        getattr(self, f"_{kind}")(*args)
        db.session.commit()

    def _pair(self, mentor: int, mentee: int, programme: int, opened: bool) -> None:
        if mentor == mentee:
            return
        program = self.programmes[programme]
        busy = any(
            p.program_id == program.id
            and p.mentee_id == self.people[mentee].id
            and p.status is PairingStatus.active
            for p in self.pairings
        )
        if busy:  # one active mentor per mentee in a programme (a database rule)
            return
        now = utcnow()
        pairing = Pairing(
            program=program,
            mentor=self.people[mentor],
            mentee=self.people[mentee],
            status=PairingStatus.active,
            approved_at=now,
            # Approved and told, or still inside its undo window.
            opens_at=now - timedelta(seconds=1) if opened else now + timedelta(hours=1),
        )
        db.session.add(pairing)
        self.pairings.append(pairing)

    def _open(self, k: int) -> None:
        if self.pairings:
            pairing = self.pairings[k % len(self.pairings)]
            if not pairing.is_open():
                pairing.opens_at = utcnow() - timedelta(seconds=1)

    def _end(self, k: int, how: str) -> None:
        if self.pairings:
            pairing = self.pairings[k % len(self.pairings)]
            if pairing.status is PairingStatus.active:
                pairing.status = PairingStatus(how)
                pairing.ended_at = utcnow()

    def _write(self, author: int, shared: bool, seed: int) -> None:
        user = self.people[author]
        entry = JournalEntry(
            author=user,
            title="t",
            body="b",
            visibility=Visibility.private,
            status=EntryStatus.published,
            published_at=utcnow(),
        )
        db.session.add(entry)
        db.session.flush()
        self.entries.append(entry)
        options = self.sharable_ids(user)
        if shared and options:
            journal.share_entry(entry, _subset(options, seed))

    def _practise(self, owner: int, shared: bool, seed: int) -> None:
        user = self.people[owner]
        item = Practice(
            owner=user,
            title="p",
            starts_on=date(2026, 1, 1),
            ends_on=date(2026, 1, 21),
            visibility=Visibility.private,
        )
        db.session.add(item)
        db.session.flush()
        db.session.add(CheckIn(practice_id=item.id, day=date(2026, 1, 2), note="n"))
        self.practices.append(item)
        options = self.sharable_ids(user)
        if shared and options:
            practice.share_practice(item, _subset(options, seed))

    def _item(self, is_entry: bool, k: int):
        items = self.entries if is_entry else self.practices
        return items[k % len(items)] if items else None

    def _share(self, is_entry: bool, k: int, seed: int) -> None:
        item = self._item(is_entry, k)
        if item is None:
            return
        owner = item.author if is_entry else item.owner
        options = self.sharable_ids(owner)
        if options:
            share = journal.share_entry if is_entry else practice.share_practice
            share(item, _subset(options, seed))

    def _unshare(self, is_entry: bool, k: int) -> None:
        item = self._item(is_entry, k)
        if item is not None:
            share = journal.share_entry if is_entry else practice.share_practice
            share(item, [])

    def _comment(self, is_entry: bool, k: int, who: int) -> None:
        item = self._item(is_entry, k)
        if item is None:
            return
        user = self.people[who]
        if is_entry and access.can_comment_on_entry(user, item):
            journal.add_comment(user, item, "c")
        elif not is_entry and access.can_comment_on_practice(user, item):
            practice.add_comment(item, user, "c")


def _audiences(table: str, key: str) -> dict[int, set[int]]:
    """Item id -> the pairing ids of its audience rows, read straight from the table."""
    rows = db.metadata.tables[table]
    found: dict[int, set[int]] = {}
    for item_id, pairing_id in db.session.execute(select(rows.c[key], rows.c.pairing_id)):
        found.setdefault(item_id, set()).add(pairing_id)
    return found


def _readable_pairings(user: User, pairings: list[Pairing]) -> set[int]:
    now = utcnow()
    return {
        p.id
        for p in pairings
        if p.involves(user)
        and p.status in READABLE
        and p.opens_at is not None
        and p.opens_at <= now
    }


def _ids(query) -> set[int]:
    return {row.id for row in db.session.scalars(query)}


def check(world: World) -> None:
    """Every rule, for every person and every item, against the plain rules."""
    db.session.expire_all()
    pairings = list(db.session.scalars(select(Pairing)))
    entries = list(db.session.scalars(select(JournalEntry)))
    practices = list(db.session.scalars(select(Practice)))
    check_ins = list(db.session.scalars(select(CheckIn)))
    entry_comments = list(db.session.scalars(select(EntryComment)))
    practice_comments = list(db.session.scalars(select(PracticeComment)))
    entry_audience = _audiences("entry_audiences", "entry_id")
    practice_audience = _audiences("practice_audiences", "practice_id")
    now = utcnow()
    for user in world.people:
        readable_pairings = _readable_pairings(user, pairings)
        assert _ids(access.readable_pairings(user)) == readable_pairings
        assert _ids(access.sharable_pairings(user)) == {
            p.id
            for p in pairings
            if p.involves(user) and p.status is PairingStatus.active and p.is_open(now)
        }

        def reads_entry(entry: JournalEntry, user=user, readable=readable_pairings) -> bool:
            if entry.author_id == user.id:
                return True
            shared = entry.visibility is Visibility.shared
            return shared and bool(entry_audience.get(entry.id, set()) & readable)

        def reads_practice(item: Practice, user=user, readable=readable_pairings) -> bool:
            if item.owner_id == user.id:
                return True
            shared = item.visibility is Visibility.shared
            return shared and bool(practice_audience.get(item.id, set()) & readable)

        readable_entries = {e.id for e in entries if reads_entry(e)}
        assert _ids(access.visible_entries(user)) == readable_entries, user.name
        for entry in entries:
            assert access.can_read_entry(user, entry) == (entry.id in readable_entries)
            if entry.id in readable_entries and entry.author_id != user.id:
                # The reader is the author's partner in a readable audience pairing.
                partners = {
                    p.id
                    for p in pairings
                    if p.id in entry_audience[entry.id]
                    and p.involves(user)
                    and p.involves(entry.author)
                    and p.id in readable_pairings
                }
                assert partners, (user.name, entry.id)

        readable_practices = {p.id for p in practices if reads_practice(p)}
        assert _ids(access.visible_practices(user)) == readable_practices, user.name
        for item in practices:
            assert access.can_read_practice(user, item) == (item.id in readable_practices)
        assert _ids(access.visible_check_ins(user)) == {
            c.id for c in check_ins if c.practice_id in readable_practices
        }

        def sees_comment(comment, item, owner_id, audience, readable_items, user=user) -> bool:
            if comment.author_id == user.id:
                return True
            if item.id not in readable_items:
                return False
            if comment.pairing_id is None:  # the item author's own: every current reader
                return comment.author_id == owner_id
            still_shared = item.visibility is Visibility.shared and comment.pairing_id in (
                audience.get(item.id, set())
            )
            return user.id == owner_id and still_shared

        by_entry = {e.id: e for e in entries}
        assert _ids(access.visible_comments(user)) == {
            c.id
            for c in entry_comments
            if sees_comment(
                c,
                by_entry[c.entry_id],
                by_entry[c.entry_id].author_id,
                entry_audience,
                readable_entries,
            )
        }, user.name
        by_practice = {p.id: p for p in practices}
        assert _ids(access.visible_practice_comments(user)) == {
            c.id
            for c in practice_comments
            if sees_comment(
                c,
                by_practice[c.practice_id],
                by_practice[c.practice_id].owner_id,
                practice_audience,
                readable_practices,
            )
        }, user.name


# The tables a history writes to, emptied after each example (children first). Emptying
# only these, not every table of the schema, keeps an example cheap on PostgreSQL.
TOUCHED = (
    "notifications",
    "entry_comments",
    "practice_comments",
    "entry_audiences",
    "practice_audiences",
    "practice_check_ins",
    "journal_entries",
    "practices",
    "pairings",
    "users",
    "programs",
)


def _empty_touched_tables() -> None:
    for name in TOUCHED:
        db.session.execute(delete(db.metadata.tables[name]))
    db.session.commit()


# Histories worth trying every run, besides the random ones.
# A reader comments in one pairing; the author then keeps the entry shared in another only.
MOVED_AWAY = [
    ("pair", 0, 1, 0, True),
    ("pair", 0, 2, 1, True),
    ("write", 0, True, 3),  # shared in both pairings
    ("comment", True, 0, 1),
    ("comment", True, 0, 0),
    ("practise", 0, True, 3),
    ("comment", False, 0, 2),
    ("share", True, 0, 2),  # now only in the pairing with person 2
    ("share", False, 0, 1),  # now only in the pairing with person 1
]
# Shared during the undo window (it cannot be), then opened, ended, re-paired.
UNDO_THEN_REPAIR = [
    ("pair", 0, 1, 0, False),
    ("write", 1, True, 1),
    ("open", 0),
    ("share", True, 0, 1),
    ("comment", True, 0, 0),
    ("end", 0, "completed"),
    ("pair", 2, 1, 0, True),
    ("write", 1, True, 1),
    ("comment", True, 0, 0),  # the former mentor may not comment any more
    ("comment", True, 1, 2),
    ("unshare", True, 0),
]


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(history=histories)
@example(history=MOVED_AWAY)
@example(history=UNDO_THEN_REPAIR)
def test_does_every_read_stay_inside_the_audience_on_random_histories(app, history):
    try:
        world = World()
        for action in history:
            world.apply(action)
            check(world)
    finally:
        db.session.rollback()
        _empty_touched_tables()
