"""Benchmark: how fast is the journal list for a person with 5,000 entries?

Run standalone from the repository root: ``python bench/journal_list.py``. It builds its
own temporary SQLite database through create_app and the real migrations, fills it, and
prints the time of the list page, its search, its htmx "load more" page and the export.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert  # noqa: E402
from support import migrated_app  # noqa: E402

from portal.extensions import db  # noqa: E402
from portal.models import User, utcnow  # noqa: E402
from portal.models.journal import EntryTag, JournalEntry  # noqa: E402
from portal.models.users import password_hasher  # noqa: E402

ENTRIES = 5_000
RUNS = 15
WORDS = [
    "listen",
    "feedback",
    "team",
    "release",
    "plan",
    "mentor",
    "goal",
    "habit",
    "practice",
    "noticed",
    "meeting",
    "confidence",
    "demo",
    "launch",
    "customer",
    "learn",
    "honest",
    "story",
    "reorg",
    "hiring",
]
TAGS = ["feedback", "leadership", "practice", "goals", "listening", "confidence"]
PROMPTS = ["share.achieve", "share.develop", "learn.apply", "work.noticed", None]


def fill(user_id: int) -> None:
    rng = random.Random(5000)
    now = utcnow()
    rows = []
    for i in range(ENTRIES):
        when = now - timedelta(hours=i * 3)
        rows.append(
            {
                "author_id": user_id,
                "title": " ".join(rng.choices(WORDS, k=5)).capitalize(),
                "body": " ".join(rng.choices(WORDS, k=120)),
                "visibility": rng.choice(["private", "shared"]),
                "status": "published" if i % 25 else "draft",
                "prompt_key": rng.choice(PROMPTS),
                "version": 1,
                "created_at": when,
                "updated_at": when,
                "published_at": when,
            }
        )
    db.session.execute(insert(JournalEntry), rows)
    ids = db.session.scalars(db.select(JournalEntry.id)).all()
    tags = [
        {"entry_id": entry_id, "name": name}
        for entry_id in ids
        for name in rng.sample(TAGS, k=rng.randint(0, 3))
    ]
    db.session.execute(insert(EntryTag), tags)
    db.session.commit()


def timed(client, url: str, headers: dict | None = None) -> tuple[float, float, int]:
    samples = []
    for _ in range(RUNS):
        start = time.perf_counter()
        response = client.get(url, headers=headers)
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(samples), max(samples), len(response.data)


def main() -> None:
    with migrated_app() as app, app.app_context():
        user = User(email="writer@example.org", name="Prolific Writer")
        user.password_hash = password_hasher().hash("bench-password")
        db.session.add(user)
        db.session.commit()
        started = time.perf_counter()
        fill(user.id)
        print(f"Filled {ENTRIES:,} entries in {time.perf_counter() - started:.1f} s")
        client = app.test_client()
        client.post("/auth/login", data={"email": user.email, "password": "bench-password"})
        hx_more = {"HX-Request": "true", "HX-Target": "journal-more"}
        hx_search = {"HX-Request": "true", "HX-Target": "journal-results"}
        cases = [
            ("list page /journal/", "/journal/", None),
            ("load more (page 50, htmx)", "/journal/?page=50", hx_more),
            ("search q=feedback (htmx)", "/journal/?q=feedback", hx_search),
            ("filter tag+prompt", "/journal/?tag=practice&prompt=share", None),
            ("export Markdown (all 5,000)", "/journal/export.md", None),
        ]
        print(f"{'case':34} {'median ms':>10} {'max ms':>8} {'bytes':>10}  ({RUNS} runs)")
        for label, url, headers in cases:
            median, worst, size = timed(client, url, headers)
            print(f"{label:34} {median:10.1f} {worst:8.1f} {size:10,}")
        db.engine.dispose()


if __name__ == "__main__":
    main()
