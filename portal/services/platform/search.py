"""Full-text search of journal entries: PostgreSQL tsvector with GIN, SQLite FTS5.

``matching`` narrows a query that ``portal.services.access`` already filtered, so search
never widens what anyone sees. Each word of the search text matches as a prefix
("listen" finds "listening"), every word must occur, and results come best match first.
Text without any word (say "%" or "_") falls back to a literal substring match.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import ColumnElement, Select, column, func, literal_column, or_, table

from portal.extensions import db
from portal.models.journal import FTS_DOCUMENT, FTS_TABLE, JournalEntry

MAX_WORDS = 12
WORD = re.compile(r"[^\W_]+")


def words(text: str) -> list[str]:
    """The search words: letters and digits only, lower-case, at most ``MAX_WORDS``."""
    found: list[str] = []
    for word in WORD.findall(text.lower()):
        if word not in found:
            found.append(word)
    return found[:MAX_WORDS]


def escape_like(text: str) -> str:
    """Text for a LIKE pattern with ``\\`` as the escape character, matched literally."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def matching(query: Select[Any], text: str) -> tuple[Select[Any], ColumnElement[Any] | None]:
    """The query narrowed to entries matching the text, and an ORDER BY term for relevance."""
    terms = words(text)
    dialect = db.session.get_bind().dialect.name
    if terms and dialect == "postgresql":
        return _postgresql(query, terms)
    if terms and dialect == "sqlite":
        return _sqlite(query, terms)
    pattern = f"%{escape_like(text.lower())}%"
    substring = or_(
        func.lower(JournalEntry.title).like(pattern, escape="\\"),
        func.lower(JournalEntry.body).like(pattern, escape="\\"),
    )
    return query.where(substring), None


def _postgresql(query: Select[Any], terms: list[str]):
    # The stored tsvector column, indexed with GIN (migration 0009_performance).
    document = literal_column(FTS_DOCUMENT)
    wanted = func.to_tsquery(literal_column("'simple'"), " & ".join(f"{t}:*" for t in terms))
    narrowed = query.where(document.op("@@")(wanted))
    return narrowed, func.ts_rank(document, wanted).desc()


def _sqlite(query: Select[Any], terms: list[str]):
    fts = table(FTS_TABLE, column("rowid"), column("rank"))
    expression = " ".join(f'"{t}"*' for t in terms)
    narrowed = query.join(fts, fts.c.rowid == JournalEntry.id).where(
        literal_column(FTS_TABLE).op("MATCH")(expression)
    )
    # FTS5's rank is bm25: lower is better.
    return narrowed, fts.c.rank.asc()
