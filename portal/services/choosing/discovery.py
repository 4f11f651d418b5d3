"""Browse the mentors with free places: filtered, scored by the cohort matcher, fairly rotated.

Three queries whatever the filters or the page (the mentee's own state, the programme's
listed mentors with their load, and nothing else; the caller loaded the programme, its
settings and the mentee's membership). Scoring, filtering and ordering happen in NumPy over
the programme's listed mentors (3,000 in the bench), and only the shown page is explained.

Order: score bands of BAND_POINTS, best band first. Within a band, mentors who already have
as many waiting requests as free places come after the others, then a rotation that is
stable for one mentee on one day and different for every mentee (a 64-bit mix of the mentee,
the mentor and the day), so the same few mentors are not shown first to everyone while a
78 is never listed below a 55. Page numbers are stable within the day for the same filters.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
from sqlalchemy import String, exists, func, literal, null, select, type_coerce, union_all

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
from portal.models.choosing import (
    ChoosingSettings,
    MentorAbsence,
    MentorRequest,
    MentorRequestStatus,
)
from portal.models.leads import ProgramLead
from portal.services.matching.cohort import (
    FORMATS,
    Cohort,
    Person,
    Side,
    Vocabulary,
    encode_side,
    pad_columns,
)
from portal.services.matching.explain import Factor, ranked_factors
from portal.services.matching.scoring import pair_factors, score_cohort, take_rows
from portal.services.matching.settings import MatchingSettings

BAND_POINTS = 10
PAGE_SIZE = 20
TEXT_MAX = 100
# The pairings that hold one of a mentor's places (a proposed one awaits approval).
HOLDING = (PairingStatus.active, PairingStatus.proposed)


@dataclass(frozen=True)
class Filters:
    """What the mentee narrowed the list to; every field optional, all plain text."""

    q: str = ""
    skill: str = ""
    department: str = ""
    location: str = ""
    format: str = ""  # one of FORMATS, or ""
    within_hours: int | None = None  # the mentor's working day at most this many hours apart

    @classmethod
    def clean(cls, raw: dict[str, Any]) -> Filters:
        """Bounded, NUL-free text; an unknown format or hour count is ignored, never an error."""

        def text_of(name: str) -> str:
            return str(raw.get(name) or "").replace("\x00", "").strip()[:TEXT_MAX]

        fmt = text_of("format")
        hours = text_of("within_hours")
        return cls(
            q=text_of("q"),
            skill=text_of("skill"),
            department=text_of("department"),
            location=text_of("location"),
            format=fmt if fmt in FORMATS else "",
            within_hours=int(hours) if hours.isdecimal() and int(hours) <= 12 else None,
        )

    @property
    def active(self) -> bool:
        return any((self.q, self.skill, self.department, self.location, self.format)) or (
            self.within_hours is not None
        )


@dataclass
class Suggestion:
    """One mentor as a mentee sees them in discovery: profile answers, never journal text."""

    user_id: int
    name: str
    department: str
    location: str
    timezone: str
    format: str
    strengths: list[str]
    help_with: str
    free_places: int
    score: float  # 0-100
    factors: list[Factor]
    # The mentee's own goals this mentor lists among their strengths (shown to the mentee).
    matched_skills: list[str]
    requested: bool = False


@dataclass
class Facets:
    skills: list[str] = field(default_factory=list)
    departments: list[str] = field(default_factory=list)
    locations: list[str] = field(default_factory=list)


@dataclass
class DiscoveryPage:
    suggestions: list[Suggestion]
    total: int  # mentors matching the filters
    listed: int  # mentors with a free place, before the filters
    page: int
    pages: int
    facets: Facets
    open_requests: int
    max_open_requests: int
    # Why the list is empty before any filter: "you already have a mentor", ...
    blocked: str | None = None

    @property
    def can_request(self) -> bool:
        return self.blocked is None and self.open_requests < self.max_open_requests


# --- the queries ---------------------------------------------------------------------------


def _listed_mentors(program: Program, mentee_id: int, today: date, compiled: bool = False) -> Any:
    """Active mentors who are not staff, not away, not the mentee: ids, names and load.

    No profile JSON: the encoded profiles come from the cache (see `_encoded_mentors`).
    Places taken and requests waiting are grouped once per programme, not per mentor.
    """
    taken = (
        select(Pairing.mentor_id, func.count().label("n"))
        .where(Pairing.program_id == program.id, Pairing.status.in_(HOLDING))
        .group_by(Pairing.mentor_id)
        .subquery()
    )
    waiting = (
        select(MentorRequest.mentor_id, func.count().label("n"))
        .where(
            MentorRequest.program_id == program.id,
            MentorRequest.status == MentorRequestStatus.open,
        )
        .group_by(MentorRequest.mentor_id)
        .subquery()
    )
    away = exists().where(
        MentorAbsence.membership_id == Membership.id,
        MentorAbsence.away_from <= today,
        MentorAbsence.away_until >= today,
    )
    lead = exists().where(
        ProgramLead.program_id == program.id, ProgramLead.user_id == Membership.user_id
    )
    # Admins are few: an anti-join on them, not a join of every mentor to users.
    admin = exists().where(User.id == Membership.user_id, User.is_portal_admin.is_(True))
    query = (
        select(
            Membership.user_id,
            func.coalesce(taken.c.n, 0).label("taken"),
            func.coalesce(waiting.c.n, 0).label("waiting"),
        )
        .outerjoin(taken, taken.c.mentor_id == Membership.user_id)
        .outerjoin(waiting, waiting.c.mentor_id == Membership.user_id)
        .where(
            Membership.program_id == program.id,
            Membership.role == Role.mentor,
            Membership.status == MembershipStatus.active,
            Membership.user_id != mentee_id,
            # Staff are never listed through their staff role (access.partner_refusal).
            ~admin,
            ~lead,
            ~away,
        )
    )
    return query if compiled else list(db.session.execute(query))


def _mentee_state(program: Program, mentee_id: int, compiled: bool = False) -> Any:
    """The mentee's pairings in the programme and their open requests, in one query."""
    pairings = select(
        literal("pairing").label("what"),
        Pairing.mentor_id,
        type_coerce(Pairing.status, String).label("status"),  # a plain str from both sides
        Pairing.opens_at,
    ).where(Pairing.program_id == program.id, Pairing.mentee_id == mentee_id)
    requests = select(
        literal("request").label("what"),
        MentorRequest.mentor_id,
        type_coerce(MentorRequest.status, String).label("status"),
        null().label("opens_at"),
    ).where(
        MentorRequest.program_id == program.id,
        MentorRequest.mentee_id == mentee_id,
        MentorRequest.status == MentorRequestStatus.open,
    )
    query = union_all(pairings, requests)
    return query if compiled else list(db.session.execute(query))


def _inverted_blocks(people: list[Person]) -> dict[str, set[int]]:
    found: dict[str, set[int]] = {}
    for i, p in enumerate(people):
        for value in _as_list(p.profile.get("avoid")) + _as_list(p.profile.get("manager")):
            found.setdefault(_fold(value), set()).add(i)
    return found


# --- the encoded mentor side, cached per (programme, listing version) ----------------------


@dataclass
class EncodedMentors:
    """Every active mentor of a programme, encoded once for the scorer and the filters.

    A cache entry, never a source of truth: its key carries the programme's listing_version,
    which a database trigger bumps on any change to a mentor's membership, so every app
    instance rebuilds its own copy after a change and none needs another's.
    """

    people: list[Person]
    side: Side
    vocab: dict[str, Vocabulary]
    index: dict[int, int]  # user id -> row
    # Folded id or e-mail -> rows of the mentors who listed it as avoid or manager, and
    # folded id or e-mail of a mentor -> their row (for the mentee's own lists).
    blocked_by: dict[str, set[int]]
    row_of_key: dict[str, int]
    haystacks: list[str]
    strengths: list[set[str]]
    departments: list[str]
    locations: list[str]
    formats: list[str]
    facets: Facets
    capacity: np.ndarray  # places per mentor (0-5), before the pairings they have


# Keyed by programme id, its creation time and its listing version: an id alone can come
# back (SQLite reuses the highest id after a delete; tests roll back), a creation time cannot.
_CACHE: OrderedDict[tuple[int, object, int], EncodedMentors] = OrderedDict()
CACHE_PROGRAMMES = 8


def _encoded_mentors(program: Program, version: int) -> EncodedMentors:
    """The programme's encoded mentors; one query and an encoding after a change, else none."""
    key = (program.id, program.created_at, version)
    if key in _CACHE:
        _CACHE.move_to_end(key)
        return _CACHE[key]
    rows = db.session.execute(
        select(Membership.user_id, Membership.profile, User.name, User.email)
        .join(User, User.id == Membership.user_id)
        .where(
            Membership.program_id == program.id,
            Membership.role == Role.mentor,
            Membership.status == MembershipStatus.active,
        )
        .order_by(Membership.user_id)
    ).all()
    people = [Person(r.user_id, r.name, r.profile or {}, r.email or "") for r in rows]
    vocab = {name: Vocabulary() for name in ("skill", "value", "location", "department")}
    side = encode_side(people, "mentor", vocab)
    strengths = [{_fold(s) for s in _as_list(p.profile.get("strengths"))} for p in people]
    encoded = EncodedMentors(
        people=people,
        side=side,
        vocab=vocab,
        index={p.user_id: i for i, p in enumerate(people)},
        blocked_by=_inverted_blocks(people),
        row_of_key={
            key: i for i, p in enumerate(people) for key in (str(p.user_id), _fold(p.email)) if key
        },
        haystacks=[
            " ".join(
                [
                    p.name,
                    *sorted(strengths[i]),
                    _fold(p.profile.get("help_with")),
                    _fold(p.profile.get("department")),
                ]
            ).casefold()
            for i, p in enumerate(people)
        ],
        strengths=strengths,
        departments=[_fold(p.profile.get("department")) for p in people],
        locations=[_fold(p.profile.get("location")) for p in people],
        formats=[str(p.profile.get("format") or "either") for p in people],
        facets=_facets(people),
        capacity=np.array([mentor_capacity_of(p.profile) for p in people], dtype=np.int64),
    )
    _CACHE[key] = encoded
    while len(_CACHE) > CACHE_PROGRAMMES:
        _CACHE.popitem(last=False)
    return encoded


def _cohort_for(
    mentee: Person,
    mentee_email: str,
    encoded: EncodedMentors,
    rows: np.ndarray,
    ended: set[int],
) -> Cohort:
    """A one-mentee cohort against the listed mentors, with build_cohort's hard rules."""
    vocab = {name: Vocabulary(v) for name, v in encoded.vocab.items()}  # unseen skills grow it
    me = encode_side([mentee], "mentee", vocab)
    mentors = take_rows(encoded.side, rows)
    for attr in ("skills", "values"):
        width = max(getattr(me, attr).shape[1], getattr(mentors, attr).shape[1])
        setattr(me, attr, pad_columns(getattr(me, attr), width))
        setattr(mentors, attr, pad_columns(getattr(mentors, attr), width))
    lists = _as_list(mentee.profile.get("avoid")) + _as_list(mentee.profile.get("manager"))
    rows_blocked = {encoded.row_of_key[k] for k in map(_fold, lists) if k in encoded.row_of_key}
    for key in (str(mentee.user_id), _fold(mentee_email)):
        rows_blocked |= encoded.blocked_by.get(key, set())
    rows_blocked |= {encoded.index[u] for u in ended if u in encoded.index}
    blocked = np.nonzero(np.isin(rows, np.fromiter(rows_blocked, np.int64)))[0]
    at = np.asarray(blocked, dtype=np.int64)
    return Cohort(me, mentors, {"blocked": (np.zeros(len(at), dtype=np.int64), at)})


# --- rotation, filters, explanation --------------------------------------------------------

_MASK = np.uint64(0xFFFFFFFFFFFFFFFF)


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: a good 64-bit hash, vectorised (wraps modulo 2**64)."""
    with np.errstate(over="ignore"):
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return (x ^ (x >> np.uint64(31))) & _MASK


def rotation(mentee_id: int, mentor_ids: np.ndarray, day: date) -> np.ndarray:
    """A per-(mentee, day) shuffle of the mentors: same key all day, another one tomorrow."""
    seed = _mix(np.array([(mentee_id << 20) ^ day.toordinal()], dtype=np.uint64))[0]
    with np.errstate(over="ignore"):
        return _mix(mentor_ids.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15) ^ seed)


def _fold(value: Any) -> str:
    return str(value or "").strip().casefold()


def _as_list(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [p.strip() for p in value.split(",") if p.strip()]
    if isinstance(value, list | tuple):
        return [str(v).strip() for v in value if str(v).strip()]
    return [str(value)]


def _keep(filters: Filters, encoded: EncodedMentors, rows: np.ndarray, mine: float) -> np.ndarray:
    """Which of the listed mentors (rows of `encoded`) pass the filters."""
    keep = np.ones(len(rows), dtype=bool)
    if filters.within_hours is not None:
        diff = np.abs(encoded.side.offset[rows] - mine)
        keep &= np.minimum(diff, 24.0 - diff) <= filters.within_hours
    if not (filters.q or filters.skill or filters.department or filters.location or filters.format):
        return keep
    q, skill = _fold(filters.q).split(), _fold(filters.skill)
    dept, loc, fmt = _fold(filters.department), _fold(filters.location), filters.format
    for k, j in enumerate(rows.tolist()):
        keep[k] = bool(
            keep[k]
            and (not skill or skill in encoded.strengths[j])
            and (not dept or encoded.departments[j] == dept)
            and (not loc or encoded.locations[j] == loc)
            and (not fmt or encoded.formats[j] in (fmt, "either"))
            and all(word in encoded.haystacks[j] for word in q)
        )
    return keep


def _facets(people: list[Person]) -> Facets:
    skills: dict[str, str] = {}
    depts: dict[str, str] = {}
    locs: dict[str, str] = {}
    for person in people:
        p = person.profile
        for s in _as_list(p.get("strengths")):
            skills.setdefault(s.casefold(), s)
        if p.get("department"):
            depts.setdefault(_fold(p["department"]), str(p["department"]).strip())
        if p.get("location"):
            locs.setdefault(_fold(p["location"]), str(p["location"]).strip())
    return Facets(
        sorted(skills.values(), key=str.casefold),
        sorted(depts.values(), key=str.casefold),
        sorted(locs.values(), key=str.casefold),
    )


# --- the page ------------------------------------------------------------------------------


def discover(
    program: Program,
    settings: ChoosingSettings,
    mentee: Membership,
    filters: Filters,
    page: int,
    today: date,
) -> DiscoveryPage:
    """The mentee's page of suggested mentors, with why each one is suggested."""
    state = _mentee_state(program, mentee.user_id)
    requested = {row.mentor_id for row in state if row.what == "request"}
    ended = {row.mentor_id for row in state if row.status == PairingStatus.ended}
    holding = [row for row in state if row.what == "pairing" and row.status in HOLDING]
    # Only a pairing the mentee was told about may be named; a proposal, or a pairing still in
    # its undo window, is invisible to them (DESIGN), so the page says "paused" instead.
    told = any(r.opens_at is not None and r.opens_at <= utcnow() for r in holding)
    result = DiscoveryPage([], 0, 0, 1, 1, Facets(), len(requested), settings.max_open_requests)
    if holding:
        result.blocked = (
            "You already have a mentor in this programme."
            if told
            else "Requests are paused in this programme for the moment."
        )
        return result

    encoded = _encoded_mentors(program, settings.listing_version)
    live = _listed_mentors(program, mentee.user_id, today)
    if live:
        user_ids, taken, waiting = (
            np.asarray(column, dtype=np.int64) for column in zip(*live, strict=True)
        )
    else:
        user_ids = taken = waiting = np.zeros(0, dtype=np.int64)
    where = np.fromiter((encoded.index.get(u, -1) for u in user_ids.tolist()), np.int64)
    free = np.where(where >= 0, encoded.capacity[where] - taken, 0)
    ok = free > 0  # a mentor at capacity is not shown
    order_rows = np.argsort(where[ok], kind="stable")  # a fixed order, whatever the plan
    rows_a, free_a, waiting_a = (
        where[ok][order_rows],
        free[ok][order_rows],
        waiting[ok][order_rows],
    )

    me = Person(mentee.user_id, "", mentee.profile or {})
    cohort = _cohort_for(me, mentee.user.email, encoded, rows_a, ended)
    weights = MatchingSettings.from_json(program.matching).effective_weights()
    matrix = score_cohort(cohort, weights)
    # Hard rules (avoid lists, managers, an ended pairing) and no shared working hours: hidden.
    shown = matrix.eligible[0].copy()
    result.listed = int(shown.sum())
    result.facets = encoded.facets
    shown &= _keep(filters, encoded, rows_a, float(cohort.mentees.offset[0]))

    index = np.nonzero(shown)[0]
    scores = matrix.score[0, index].astype(np.float64) * 100
    ids = np.array([encoded.people[j].user_id for j in rows_a[index].tolist()], dtype=np.int64)
    band = np.floor(scores / BAND_POINTS)
    crowded = waiting_a[index] >= free_a[index]
    order = np.lexsort((rotation(mentee.user_id, ids, today), crowded, -band))  # last key first
    result.total = len(index)
    result.pages = max(1, -(-result.total // PAGE_SIZE))
    result.page = max(1, min(page, result.pages))
    chosen = index[order[(result.page - 1) * PAGE_SIZE : result.page * PAGE_SIZE]]

    contributions = pair_factors(cohort, np.zeros(len(chosen), dtype=np.int64), chosen, weights)
    wanted = {
        _fold(s): s for s in _as_list(me.profile.get("goals")) + _as_list(me.profile.get("develop"))
    }
    page_ids = [encoded.people[int(rows_a[c])].user_id for c in chosen.tolist()]
    found = db.session.execute(select(User.id, User.name).where(User.id.in_(page_ids or [0])))
    names = {user_id: name for user_id, name in found}
    for k, c in enumerate(chosen.tolist()):
        person = encoded.people[int(rows_a[c])]
        p = person.profile
        strengths = _as_list(p.get("strengths"))
        result.suggestions.append(
            Suggestion(
                user_id=person.user_id,
                name=names.get(person.user_id, person.name),
                department=str(p.get("department") or ""),
                location=str(p.get("location") or ""),
                timezone=str(p.get("timezone") or "UTC"),
                format=str(p.get("format") or "either"),
                strengths=strengths,
                help_with=str(p.get("help_with") or ""),
                free_places=int(free_a[c]),
                score=float(matrix.score[0, c]) * 100,
                factors=ranked_factors(contributions, k)[:3],
                matched_skills=[wanted[_fold(s)] for s in strengths if _fold(s) in wanted],
                requested=person.user_id in requested,
            )
        )
    if result.listed == 0:
        result.blocked = "No mentor has a free place in an overlapping time zone right now."
    return result


def mentor_capacity_of(profile: dict[str, Any] | None) -> int:
    """A mentor's places (0-5) from their profile: the matcher's own rule.

    FINAL CODE: move this into matching (``capacity_from_profile``) and let
    ``proposals.mentor_capacity(member)`` call it, so the rule has one home.
    """
    try:
        return max(0, min(5, int((profile or {}).get("capacity") or 1)))
    except (TypeError, ValueError):
        return 1


__all__ = [
    "BAND_POINTS",
    "PAGE_SIZE",
    "DiscoveryPage",
    "Filters",
    "Suggestion",
    "discover",
]
