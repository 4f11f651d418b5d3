"""The mentoring agreement: programme template, versioned edits, signatures and what changed."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.models import Membership, Pairing, Program, User, utcnow
from portal.models.kickoff import AGREEMENT_SECTIONS, Agreement, AgreementTemplate, AgreementVersion
from portal.services.pairings import KickoffError
from portal.services.platform.links import path_for
from portal.services.platform.notifications import notify
from portal.services.platform.versions import claim_next_version

SECTION_LIMIT = 4000
FORMATS = {"video": "Video call", "in_person": "In person", "mixed": "Both, as it suits"}
SECTION_TITLES = {
    "seeking": "What the mentee is seeking to achieve",
    "meeting": "How we meet",
    "sharing": "Honest story sharing and confidentiality",
    "feedback": "How we give each other feedback",
    "ending": "How either of us can end the pairing",
}
DEFAULT_SECTIONS = {
    "seeking": "",
    "meeting": (
        "We keep the dates we agree, and if one of us cannot make it we say so early and "
        "choose a new time together."
    ),
    "sharing": (
        "We agree at the beginning to be intentional about honest story sharing: the wins and "
        "the failures. What we tell each other stays between us unless we both agree otherwise."
    ),
    "feedback": (
        "We ask before giving feedback, we are specific, and we say what worked as well as "
        "what did not. Once a quarter we ask each other how this pairing is going."
    ),
    "ending": (
        "Either of us can end the pairing at any time, without blame and without giving a "
        "reason, by telling the other person and the programme team."
    ),
}


class AgreementConflict(Exception):
    """Someone saved the agreement since this form was opened; nothing was written."""

    def __init__(self, agreement: Agreement) -> None:
        super().__init__(f"agreement {agreement.id} is at version {agreement.version}")
        self.agreement = agreement


def template_for(program: Program) -> dict[str, str]:
    """The programme's section texts over the defaults."""
    row = db.session.get(AgreementTemplate, program.id)
    sections = dict(DEFAULT_SECTIONS)
    if row:
        sections.update({k: v for k, v in row.sections.items() if k in AGREEMENT_SECTIONS})
    return sections


def save_template(program: Program, sections: dict[str, str]) -> AgreementTemplate:
    for key, text in sections.items():
        if len(text or "") > SECTION_LIMIT:
            raise KickoffError(f"Keep each section under {SECTION_LIMIT:,} characters.", key)
    row = db.session.get(AgreementTemplate, program.id) or AgreementTemplate(program_id=program.id)
    row.sections = {k: (sections.get(k) or "").strip() for k in AGREEMENT_SECTIONS}
    row.updated_at = utcnow()
    db.session.add(row)
    return row


def _seeking_from_application(pairing: Pairing) -> str:
    """The mentee's application goals, as the first draft of what they seek."""
    membership = db.session.scalar(
        select(Membership).where(
            Membership.user_id == pairing.mentee_id, Membership.program_id == pairing.program_id
        )
    )
    profile = membership.profile if membership else {}
    lines = []
    for key, label in (("goals", "Grow in"), ("develop", "Develop")):
        values = profile.get(key) or []
        if isinstance(values, list) and values:
            lines.append(f"{label}: {', '.join(str(v).replace('_', ' ') for v in values)}.")
    return "\n".join(lines)


def agreement_of(pairing: Pairing) -> Agreement | None:
    return db.session.scalar(select(Agreement).where(Agreement.pairing_id == pairing.id))


def _first_draft(pairing: Pairing) -> Agreement:
    """A new agreement from the programme template, with its first version; not in the session."""
    sections = template_for(pairing.program)
    sections["seeking"] = _seeking_from_application(pairing) or sections["seeking"]
    agreement = Agreement(
        pairing_id=pairing.id,
        version=1,
        sections=sections,
        meeting_minutes=60,
        meeting_format="video",
        meeting_place="",
        updated_at=utcnow(),
    )
    agreement.versions = [
        AgreementVersion(version=1, content=agreement.snapshot(), saved_at=agreement.updated_at)
    ]
    return agreement


def agreement_or_draft(pairing: Pairing) -> Agreement:
    """The pair's agreement, or the template's first draft shown without a row (a GET writes
    nothing: both partners opening a new agreement at once would otherwise both insert it)."""
    return agreement_of(pairing) or _first_draft(pairing)


def start_agreement(pairing: Pairing) -> Agreement:
    """The pair's agreement, made from the programme template on its first save or signature.

    One agreement per pairing is a unique constraint: when both partners make it at the same
    moment, the second insert fails inside a savepoint and the partner's agreement is used.
    """
    agreement = agreement_of(pairing)
    if agreement is not None:
        return agreement
    draft = _first_draft(pairing)
    try:
        with db.session.begin_nested():
            db.session.add(draft)
    except IntegrityError:
        return db.session.scalars(select(Agreement).where(Agreement.pairing_id == pairing.id)).one()
    return draft


@dataclass
class AgreementTerms:
    sections: dict[str, str]
    meeting_minutes: int
    meeting_format: str
    meeting_place: str


def _validate(terms: AgreementTerms) -> None:
    for key in AGREEMENT_SECTIONS:
        if len(terms.sections.get(key) or "") > SECTION_LIMIT:
            raise KickoffError(f"Keep this section under {SECTION_LIMIT:,} characters.", key)
    if not (terms.sections.get("seeking") or "").strip():
        raise KickoffError("Write what the mentee is seeking to achieve.", "seeking")
    if terms.meeting_format not in FORMATS:
        raise KickoffError("Choose how you meet.", "meeting_format")
    if not 15 <= terms.meeting_minutes <= 240:
        raise KickoffError("A meeting lasts between 15 and 240 minutes.", "meeting_minutes")
    if len(terms.meeting_place) > 300:
        raise KickoffError("Keep the place or link under 300 characters.", "meeting_place")


def current_version(agreement: Agreement) -> AgreementVersion:
    return agreement.versions[0]


def save_agreement(
    agreement: Agreement, user: User, terms: AgreementTerms, expected_version: int | None
) -> Agreement:
    """Save a new text if nobody saved since `expected_version`; signatures start over."""
    _validate(terms)
    if not claim_next_version(agreement, expected_version):
        db.session.refresh(agreement)
        raise AgreementConflict(agreement)
    previous = current_version(agreement).content
    agreement.sections = {k: (terms.sections.get(k) or "").strip() for k in AGREEMENT_SECTIONS}
    agreement.meeting_minutes = terms.meeting_minutes
    agreement.meeting_format = terms.meeting_format
    agreement.meeting_place = terms.meeting_place.strip()
    agreement.updated_by_id = user.id
    agreement.updated_at = utcnow()
    if agreement.snapshot() != previous:
        pairing = agreement.pairing
        notify(
            pairing.partner_of(user),
            "agreement-changed",
            f"{user.name} changed your mentoring agreement. Read it, then sign the new version.",
            path_for("pairings.agreement", pairing_id=pairing.id),
            group=True,  # three saves in a row are one unread notice, "(3 updates)"
        )
        version = AgreementVersion(
            agreement_id=agreement.id,
            version=agreement.version,
            content=agreement.snapshot(),
            saved_by_id=user.id,
        )
        db.session.add(version)
        db.session.flush()
        db.session.refresh(agreement, ["versions"])
    return agreement


def sign(agreement: Agreement, user: User, version_number: int | None) -> AgreementVersion:
    """Sign exactly the text the person read; a newer text must be read first."""
    version = current_version(agreement)
    if version_number != version.version:
        raise AgreementConflict(agreement)
    pairing = agreement.pairing
    field = "mentor_signed_at" if user.id == pairing.mentor_id else "mentee_signed_at"
    if getattr(version, field) is None:
        setattr(version, field, utcnow())
        done = version.signed_at is not None
        notify(
            pairing.partner_of(user),
            "agreement-signed",
            f"{user.name} signed your mentoring agreement"
            + (": it is agreed." if done else ". Your signature is next."),
            path_for("pairings.agreement", pairing_id=pairing.id),
        )
    return version


# Words and the whitespace between them, so joining the tokens gives the text back exactly.
TOKENS = re.compile(r"\s+|\S+")


@dataclass(frozen=True)
class Segment:
    op: str  # "same", "removed" or "added"
    text: str


@dataclass
class SectionChange:
    title: str
    segments: list[Segment]

    @property
    def removed(self) -> list[str]:
        return [s.text for s in self.segments if s.op == "removed"]

    @property
    def added(self) -> list[str]:
        return [s.text for s in self.segments if s.op == "added"]


def word_diff(before: str, after: str) -> list[Segment]:
    """The text as runs of same, removed and added words: one changed word shows as one
    removed and one added word inside its paragraph, not the paragraph removed and added."""
    old, new = TOKENS.findall(before or ""), TOKENS.findall(after or "")
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    segments: list[Segment] = []

    def add(op: str, tokens: list[str]) -> None:
        text = "".join(tokens)
        if not text:
            return
        if segments and segments[-1].op == op:
            segments[-1] = Segment(op, segments[-1].text + text)
        else:
            segments.append(Segment(op, text))

    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            add("same", old[i1:i2])
        else:
            add("removed", old[i1:i2])
            add("added", new[j1:j2])
    return segments


def changes(old: dict, new: dict) -> list[SectionChange]:
    """What changed between two versions, section by section, word by word."""
    fields = [(k, SECTION_TITLES[k]) for k in AGREEMENT_SECTIONS] + [
        ("meeting_minutes", "Meeting length (minutes)"),
        ("meeting_format", "Meeting format"),
        ("meeting_place", "Place or video link"),
    ]
    result = []
    for key, title in fields:
        before, after = str(old.get(key, "")), str(new.get(key, ""))
        if before != after:
            result.append(SectionChange(title, word_diff(before, after)))
    return result


@dataclass
class AgreementState:
    """The agreement as its page shows it: current text, signatures, history and changes."""

    agreement: Agreement
    current: AgreementVersion
    last_signed: AgreementVersion | None
    signed_versions: list[AgreementVersion]
    changes_since_signed: list[SectionChange]

    @property
    def fully_signed(self) -> bool:
        return self.current.signed_at is not None

    def signed_by(self, pairing: Pairing, user: User) -> bool:
        if user.id == pairing.mentor_id:
            return self.current.mentor_signed_at is not None
        return self.current.mentee_signed_at is not None


def state_of(agreement: Agreement) -> AgreementState:
    versions = agreement.versions
    signed = [v for v in versions if v.signed_at is not None]
    current = versions[0]
    last_signed = signed[0] if signed else None
    diff = []
    if last_signed is not None and last_signed is not current:
        diff = changes(last_signed.content, current.content)
    return AgreementState(agreement, current, last_signed, signed, diff)


def history_changes(state: AgreementState) -> list[tuple[AgreementVersion, list[SectionChange]]]:
    """Each signed version beside what changed since the signed version before it."""
    rows = []
    for index, version in enumerate(state.signed_versions):
        older = state.signed_versions[index + 1] if index + 1 < len(state.signed_versions) else None
        rows.append((version, changes(older.content, version.content) if older else []))
    return rows


def signed_on(agreement: Agreement | None):
    """When the newest text was signed by both, for admins and the first-steps list."""
    if agreement is None:
        return None
    return current_version(agreement).signed_at
