"""The journey journal: writing, autosaving, sharing, searching, reviewing and exporting.

Every read starts from a query in ``portal.services.access``; this module only narrows
those queries down (filters, paging) and never widens them.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import bindparam, case, func, select, tuple_, union_all
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.sql import operators

from portal.core.bounds import page_number
from portal.core.errors import NotAllowed
from portal.extensions import db
from portal.models import Membership, MembershipStatus, Pairing, Role, User, utcnow
from portal.models.journal import (
    EntryComment,
    EntryStatus,
    EntryTag,
    JournalAuthorTag,
    JournalDailyCounts,
    JournalEntry,
    Visibility,
)
from portal.services import access, sharing
from portal.services.platform import search
from portal.services.platform.links import path_for
from portal.services.platform.notifications import notify
from portal.services.platform.paging import after_key, clean_text, key_token
from portal.services.platform.versions import claim_next_version
from portal.services.sharing import (  # noqa: F401  (re-exported: the journal's form uses them)
    ALL_MENTEES,
    AudienceOption,
    SharingError,
    audience_options,
    audience_sentence,
    resolve_audience,
)

PAGE_SIZE = 20
MAX_TAGS = 8
TAG_LENGTH = 40
TAG_PATTERN = re.compile(r"^[\w][\w\- ]*$")


# --- guiding prompts -------------------------------------------------------------------


@dataclass(frozen=True)
class Prompt:
    key: str
    text: str


@dataclass(frozen=True)
class PromptSet:
    key: str
    label: str
    intro: str
    prompts: tuple[Prompt, ...]
    mentors_only: bool = False


PROMPT_SETS: tuple[PromptSet, ...] = (
    PromptSet(
        "share",
        "Share",
        "Willingness to share: say honestly where you are.",
        (
            Prompt("share.achieve", "What am I trying to achieve?"),
            Prompt("share.develop", "What do I need to develop?"),
            Prompt("share.setback", "A time it did not go well"),
            Prompt("share.proud", "Something I did that I am proud of"),
        ),
    ),
    PromptSet(
        "learn",
        "Learn",
        "Desire to learn: make an insight your own.",
        (
            Prompt("learn.apply", "What insight can I apply in my own way?"),
            Prompt("learn.self", "What did I learn about myself?"),
            Prompt("learn.question", "A question I want to take to my next meeting"),
        ),
    ),
    PromptSet(
        "work",
        "Work the idea",
        "Working the idea: notice what happens when you practise.",
        (
            Prompt("work.noticed", "What did I notice when I practised…"),
            Prompt("work.next", "What will I try differently next time?"),
            Prompt("work.obstacle", "What got in the way, and what helped?"),
        ),
    ),
    PromptSet(
        "mentor",
        "Mentor stories",
        "For mentors: the stories behind your advice, wins and failures alike.",
        (
            Prompt("mentor.career", "A story from my career: what worked, what did not"),
            Prompt("mentor.mistake", "A mistake I learned the most from"),
            Prompt("mentor.learning", "Something I learned from mentoring this month"),
        ),
        mentors_only=True,
    ),
)
PROMPTS: dict[str, Prompt] = {p.key: p for s in PROMPT_SETS for p in s.prompts}


def prompt_text(key: str | None) -> str | None:
    prompt = PROMPTS.get(key or "")
    return prompt.text if prompt else None


def prompt_set_label(key: str | None) -> str | None:
    group = (key or "").split(".")[0]
    return next((s.label for s in PROMPT_SETS if s.key == group), None)


def is_mentor(user: User) -> bool:
    """True for someone who holds an active mentor membership in any programme."""
    query = select(Membership.id).where(
        Membership.user_id == user.id,
        Membership.role == Role.mentor,
        Membership.status == MembershipStatus.active,
    )
    return db.session.scalar(query.limit(1)) is not None


def prompt_sets_for(user: User, keep: str | None = None) -> list[PromptSet]:
    """The prompt sets the user may start from; mentors also get their own set.

    ``keep`` is an entry's existing prompt, so that editing never loses it.
    """
    mentor = is_mentor(user)
    return [
        s
        for s in PROMPT_SETS
        if not s.mentors_only or mentor or any(p.key == keep for p in s.prompts)
    ]


# --- tags ------------------------------------------------------------------------------


class TagError(ValueError):
    """A tag list the journal cannot store; the message says why."""


def parse_tags(text: str | None) -> list[str]:
    """Split "Leadership, feedback" into ['leadership', 'feedback'] or raise TagError."""
    names: list[str] = []
    for raw in (text or "").split(","):
        name = " ".join(raw.strip().lstrip("#").split()).lower()
        if not name:
            continue
        if len(name) > TAG_LENGTH:
            raise TagError(f"A tag can have at most {TAG_LENGTH} characters.")
        if not TAG_PATTERN.match(name):
            raise TagError("Tags may use letters, digits, spaces and hyphens only.")
        if name not in names:
            names.append(name)
    if len(names) > MAX_TAGS:
        raise TagError(f"Use at most {MAX_TAGS} tags.")
    return names


def lenient_tags(text: str | None) -> list[str]:
    """Tags for an autosave: what can be kept is kept, the rest waits for the real save."""
    names: list[str] = []
    for raw in (text or "").split(","):
        try:
            names.extend(n for n in parse_tags(raw) if n not in names)
        except TagError:
            continue
    return names[:MAX_TAGS]


def _set_tags(entry: JournalEntry, names: list[str]) -> None:
    current = {tag.name: tag for tag in entry.tags}
    entry.tags = [current.get(name) or EntryTag(name=name) for name in names]


# --- writing ---------------------------------------------------------------------------


@dataclass
class EntryFields:
    """What the entry form carries, already cleaned."""

    title: str
    body: str
    visibility: Visibility = Visibility.private
    tags: list[str] = field(default_factory=list)
    prompt_key: str | None = None
    # The pairings to share in (ids); None: the author's one current pairing for a new
    # entry, the audience it already has for a shared one. See ``resolve_audience``.
    audience: list[int] | None = None


class EditConflict(Exception):
    """The entry changed since the form was opened; nothing was written."""

    def __init__(self, entry: JournalEntry) -> None:
        super().__init__(f"entry {entry.id} is at version {entry.version}")
        self.entry = entry


def _claim_version(entry: JournalEntry, expected: int | None) -> None:
    """Move the entry to the next version only if it is still at `expected`, atomically."""
    if not claim_next_version(entry, expected):
        db.session.refresh(entry)
        raise EditConflict(entry)


def _apply(entry: JournalEntry, fields: EntryFields) -> None:
    entry.title = fields.title[:200]
    entry.body = fields.body
    entry.visibility = fields.visibility
    entry.prompt_key = fields.prompt_key
    _set_tags(entry, fields.tags)
    entry.updated_at = utcnow()


def _clear_pending_draft(entry: JournalEntry) -> None:
    entry.draft_title = entry.draft_body = entry.draft_tags = None
    entry.draft_saved_at = None


# --- sharing: the audience of an entry --------------------------------------------------


def share_entry(entry: JournalEntry, pairing_ids: list[int]) -> list[int]:
    """Share the entry in exactly these of its author's sharable pairings (see
    ``sharing.set_audience``); returns the pairing ids newly added. The caller commits."""
    return sharing.set_audience(entry, pairing_ids)


def unshare_entry(entry: JournalEntry) -> None:
    """Make the entry private: every audience row goes. The caller commits."""
    sharing.clear_audience(entry)


def audience_of(entry: JournalEntry) -> list[Pairing]:
    """The pairings the entry is shared in, for the author's "who can read this" line."""
    return access.entry_audience(entry) if entry.is_shared else []


def audience_line(entry: JournalEntry) -> str:
    """For the author: exactly who can read the entry."""
    circles = access.entry_circle_audience(entry) if entry.is_shared else []
    people = access.entry_private_readers(entry) if entry.is_shared else []
    return audience_sentence(entry.author, audience_of(entry), circles, people)


def audience_choice_of(entry: JournalEntry, options: list[AudienceOption]) -> str:
    """The ``audience`` form value matching the entry's current audience, or ""."""
    return sharing.audience_choice_of(entry, options)


def _notify_shared(entry: JournalEntry, pairing_ids: list[int]) -> None:
    """Tell the partner of each newly added pairing that something was shared with them."""
    if not pairing_ids or not entry.is_shared:
        return
    link = path_for("journal.detail", entry_id=entry.id)
    pairings = db.session.scalars(select(Pairing).where(Pairing.id.in_(pairing_ids)))
    for partner_id in sorted({p.partner_of(entry.author).id for p in pairings}):
        notify(partner_id, "journal_shared", f"{entry.author.name} shared a journal entry.", link)


def _wanted_audience(
    author: User, fields: EntryFields, entry: JournalEntry | None
) -> list[int] | None:
    """What the save will share in, resolved before anything is written (may raise)."""
    if fields.visibility is not Visibility.shared:
        return []
    if fields.audience is not None:
        return fields.audience
    return resolve_audience(author, None, already_shared=entry is not None and entry.is_shared)


def _settle_audience(entry: JournalEntry, audience: list[int] | None) -> None:
    """After publishing: set the audience (None keeps it) and tell those newly added."""
    if audience is None:
        return
    _notify_shared(entry, share_entry(entry, audience))


def create_entry(author: User, fields: EntryFields, publish: bool = True) -> JournalEntry:
    """Write a new entry, published or kept as a private draft; raises SharingError (and
    writes nothing) when it cannot be shared as asked."""
    audience = _wanted_audience(author, fields, None) if publish else None
    entry = JournalEntry(author=author, title="", body="")
    _apply(entry, fields)
    db.session.add(entry)
    if publish:
        _publish(entry)
        _settle_audience(entry, audience)
    else:
        entry.status = EntryStatus.draft
    db.session.commit()
    return entry


def _publish(entry: JournalEntry) -> None:
    if entry.status is not EntryStatus.published or entry.published_at is None:
        entry.status = EntryStatus.published
        entry.published_at = utcnow()
    db.session.flush()


def save_entry(
    entry: JournalEntry, fields: EntryFields, version: int | None, publish: bool = True
) -> JournalEntry:
    """Save the author's edit if nobody saved in between; raises EditConflict otherwise,
    and SharingError (writing nothing) when it cannot be shared as asked."""
    publishing = publish or not entry.is_draft
    audience = _wanted_audience(entry.author, fields, entry) if publishing else None
    _claim_version(entry, version)
    _apply(entry, fields)
    _clear_pending_draft(entry)
    if publishing:
        _publish(entry)
        _settle_audience(entry, audience)
    db.session.commit()
    return entry


def autosave(
    author: User, entry: JournalEntry | None, fields: EntryFields, version: int | None
) -> JournalEntry:
    """Keep what the author is typing: a new draft row first, then updates of that row.

    A draft is written in place (it is private). A published entry keeps its saved text;
    the autosaved text waits in its draft columns, so a partner never sees it half-written.
    """
    if entry is None:
        return create_entry(author, fields, publish=False)
    _claim_version(entry, version)
    if entry.is_draft:
        _apply(entry, fields)
    else:
        entry.draft_title = fields.title[:200]
        entry.draft_body = fields.body
        entry.draft_tags = ", ".join(fields.tags)[:400]
    entry.draft_saved_at = utcnow()
    db.session.commit()
    return entry


def set_visibility(
    entry: JournalEntry, visibility: Visibility, audience: list[int] | None = None
) -> JournalEntry:
    """Share or unshare at any time; the version moves on so open edit forms notice.

    Sharing without ``audience`` goes to the author's one current pairing (SharingError
    when there is none, or several to choose from)."""
    if visibility is Visibility.shared and audience is None:
        audience = resolve_audience(entry.author, None)
    _claim_version(entry, entry.version)
    entry.updated_at = utcnow()
    if visibility is Visibility.shared:
        added = share_entry(entry, audience or [])
        if entry.status is EntryStatus.published:
            _notify_shared(entry, added)
    else:
        unshare_entry(entry)
    db.session.commit()
    return entry


def delete_entry(entry: JournalEntry) -> None:
    db.session.delete(entry)
    db.session.commit()


# --- reading: the author's own list ----------------------------------------------------


@dataclass
class EntryFilters:
    """The list's GET form: a search text and filters by prompt, tag and visibility.

    The newest-first list pages by key (``older``: the last entry shown, see
    ``paging.key_token``); search results are ranked, so they page by number.
    """

    q: str = ""
    prompt: str = ""
    tag: str = ""
    visibility: str = ""
    page: int = 1
    older: str = ""

    @classmethod
    def from_args(cls, args) -> EntryFilters:
        page = page_number(args.get("page", 1))
        visibility = args.get("visibility", "")
        return cls(
            q=args.get("q", "").strip()[:200],
            prompt=args.get("prompt", "").strip()[:60],
            tag=args.get("tag", "").strip().lower()[:TAG_LENGTH],
            visibility=visibility if visibility in {"private", "shared", "draft"} else "",
            page=page,
            older=clean_text(args.get("older", ""), 60),
        )

    @property
    def active(self) -> bool:
        return bool(self.q or self.prompt or self.tag or self.visibility)

    def args(self, **changes) -> dict[str, str | int]:
        """The query-string arguments for a link to this list, e.g. its next page."""
        values = {
            "q": self.q,
            "prompt": self.prompt,
            "tag": self.tag,
            "visibility": self.visibility,
            "page": self.page,
            "older": self.older,
        }
        values.update(changes)
        return {k: v for k, v in values.items() if v and not (k == "page" and v == 1)}


# A search or filter counts its matches up to this many; past it the page says "more than".
COUNT_CAP = 1000


@dataclass
class EntryPage:
    entries: list[JournalEntry]
    filters: EntryFilters
    has_more: bool
    # How many entries match a search or filter (None for the plain list, which is not counted).
    total: int | None = None

    @property
    def cap(self) -> int:
        """How far a search or filter counts its matches (``COUNT_CAP``)."""
        return COUNT_CAP

    @property
    def more_than_cap(self) -> bool:
        return self.total is not None and self.total > COUNT_CAP

    @property
    def next_args(self) -> dict[str, str | int]:
        if self.filters.q:
            return self.filters.args(page=self.filters.page + 1)
        last = self.entries[-1]
        return self.filters.args(page=1, older=key_token(last.created_at, last.id))


def list_entries(user: User, filters: EntryFilters, page_size: int = PAGE_SIZE) -> EntryPage:
    """One page of the user's own entries, newest first, in two queries whatever the size."""
    query = access.own_entries(user)
    order = [JournalEntry.created_at.desc(), JournalEntry.id.desc()]
    skip = (filters.page - 1) * page_size
    rank = None
    if filters.q:
        query, rank = search.matching(query, filters.q)
        order = [rank, *order] if rank is not None else order
    elif key := after_key(filters.older):
        query = query.where(tuple_(JournalEntry.created_at, JournalEntry.id) < key)
        skip = 0
    if filters.prompt:
        if "." in filters.prompt:
            query = query.where(JournalEntry.prompt_key == filters.prompt)
        else:
            prefix = search.escape_like(filters.prompt)
            query = query.where(JournalEntry.prompt_key.like(f"{prefix}.%", escape="\\"))
    if filters.tag:
        tagged = select(EntryTag.entry_id).where(EntryTag.name == filters.tag)
        query = query.where(JournalEntry.id.in_(tagged))
    if filters.visibility == "draft":
        query = query.where(JournalEntry.status == EntryStatus.draft)
    elif filters.visibility == "shared":
        query = query.where(access.entry_shared_clause())
    elif filters.visibility:
        query = query.where(access.entry_private_clause())
    if rank is None:
        page_query = query.order_by(*order).offset(skip).limit(page_size + 1)
    else:
        page_query = _ranked_page(query, rank, skip, page_size + 1)
    rows = db.session.scalars(page_query.options(selectinload(JournalEntry.tags))).all()
    total = None
    if filters.active:  # one count, always, so the number of queries never depends on the size
        # Counted up to one past the cap: a frequent word's count stops there ("more than").
        counted = query.order_by(None).with_only_columns(JournalEntry.id).limit(COUNT_CAP + 1)
        total = db.session.scalar(select(func.count()).select_from(counted.subquery()))
    return EntryPage(list(rows[:page_size]), filters, has_more=len(rows) > page_size, total=total)


def _ranked_page(query, rank, skip: int, limit: int):
    """The page of a search: the matches ranked on their ids and rank alone, and only
    the page's rows loaded whole (a frequent word ranks thousands of narrow rows, not
    thousands of whole entries with their bodies and drafts)."""
    score = rank.element  # rank is "score DESC" (PostgreSQL) or "score ASC" (SQLite)
    keys = (
        query.with_only_columns(
            JournalEntry.id.label("id"),
            score.label("score"),
            JournalEntry.created_at.label("created_at"),
        )
        .order_by(rank, JournalEntry.created_at.desc(), JournalEntry.id.desc())
        .offset(skip)
        .limit(limit)
        .subquery()
    )
    direction = keys.c.score.desc() if rank.modifier is operators.desc_op else keys.c.score.asc()
    return (
        select(JournalEntry)
        .join(keys, keys.c.id == JournalEntry.id)
        .order_by(direction, keys.c.created_at.desc(), keys.c.id.desc())
    )


def own_tags(user: User) -> list[str]:
    """The tags the user has used, for the filter menu: read from the per-author tag
    counts that database triggers keep, so it costs the same however long the journal."""
    query = (
        select(JournalAuthorTag.name)
        .where(JournalAuthorTag.author_id == user.id, JournalAuthorTag.entries > 0)
        .order_by(JournalAuthorTag.name)
    )
    return list(db.session.scalars(query))


# --- reading: one entry and its comments -----------------------------------------------


def get_entry_or_404(user: User, entry_id: int) -> JournalEntry:
    return access.get_visible_or_404(access.visible_entries(user), entry_id, JournalEntry)


def get_writable_entry(user: User, entry_id: int) -> JournalEntry:
    """An entry the user may change: 404 when they cannot read it, 403 when they only read it."""
    entry = get_entry_or_404(user, entry_id)
    if not access.can_edit_entry(user, entry):
        raise NotAllowed
    return entry


def get_own_entry_or_404(user: User, entry_id: int) -> JournalEntry:
    return access.get_visible_or_404(access.own_entries(user), entry_id, JournalEntry)


def comments_for(user: User, entry: JournalEntry) -> list[EntryComment]:
    query = (
        access.visible_comments(user)
        .where(EntryComment.entry_id == entry.id)
        .options(joinedload(EntryComment.author))
        .order_by(EntryComment.created_at, EntryComment.id)
    )
    return list(db.session.scalars(query))


def add_comment(user: User, entry: JournalEntry, body: str) -> EntryComment:
    """Comment, and tell the other side; the notification never quotes the entry."""
    pairing = None if user.id == entry.author_id else access.entry_comment_pairing(user, entry)
    comment = EntryComment(
        entry=entry, author=user, body=body.strip(), pairing_id=pairing and pairing.id
    )
    db.session.add(comment)
    link = path_for("journal.detail", entry_id=entry.id) + "#entry-comments"
    if user.id == entry.author_id:
        if entry.is_shared:
            message = f"{user.name} replied on a shared entry."
            for partner_id in _current_reader_ids(entry):
                notify(partner_id, "journal_comment", message, link)
    else:
        notify(entry.author_id, "journal_comment", f"{user.name} commented on your entry.", link)
    db.session.commit()
    return comment


def _current_reader_ids(entry: JournalEntry) -> list[int]:
    """The partners of the sharable pairings the entry is shared in (its live readers)."""
    author = entry.author
    pairings = [p for p in access.entry_audience(entry) if access.is_sharable_pairing(author, p)]
    return sorted({p.partner_of(author).id for p in pairings})


def mark_reviewed(user: User, entry: JournalEntry) -> JournalEntry:
    entry.reviewed_at = utcnow()
    entry.reviewed_by_id = user.id
    link = path_for("journal.detail", entry_id=entry.id)
    notify(entry.author_id, "journal_review", f"{user.name} reviewed your shared entry.", link)
    db.session.commit()
    return entry


# --- reading: what partners shared -----------------------------------------------------


def review_queue(
    user: User, limit: int | None = None, mentee_ids: list[int] | None = None
) -> list[JournalEntry]:
    """The mentor's queue: unreviewed entries first, then the newest.

    ``mentee_ids`` (from pairings the caller already loaded) only narrows the access rule.
    With a limit, the newest few of each group are picked by index first (one statement),
    instead of sorting every entry the mentees ever shared. Built once per process
    (`access.prebuilt`), the viewer and the mentees as parameters.
    """
    narrowed = mentee_ids is not None
    query = access.prebuilt(
        ("journal.review_queue", limit, narrowed),
        lambda viewer: _review_queue(viewer, limit, narrowed),
    )
    values = {"among": list(mentee_ids)} if narrowed else {}
    return list(db.session.scalars(query, access.viewer_params(user, **values)))


def _review_queue(viewer: User, limit: int | None, narrowed: bool):
    base = access.review_queue(viewer)
    if narrowed:
        base = base.where(JournalEntry.author_id.in_(bindparam("among", expanding=True)))
    newest_first = (JournalEntry.published_at.desc(), JournalEntry.id.desc())
    query = base
    if limit:
        picks = [
            select(
                base.where(condition)
                .with_only_columns(JournalEntry.id)
                .order_by(*newest_first)
                .limit(limit)
                .subquery()
            )
            for condition in (
                JournalEntry.reviewed_at.is_(None),
                JournalEntry.reviewed_at.is_not(None),
            )
        ]
        query = select(JournalEntry).where(JournalEntry.id.in_(union_all(*picks))).limit(limit)
    # The dashboard's queue shows no tags: they are not loaded (one statement fewer).
    return query.options(joinedload(JournalEntry.author)).order_by(
        case((JournalEntry.reviewed_at.is_(None), 0), else_=1), *newest_first
    )


def _unreviewed_count(viewer: User):
    query = access.review_queue(viewer).where(JournalEntry.reviewed_at.is_(None))
    return select(func.count()).select_from(query.subquery())


def unreviewed_count(user: User) -> int:
    """How many shared entries wait for the user's review: the header's count, on every
    page (so built once per process, `access.prebuilt`)."""
    query = access.prebuilt("journal.unreviewed_count", _unreviewed_count)
    return db.session.scalar(query, access.viewer_params(user)) or 0


SHARED_PAGE = 25


@dataclass
class SharedPage:
    """One page of what partners shared, entries waiting for the user's review first."""

    entries: list[JournalEntry]
    older: str | None = None  # the next page's key, if there is one
    paged: bool = False  # this is not the first page
    waiting: set[int] = field(default_factory=set)  # ids waiting for the user's review
    from_circle: set[int] = field(default_factory=set)  # ids that reached them in a circle only
    only_for_them: set[int] = field(default_factory=set)  # of those, shared with them alone


def _shared_key(token: str) -> tuple[bool, tuple] | None:
    """(waiting, (published_at, id)) of the last entry shown, from "w~<key>" or "r~<key>"."""
    group, _, rest = token.partition("~")
    key = after_key(rest)
    return (group == "w", key) if group in {"w", "r"} and key else None


def shared_with_me(user: User, older: str = "", limit: int = SHARED_PAGE) -> SharedPage:
    """What partners shared with the user, a page at a time: entries waiting for their
    review first, then the rest, each group newest first. Pages by key, not offset."""
    waiting = JournalEntry.id.in_(
        access.review_queue(user)
        .where(JournalEntry.reviewed_at.is_(None))
        .with_only_columns(JournalEntry.id)
    )
    query = access.shared_with(user)
    after = _shared_key(older)
    if after:
        was_waiting, key = after
        below = tuple_(JournalEntry.published_at, JournalEntry.id) < key
        query = query.where((waiting & below) | ~waiting if was_waiting else ~waiting & below)
    rows = db.session.execute(
        query.add_columns(
            waiting,
            access.entry_reached_through_pairing(user),
            access.entry_shared_with_reader_alone(user),
        )
        .options(joinedload(JournalEntry.author), selectinload(JournalEntry.tags))
        .order_by(
            case((waiting, 0), else_=1), JournalEntry.published_at.desc(), JournalEntry.id.desc()
        )
        .limit(limit + 1)
    ).all()
    shown = rows[:limit]
    page = SharedPage(
        entries=[entry for entry, *_ in shown],
        paged=after is not None,
        waiting={entry.id for entry, is_waiting, *_ in shown if is_waiting},
        from_circle={entry.id for entry, _, in_pairing, _ in shown if not in_pairing},
        only_for_them={
            entry.id for entry, _, in_pairing, alone in shown if alone and not in_pairing
        },
    )
    if len(rows) > limit:
        last, last_waiting, *_ = rows[limit - 1]
        group = "w" if last_waiting else "r"
        page.older = f"{group}~{key_token(last.published_at, last.id)}"
    return page


def latest_mentor_stories(
    user: User, limit: int = 3, mentor_ids: list[int] | None = None
) -> list[JournalEntry]:
    """The newest stories the user's mentors shared.

    ``mentor_ids`` (from pairings the caller already loaded) only narrows the access rule,
    never widens it: it lets PostgreSQL read the newest few entries of one author straight
    from the index instead of sorting every entry that author ever shared.
    """
    narrowed = mentor_ids is not None
    query = access.prebuilt(
        ("journal.mentor_stories", limit, narrowed),
        lambda viewer: _mentor_stories(viewer, limit, narrowed),
    )
    values = {"among": list(mentor_ids)} if narrowed else {}
    return list(db.session.scalars(query, access.viewer_params(user, **values)))


def _mentor_stories(viewer: User, limit: int, narrowed: bool):
    query = access.mentor_stories(viewer)
    if narrowed:
        query = query.where(JournalEntry.author_id.in_(bindparam("among", expanding=True)))
    newest_first = (JournalEntry.published_at.desc(), JournalEntry.id.desc())
    # The newest few ids first, from the index on (author, published_at, id) alone; then
    # only those rows are read, not every entry the mentors ever shared.
    picked = query.with_only_columns(JournalEntry.id).order_by(*newest_first).limit(limit)
    return (  # the dashboard shows no tags: they are not loaded
        select(JournalEntry)
        .where(JournalEntry.id.in_(picked.scalar_subquery()))
        .options(joinedload(JournalEntry.author))
        .order_by(*newest_first)
    )


def reviewer_ids(user: User) -> set[int]:
    """Ids of the user's mentees: entries by them carry a review state for this user."""
    query = (
        access.readable_pairings(user)
        .where(Pairing.mentor_id == user.id)
        .with_only_columns(Pairing.mentee_id)
    )
    return set(db.session.scalars(query))


@dataclass
class JournalActivity:
    """What an admin may know about the journal: counts over the last 30 days, no text."""

    entries: int = 0
    shared: int = 0
    reviewed: int = 0
    comments: int = 0


def journal_activity(days: int = 30) -> JournalActivity:
    """Portal-wide counts for the admin dashboard over the last ``days`` UTC days (today
    included), from the maintained daily counts: one short query. Never titles or text."""
    since = utcnow().date() - timedelta(days=days - 1)
    row = db.session.execute(
        select(
            func.coalesce(func.sum(JournalDailyCounts.entries), 0),
            func.coalesce(func.sum(JournalDailyCounts.shared), 0),
            func.coalesce(func.sum(JournalDailyCounts.reviewed), 0),
            func.coalesce(func.sum(JournalDailyCounts.comments), 0),
        ).where(JournalDailyCounts.day >= since)
    ).one()
    return JournalActivity(*(int(value) for value in row))


def excerpt(text: str, length: int = 180) -> str:
    """A plain-text preview of Markdown: marks removed, cut at a word."""
    plain = re.sub(r"(?m)^\s*(?:[-*+]|\d+[.)])\s+", "", text or "")  # list markers
    plain = re.sub(r"[#>*_`~\[\]|]+", "", plain)
    plain = re.sub(r"\((https?|mailto):[^)]*\)", "", plain)
    plain = " ".join(plain.split())
    if len(plain) <= length:
        return plain
    return plain[:length].rsplit(" ", 1)[0] + "…"


# --- export ----------------------------------------------------------------------------


def _own_for_export(user: User) -> list[JournalEntry]:
    query = (
        access.own_entries(user)
        .options(selectinload(JournalEntry.tags))
        .order_by(JournalEntry.created_at, JournalEntry.id)
    )
    return list(db.session.scalars(query))


def entry_markdown(entry: JournalEntry) -> str:
    """One entry as a Markdown document with a small front matter."""
    lines = [f"# {entry.title or 'Untitled draft'}", ""]
    lines.append(f"- Written: {entry.created_at:%Y-%m-%d %H:%M} UTC")
    state = "draft" if entry.is_draft else entry.visibility.value
    lines.append(f"- Visibility: {state}")
    if prompt := prompt_text(entry.prompt_key):
        lines.append(f"- Prompt: {prompt}")
    if entry.tags:
        lines.append(f"- Tags: {', '.join(entry.tag_names)}")
    lines += ["", entry.body.strip(), ""]
    return "\n".join(lines)


def export_markdown(user: User) -> str:
    """The user's whole journal (their own entries only) as one Markdown file."""
    parts = [f"# {user.name}'s journal", "", f"Exported {utcnow():%Y-%m-%d %H:%M} UTC", ""]
    for entry in _own_for_export(user):
        parts += ["---", "", entry_markdown(entry).replace("# ", "## ", 1)]
    return "\n".join(parts)


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:50] or "untitled"


def export_zip(user: User) -> bytes:
    """The user's own entries as a zip of Markdown files, one per entry, plus the whole."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("journal.md", export_markdown(user))
        for entry in _own_for_export(user):
            name = f"entries/{entry.created_at:%Y-%m-%d}-{entry.id}-{_slug(entry.title)}.md"
            archive.writestr(name, entry_markdown(entry))
    return buffer.getvalue()


@dataclass
class JournalPanel:
    """The journal's part of a dashboard: a mentor's review queue, a mentee's mentor stories,
    and for admins the portal-wide counts."""

    review_queue: list[JournalEntry] = field(default_factory=list)
    review_count: int = 0
    mentor_stories: list[JournalEntry] = field(default_factory=list)
    activity: JournalActivity | None = None


def panel(user: User, roles: set[str], pairings: list[Pairing]) -> JournalPanel:
    """What the journal shows on this person's dashboard (the dashboard asks; this answers)."""
    result = JournalPanel()
    if "admin" in roles:
        result.activity = journal_activity()
    if "mentor" in roles:
        mentees = Pairing.partner_ids(user, pairings, "mentee")
        result.review_queue = review_queue(user, limit=6, mentee_ids=mentees)
        result.review_count = unreviewed_count(user)
    if "mentee" in roles:
        mentors = Pairing.partner_ids(user, pairings, "mentor")
        result.mentor_stories = latest_mentor_stories(user, mentor_ids=mentors)
    return result
