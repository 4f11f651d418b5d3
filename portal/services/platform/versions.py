"""Optimistic saves: a row with a `version` column moves on one version per save.

The form carries the version it was opened at. A save claims the next version with one
conditional `UPDATE … SET version = version + 1 WHERE id = :id AND version = :seen`, so of two
saves from the same version exactly one wins, on SQLite as on PostgreSQL, and no read comes
between the check and the write. The journal, the pair agreement and the circle agreement save
through it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value

from portal.extensions import db


def claim_next_version(row: Any, expected: int | None) -> bool:
    """Move ``row`` to version ``expected + 1`` if it is still at ``expected``, atomically.

    False when someone saved since (or the form carried no version): the transaction is then
    rolled back, so nothing of this request is written, and the caller refuses the save."""
    model = type(row)
    claimed = db.session.execute(
        update(model)
        .where(model.id == row.id, model.version == expected)
        .values(version=model.version + 1)
        .execution_options(synchronize_session=False)
    )
    if expected is None or claimed.rowcount != 1:
        db.session.rollback()
        return False
    set_committed_value(row, "version", expected + 1)
    return True
