"""Turn application answers into NumPy arrays, one row per mentee or mentor.

Profiles are the JSON a membership keeps (see docs/matching.md for the schema). Everything
the scorer needs becomes a dense array here, so that scoring is matrix algebra.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

STYLE_QUESTIONS = {
    "directness": ("direct", "gentle"),
    "structure": ("structured", "free-flowing"),
    "pace": ("fast", "reflective"),
}
FORMATS = ("in_person", "remote", "either")
# The offset of a time zone is read on one fixed day, so a cohort scores the same all year.
OFFSET_REFERENCE = datetime(2026, 1, 15, 12, 0)


@dataclass
class Person:
    """One participant as the matcher sees them: an id, a name and their answers."""

    user_id: int
    name: str
    profile: dict[str, Any]
    email: str = ""
    # Mentors only: places left after the pairings they already have.
    capacity: int = 1


@dataclass
class Side:
    """Feature arrays for one side of the cohort (mentees or mentors)."""

    people: list[Person]
    skills: np.ndarray  # (n, K) 0/1: goals and areas to develop, or strengths
    values: np.ndarray  # (n, V) 0/1
    style: np.ndarray  # (n, Q*2) one-hot answers
    seniority: np.ndarray  # (n,)
    offset: np.ndarray  # (n,) hours from UTC
    format: np.ndarray  # (n,) index into FORMATS
    location: np.ndarray  # (n,) location id
    department: np.ndarray  # (n,) department id
    capacity: np.ndarray  # (n,) places (mentors) or 1 (mentees)

    def __len__(self) -> int:
        return len(self.people)


@dataclass
class Cohort:
    """Both sides of a programme's cohort, plus the sparse relations between them."""

    mentees: Side
    mentors: Side
    # (mentee index, mentor index) pairs that a hard rule forbids, with the rule's name.
    forbidden: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    # (mentee index, mentor index, rank) of the mentees' own ranked picks.
    picks: tuple[np.ndarray, np.ndarray, np.ndarray] = field(
        default_factory=lambda: (np.empty(0, int), np.empty(0, int), np.empty(0, int))
    )


class Vocabulary(dict):
    """Assigns a stable small integer to every distinct label it is asked about."""

    def id(self, label: Any) -> int:
        key = str(label).strip().lower()
        return self.setdefault(key, len(self))


def utc_offset_hours(zone_name: str | None) -> float:
    try:
        zone = ZoneInfo(zone_name or "UTC")
    except (KeyError, ValueError):
        zone = ZoneInfo("UTC")
    offset = OFFSET_REFERENCE.replace(tzinfo=zone).utcoffset()
    return offset.total_seconds() / 3600 if offset else 0.0


def _as_list(value: Any) -> list:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [part for part in (p.strip() for p in value.split(",")) if part]
    if isinstance(value, int | float):
        return [value]
    return list(value)


def encode_side(people: Sequence[Person], role: str, vocab: dict[str, Vocabulary]) -> Side:
    n = len(people)
    skill_rows: list[list[int]] = []
    value_rows: list[list[int]] = []
    style = np.zeros((n, len(STYLE_QUESTIONS) * 2), dtype=np.float32)
    seniority = np.zeros(n, dtype=np.float32)
    offsets = np.zeros(n, dtype=np.float32)
    formats = np.full(n, FORMATS.index("either"), dtype=np.int8)
    location = np.zeros(n, dtype=np.int32)
    department = np.zeros(n, dtype=np.int32)
    capacity = np.ones(n, dtype=np.int32)
    offset_cache: dict[str, float] = {}
    for i, person in enumerate(people):
        p = person.profile or {}
        wanted = (
            _as_list(p.get("goals")) + _as_list(p.get("develop"))
            if role == "mentee"
            else _as_list(p.get("strengths"))
        )
        skill_rows.append(sorted({vocab["skill"].id(s) for s in wanted}))
        value_rows.append(sorted({vocab["value"].id(v) for v in _as_list(p.get("values"))}))
        answers = p.get("style") or {}
        for q, (question, options) in enumerate(STYLE_QUESTIONS.items()):
            if answers.get(question) in options:
                style[i, q * 2 + options.index(answers[question])] = 1.0
        seniority[i] = float(p.get("seniority") or 0)
        zone = p.get("timezone") or "UTC"
        if zone not in offset_cache:
            offset_cache[zone] = utc_offset_hours(zone)
        offsets[i] = offset_cache[zone]
        if p.get("format") in FORMATS:
            formats[i] = FORMATS.index(p["format"])
        location[i] = vocab["location"].id(p.get("location") or "")
        department[i] = vocab["department"].id(p.get("department") or "")
        capacity[i] = person.capacity if role == "mentor" else 1
    return Side(
        people=list(people),
        skills=_multi_hot(skill_rows),
        values=_multi_hot(value_rows),
        style=style,
        seniority=seniority,
        offset=offsets,
        format=formats,
        location=location,
        department=department,
        capacity=capacity,
    )


def _multi_hot(rows: list[list[int]]) -> np.ndarray:
    width = max((max(r) + 1 for r in rows if r), default=0)
    out = np.zeros((len(rows), width), dtype=np.float32)
    lengths = [len(r) for r in rows]
    if sum(lengths):
        # Typed per row: an empty row would otherwise make the whole index float.
        columns = np.concatenate([np.asarray(r, dtype=np.int64) for r in rows])
        out[np.repeat(np.arange(len(rows)), lengths), columns] = 1.0
    return out


def pad_columns(a: np.ndarray, width: int) -> np.ndarray:
    if a.shape[1] == width:
        return a
    return np.pad(a, ((0, 0), (0, width - a.shape[1])))


def build_cohort(
    mentees: Sequence[Person],
    mentors: Sequence[Person],
    excluded_pairs: Sequence[tuple[int, int]] = (),
) -> Cohort:
    """Encode both sides and the hard-rule relations (avoid lists, managers, self)."""
    vocab = {name: Vocabulary() for name in ("skill", "value", "location", "department")}
    e_side = encode_side(mentees, "mentee", vocab)
    m_side = encode_side(mentors, "mentor", vocab)
    for attr in ("skills", "values"):
        width = max(getattr(e_side, attr).shape[1], getattr(m_side, attr).shape[1])
        setattr(e_side, attr, pad_columns(getattr(e_side, attr), width))
        setattr(m_side, attr, pad_columns(getattr(m_side, attr), width))

    mentor_index = {p.user_id: j for j, p in enumerate(mentors)}
    mentee_index = {p.user_id: i for i, p in enumerate(mentees)}
    by_email = {p.email.lower(): p.user_id for p in [*mentees, *mentors] if p.email}

    def ids(values: Any) -> set[int]:
        found = set()
        for value in _as_list(values):
            if isinstance(value, int):
                found.add(value)
            elif str(value).strip().lower() in by_email:
                found.add(by_email[str(value).strip().lower()])
        return found

    rules: dict[str, list[tuple[int, int]]] = {"avoid": [], "manager": [], "self": [], "ended": []}
    for i, mentee in enumerate(mentees):
        for uid in ids(mentee.profile.get("avoid")):
            if uid in mentor_index:
                rules["avoid"].append((i, mentor_index[uid]))
        for uid in ids(mentee.profile.get("manager")):
            if uid in mentor_index:
                rules["manager"].append((i, mentor_index[uid]))
        if mentee.user_id in mentor_index:
            rules["self"].append((i, mentor_index[mentee.user_id]))
    for j, mentor in enumerate(mentors):
        for uid in ids(mentor.profile.get("avoid")):
            if uid in mentee_index:
                rules["avoid"].append((mentee_index[uid], j))
        for uid in ids(mentor.profile.get("manager")):
            if uid in mentee_index:
                rules["manager"].append((mentee_index[uid], j))
    for mentor_id, mentee_id in excluded_pairs:
        if mentor_id in mentor_index and mentee_id in mentee_index:
            rules["ended"].append((mentee_index[mentee_id], mentor_index[mentor_id]))

    forbidden = {}
    for rule, pairs in rules.items():
        arr = np.array(pairs, dtype=np.int64).reshape(-1, 2)
        forbidden[rule] = (arr[:, 0], arr[:, 1])

    pick_rows: list[tuple[int, int, int]] = []
    for i, mentee in enumerate(mentees):
        for rank, value in enumerate(_as_list(mentee.profile.get("picks"))[:3]):
            uid = next(iter(ids([value])), None)
            if uid in mentor_index:
                pick_rows.append((i, mentor_index[uid], rank))
    picks = np.array(pick_rows, dtype=np.int64).reshape(-1, 3)
    return Cohort(e_side, m_side, forbidden, (picks[:, 0], picks[:, 1], picks[:, 2]))
