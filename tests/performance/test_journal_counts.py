"""Do the maintained journal counts and tag lists always agree with a direct count?

The admin dashboard reads ``journal_daily_counts``, which database triggers keep in step
with ``journal_entries`` and ``entry_comments``. Random sequences of writes (publishing,
sharing, unsharing, reviewing, deleting, commenting, bulk deletes through a cascade) must
leave every day's counts equal to a direct ``GROUP BY`` over the rows.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from portal.extensions import db
from portal.models import User, utcnow
from portal.models.journal import (
    EntryComment,
    EntryStatus,
    JournalAuthorTag,
    JournalDailyCounts,
    JournalEntry,
    Visibility,
)
from portal.services.journal import _set_tags, journal_activity, own_tags
from tests.conftest import _empty_all_tables
from tests.factories import make_comment, make_entry, make_user

operations = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "write",
                "draft",
                "publish",
                "share",
                "unshare",
                "review",
                "delete",
                "comment",
                "uncomment",
            ]
        ),
        st.integers(0, 40),  # days ago
        st.integers(0, 50),  # which existing row
    ),
    max_size=25,
)


def _direct() -> Counter:
    counts: Counter = Counter()
    for entry in db.session.scalars(select(JournalEntry)):
        if entry.status is EntryStatus.published and entry.published_at is not None:
            day = entry.published_at.date()
            counts[(day, "entries")] += 1
            counts[(day, "shared")] += entry.visibility is Visibility.shared
            counts[(day, "reviewed")] += entry.reviewed_at is not None
    for comment in db.session.scalars(select(EntryComment)):
        counts[(comment.created_at.date(), "comments")] += 1
    return +counts


def _maintained() -> Counter:
    counts: Counter = Counter()
    for row in db.session.scalars(select(JournalDailyCounts)):
        for name in ("entries", "shared", "reviewed", "comments"):
            counts[(row.day, name)] += getattr(row, name)
    return +counts


def _apply(author: User, operation: str, days_ago: int, pick: int) -> None:
    when = utcnow() - timedelta(days=days_ago, minutes=pick)
    entries = db.session.scalars(select(JournalEntry).order_by(JournalEntry.id)).all()
    entry = entries[pick % len(entries)] if entries else None
    if operation == "write":
        make_entry(
            author=author, published_at=when, visibility=Visibility(["private", "shared"][pick % 2])
        )
    elif operation == "draft":
        make_entry(author=author, status=EntryStatus.draft, published_at=None)
    elif entry is None:
        return
    elif operation == "publish":
        entry.status, entry.published_at = EntryStatus.published, entry.published_at or when
    elif operation in {"share", "unshare"}:
        entry.visibility = Visibility.shared if operation == "share" else Visibility.private
    elif operation == "review":
        entry.reviewed_at = when
    elif operation == "delete":
        db.session.delete(entry)
    elif operation == "comment":
        make_comment(entry=entry, author=author, created_at=when)
    elif operation == "uncomment" and entry.comments:
        db.session.delete(entry.comments[0])
    db.session.commit()


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=operations)
def test_do_maintained_counts_equal_a_direct_count_after_any_writes(app, steps):
    try:
        author = make_user()
        for operation, days_ago, pick in steps:
            _apply(author, operation, days_ago, pick)
            assert _maintained() == _direct()
    finally:
        db.session.rollback()
        _empty_all_tables()


def test_does_deleting_a_person_keep_the_counts_right(app):
    """A cascade from users through entries to tags and comments fires the same triggers."""
    author, reader = make_user(), make_user()
    for days in range(3):
        entry = make_entry(
            author=author,
            visibility=Visibility.shared,
            published_at=utcnow() - timedelta(days=days),
            tags=["focus", f"day {days}"],
        )
        make_comment(entry=entry, author=reader)
    make_entry(author=reader, tags=["focus"])
    db.session.execute(delete(User).where(User.id == author.id))
    db.session.commit()
    db.session.expire_all()
    assert _maintained() == _direct()
    assert _maintained_tags() == _direct_tags() == Counter({(reader.id, "focus"): 1})
    assert sum(v for (_, name), v in _maintained().items() if name == "entries") == 1


def test_does_the_admin_activity_read_the_last_thirty_days_only(app):
    author = make_user()
    now = utcnow()
    make_entry(author=author, visibility=Visibility.shared, published_at=now, reviewed_at=now)
    make_entry(author=author, published_at=now - timedelta(days=29))
    make_entry(author=author, published_at=now - timedelta(days=31))
    make_entry(author=author, status=EntryStatus.draft, published_at=None)
    make_comment(
        entry=make_entry(author=author, published_at=now - timedelta(days=40)), author=author
    )
    activity = journal_activity()
    assert (activity.entries, activity.shared, activity.reviewed, activity.comments) == (2, 1, 1, 1)


def _direct_tags() -> Counter:
    counts: Counter = Counter()
    for entry in db.session.scalars(select(JournalEntry)):
        for tag in entry.tags:
            counts[(entry.author_id, tag.name)] += 1
    return +counts


def _maintained_tags() -> Counter:
    rows = db.session.scalars(select(JournalAuthorTag)).all()
    return +Counter({(row.author_id, row.name): row.entries for row in rows})


tag_operations = st.lists(
    st.tuples(
        st.sampled_from(["write", "retag", "delete", "delete author"]),
        st.integers(0, 2),  # which author
        st.lists(st.sampled_from(["focus", "career", "health"]), max_size=3, unique=True),
        st.integers(0, 50),  # which entry
    ),
    max_size=20,
)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=tag_operations)
def test_do_maintained_tag_counts_equal_a_direct_count_after_any_writes(app, steps):
    try:
        authors = [make_user().id for _ in range(3)]
        for operation, who, names, pick in steps:
            entries = db.session.scalars(select(JournalEntry).order_by(JournalEntry.id)).all()
            entry = entries[pick % len(entries)] if entries else None
            author = db.session.get(User, authors[who])
            if operation == "write" and author is not None:
                make_entry(author=author, tags=names)
            elif operation == "retag" and entry is not None:
                _set_tags(entry, names)
                db.session.commit()
            elif operation == "delete" and entry is not None:
                db.session.execute(delete(JournalEntry).where(JournalEntry.id == entry.id))
                db.session.commit()
            elif operation == "delete author" and entry is not None:
                db.session.execute(delete(User).where(User.id == entry.author_id))
                db.session.commit()
            db.session.expire_all()
            assert _maintained_tags() == _direct_tags()
    finally:
        db.session.rollback()
        _empty_all_tables()


def test_does_the_tag_menu_list_only_tags_in_use(client, auth):
    user = make_user()
    kept = make_entry(author=user, tags=["focus", "career"])
    dropped = make_entry(author=user, tags=["health"])
    make_entry(author=make_user(), tags=["someone else's"])
    db.session.delete(dropped)
    db.session.commit()
    assert own_tags(user) == ["career", "focus"]
    _set_tags(kept, ["focus"])
    db.session.commit()
    assert own_tags(user) == ["focus"]
