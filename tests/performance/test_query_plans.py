"""Do the hottest participant queries start from an index, never from a whole table?

A seeded database (300 people, 30,000 journal entries, 3,000 practices, 30,000 check-ins)
is analysed, and each query behind a participant page is explained: on PostgreSQL with
``EXPLAIN (FORMAT JSON)``, where no node may be a sequential scan of ``journal_entries``,
``practices`` or ``practice_check_ins``; on SQLite with ``EXPLAIN QUERY PLAN``, where none
of those tables may be read by a full ``SCAN``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import date, timedelta

import pytest
from sqlalchemy import Select, func, insert, select, text, tuple_

from portal.extensions import db
from portal.models import Pairing, PairingStatus, Program, User, utcnow
from portal.models.journal import EntryComment, EntryStatus, JournalEntry, Visibility
from portal.models.practice import CheckIn, Practice
from portal.services import access
from portal.services.platform import search

BIG_TABLES = {"journal_entries", "practices", "practice_check_ins"}
PEOPLE, ENTRIES_EACH, PRACTICES_EACH, CHECK_INS_EACH = 300, 100, 10, 10


@pytest.fixture
def seeded(app) -> dict[str, User]:
    """A database big enough that a full scan would show, with a mentor and a mentee."""
    now = utcnow()
    # The users get ids 1..PEOPLE; the programme takes whatever id its sequence gives
    # (PostgreSQL sequences do not roll back with the test before).
    program = Program(name="P", slug="p", starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31))
    db.session.add(program)
    db.session.flush()
    db.session.execute(
        insert(User),
        [
            {"id": i, "email": f"u{i}@x.test", "name": f"U{i}", "password_hash": "x"}
            for i in range(1, PEOPLE + 1)
        ],
    )
    db.session.execute(
        insert(Pairing),
        [
            {
                "program_id": program.id,
                "mentor_id": i,
                "mentee_id": i + 1,
                "status": PairingStatus.active,
                "approved_at": now - timedelta(days=400),
                "opens_at": now - timedelta(days=400),
            }
            for i in range(1, PEOPLE, 2)
        ],
    )
    db.session.execute(
        insert(JournalEntry),
        [
            {
                "author_id": 1 + n % PEOPLE,
                "title": f"Entry {n} about feedback" if n % 7 == 0 else f"Entry {n}",
                "body": "listening and vision statements",
                "visibility": Visibility.shared if n % 2 else Visibility.private,
                "status": EntryStatus.published,
                "created_at": now - timedelta(minutes=n),
                "updated_at": now,
                "published_at": now - timedelta(minutes=n),
            }
            for n in range(PEOPLE * ENTRIES_EACH)
        ],
    )
    db.session.execute(
        insert(Practice),
        [
            {
                "owner_id": 1 + n % PEOPLE,
                "title": f"Practice {n}",
                "starts_on": date(2026, 1, 1),
                "ends_on": date(2026, 1, 21),
                "visibility": Visibility.shared if n % 3 else Visibility.private,
            }
            for n in range(PEOPLE * PRACTICES_EACH)
        ],
    )
    practice_ids = db.session.scalars(select(Practice.id)).all()
    db.session.execute(
        insert(CheckIn),
        [
            {"practice_id": pid, "day": date(2026, 1, 1) + timedelta(days=k), "note": ""}
            for pid in practice_ids
            for k in range(CHECK_INS_EACH)
        ],
    )
    # Every shared item is shared in its author's pairing (as the migration would give it).
    for table, key, owner, items in (
        ("entry_audiences", "entry_id", "author_id", "journal_entries"),
        ("practice_audiences", "practice_id", "owner_id", "practices"),
    ):
        db.session.execute(
            text(
                f"INSERT INTO {table} ({key}, pairing_id, created_at) "
                f"SELECT x.id, p.id, x.created_at FROM {items} x JOIN pairings p "
                f"ON (p.mentor_id = x.{owner} OR p.mentee_id = x.{owner}) "
                "WHERE x.visibility = 'shared'"
            )
        )
    db.session.commit()
    db.session.execute(text("ANALYZE"))
    db.session.commit()
    return {"mentor": db.session.get(User, 1), "mentee": db.session.get(User, 2)}


def _mentee_dashboard_check_ins(user: User) -> Select:
    return access.visible_check_ins(user).order_by(CheckIn.created_at.desc()).limit(5)


def _review_count(user: User) -> Select:
    query = access.review_queue(user).where(JournalEntry.reviewed_at.is_(None))
    return select(func.count()).select_from(query.subquery())


def _pairing_of(user: User) -> Pairing:
    return db.session.scalar(select(Pairing).where(Pairing.mentee_id == user.id))


def _prep_entries(user: User) -> Select:
    """The prep page: what was shared in this pairing lately, by the audience index."""
    return (
        access.shared_in_pairing(user, _pairing_of(user))
        .where(JournalEntry.created_at >= utcnow() - timedelta(days=30))
        .add_columns(func.count().over())
        .order_by(JournalEntry.created_at.desc(), JournalEntry.id.desc())
        .limit(20)
    )


HOT_QUERIES: dict[str, tuple[str, Callable[[User], Select]]] = {
    "own journal list": (
        "mentee",
        lambda u: access.own_entries(u).order_by(JournalEntry.created_at.desc()).limit(21),
    ),
    "own journal list, a later page (by key)": (
        "mentee",
        lambda u: (
            access.own_entries(u)
            .where(tuple_(JournalEntry.created_at, JournalEntry.id) < (utcnow(), 10**6))
            .order_by(JournalEntry.created_at.desc(), JournalEntry.id.desc())
            .limit(21)
        ),
    ),
    "prep page entries, with their count": ("mentee", _prep_entries),
    "journal entry page": (
        "mentee",
        lambda u: access.visible_entries(u).where(JournalEntry.id == 3),
    ),
    "journal search": ("mentee", lambda u: search.matching(access.own_entries(u), "feedback")[0]),
    "shared with me": (
        "mentee",
        lambda u: access.shared_with(u).order_by(JournalEntry.published_at.desc()).limit(100),
    ),
    "mentor stories": (
        "mentee",
        lambda u: access.mentor_stories(u).order_by(JournalEntry.published_at.desc()).limit(3),
    ),
    "review queue": (
        "mentor",
        lambda u: access.review_queue(u).order_by(JournalEntry.published_at.desc()).limit(6),
    ),
    "unreviewed count": ("mentor", _review_count),
    "practice list": ("mentee", lambda u: access.visible_practices(u)),
    "prep page practices": (
        "mentee",
        lambda u: access.practices_shared_in_pairing(u, _pairing_of(u)).order_by(Practice.id),
    ),
    "entry comments": (
        "mentee",
        lambda u: access.visible_comments(u).where(EntryComment.entry_id == 3),
    ),
    "dashboard check-ins": ("mentee", _mentee_dashboard_check_ins),
    "practice check-ins": (
        "mentee",
        lambda u: access.visible_check_ins(u).where(CheckIn.practice_id == 2),
    ),
}


def _sql(query: Select) -> str:
    return str(query.compile(dialect=db.engine.dialect, compile_kwargs={"literal_binds": True}))


def _postgresql_scans(plan: dict) -> Iterator[tuple[str, str]]:
    yield plan.get("Node Type", ""), plan.get("Relation Name", "")
    for child in plan.get("Plans", []):
        yield from _postgresql_scans(child)


def full_scans(query: Select) -> list[str]:
    """The big tables that the database would read from end to end for this query."""
    sql = _sql(query)
    if db.engine.dialect.name == "postgresql":
        raw = db.session.execute(text(f"EXPLAIN (FORMAT JSON) {sql}")).scalar_one()
        plan = (json.loads(raw) if isinstance(raw, str) else raw)[0]["Plan"]
        return [
            rel for node, rel in _postgresql_scans(plan) if node == "Seq Scan" and rel in BIG_TABLES
        ]
    rows = db.session.execute(text(f"EXPLAIN QUERY PLAN {sql}")).all()
    details = [row[-1] for row in rows]
    words = [detail.split(" ") for detail in details]
    return [w[1] for w in words if len(w) > 1 and w[0] == "SCAN" and w[1] in BIG_TABLES]


def test_do_participant_queries_avoid_reading_a_whole_table(seeded):
    """One seeded database, every hot query explained (seeding per query would be slow)."""
    scanned = {}
    for name, (role, build) in HOT_QUERIES.items():
        query = build(seeded[role])
        db.session.execute(query).all()  # it runs
        if tables := full_scans(query):
            scanned[name] = (tables, _sql(query))
    assert scanned == {}


def test_would_a_whole_table_read_be_caught(seeded):
    """The check has teeth: an unindexed filter is caught on both databases, and on
    PostgreSQL so is the former ``OR ... IN (subquery)`` visibility filter."""
    unindexed = select(JournalEntry).where(func.lower(JournalEntry.title) == "entry 7")
    assert full_scans(unindexed) == ["journal_entries"]
    user = seeded["mentee"]
    old = select(JournalEntry).where(
        (JournalEntry.author_id == user.id)
        | (
            (JournalEntry.visibility == Visibility.shared)
            & JournalEntry.author_id.in_(access.partner_ids(user))
        )
    )
    # SQLite answers an OR of indexed terms with one index lookup per term.
    expected = ["journal_entries"] if db.engine.dialect.name == "postgresql" else []
    assert full_scans(old) == expected
