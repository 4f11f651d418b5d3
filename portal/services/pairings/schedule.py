"""Planned meetings: propose, accept, reschedule, cancel; each one an RFC 5545 event."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from icalendar import Calendar, Event, vCalAddress, vText
from sqlalchemy.orm import joinedload

from portal.core.time import in_zone
from portal.extensions import db
from portal.models import Pairing, User, utcnow
from portal.models.kickoff import MeetingStatus, PlannedMeeting
from portal.services import access
from portal.services.pairings import EARLIEST, LATEST, KickoffError
from portal.services.pairings.mail import base_url, send
from portal.services.pairings.meetings import plan_of, set_next_meeting
from portal.services.platform.links import path_for
from portal.services.platform.notifications import notify

PRODID = "-//Horizon mentoring portal//horizon//EN"


def to_utc(day: date, start: time, zone: ZoneInfo) -> datetime:
    """A wall-clock time in a zone, as naive UTC; a time the clocks skip is refused."""
    local = datetime.combine(day, start).replace(tzinfo=zone)
    # A time that does not exist locally (spring forward) does not survive the round trip.
    round_trip = local.astimezone(UTC).astimezone(zone)
    if round_trip.replace(tzinfo=None) != local.replace(tzinfo=None):
        raise KickoffError(
            "That time does not exist there: the clocks change that night. Choose another.",
            "start_time",
        )
    return local.astimezone(UTC).replace(tzinfo=None)


@dataclass
class MeetingTerms:
    day: date | None
    start: time | None
    minutes: int | None
    place: str


def meeting_start(user: User, terms: MeetingTerms, now: datetime) -> datetime:
    if terms.day is None:
        raise KickoffError("Choose the date of the meeting.", "day")
    if not EARLIEST <= terms.day <= LATEST:
        raise KickoffError("Choose a date between 2000 and 2099.", "day")
    if terms.start is None:
        raise KickoffError("Choose the start time.", "start_time")
    if terms.minutes is None or not 15 <= terms.minutes <= 240:
        raise KickoffError("A meeting lasts between 15 and 240 minutes.", "minutes")
    place = (terms.place or "").strip()
    if len(place) > 300:
        raise KickoffError("Keep the place or link under 300 characters.", "place")
    if "://" in place and not place.startswith(("https://", "http://")):
        raise KickoffError("A video link starts with https://.", "place")
    starts_at = to_utc(terms.day, terms.start, user.zone)
    if starts_at <= now:
        raise KickoffError("Choose a time in the future.", "day")
    return starts_at


def upcoming(user: User, pairing: Pairing, now: datetime) -> list[PlannedMeeting]:
    """The pair's meetings that have not ended yet, cancelled ones included, soonest first."""
    query = (
        access.visible_planned_meetings(user)
        .where(
            PlannedMeeting.pairing_id == pairing.id,
            PlannedMeeting.starts_at >= now - timedelta(hours=8),
        )
        .options(joinedload(PlannedMeeting.proposed_by))
        .order_by(PlannedMeeting.starts_at, PlannedMeeting.id)
    )
    return list(db.session.scalars(query))


def _tell(pairing: Pairing, meeting: PlannedMeeting, actor: User, what: str) -> None:
    """Tell both partners by e-mail (with the invitation once agreed) and in the portal."""
    link = path_for("pairings.schedule", pairing_id=pairing.id)
    method = "CANCEL" if meeting.status is MeetingStatus.cancelled else "REQUEST"
    attach = meeting.status is not MeetingStatus.proposed
    for person in (pairing.mentor, pairing.mentee):
        # Built per person: after a pairing ends, nobody's file carries the partner's address.
        payload = ics_bytes([meeting], method, viewer=person) if attach else None
        local = in_zone(meeting.starts_at, person.zone)
        subject = {
            # Subjects are listed on the outbox page: no names people typed (see guide.kinds).
            "proposed": f"A mentoring meeting is proposed: {local:%a %-d %b, %H:%M}",
            "accepted": f"Meeting agreed: {local:%a %-d %b, %H:%M}",
            "cancelled": f"Meeting called off: {local:%a %-d %b, %H:%M}",
        }[what]
        attachment = ("invite.ics", payload, f"text/calendar; method={method}") if attach else None
        send(
            person,
            subject,
            "pairings/email/meeting.txt",
            attachment=attachment,
            key=f"meeting:{meeting.uid}:{meeting.sequence}:{what}:{person.id}",
            meeting=meeting,
            local=local,
            actor=actor,
            what=what,
            link=link,
            pairing=pairing,
        )
        if person.id != actor.id:
            notify(person, f"meeting-{what}", subject, link)


def propose(pairing: Pairing, user: User, terms: MeetingTerms, now: datetime) -> PlannedMeeting:
    """A new meeting time, proposed by one partner for the other to accept."""
    starts_at = meeting_start(user, terms, now)
    meeting = PlannedMeeting(
        pairing_id=pairing.id,
        uid=f"{uuid.uuid4()}@horizon",
        sequence=0,
        starts_at=starts_at,
        minutes=terms.minutes,
        place=(terms.place or "").strip(),
        status=MeetingStatus.proposed,
        proposed_by_id=user.id,
    )
    db.session.add(meeting)
    db.session.flush()
    _tell(pairing, meeting, user, "proposed")
    return meeting


def can_accept(meeting: PlannedMeeting, user: User) -> bool:
    return meeting.status is MeetingStatus.proposed and meeting.proposed_by_id != user.id


def accept(meeting: PlannedMeeting, user: User, today: date) -> PlannedMeeting:
    """The other partner agrees: the meeting goes into both calendars."""
    if not can_accept(meeting, user):
        raise PermissionError("only the other partner accepts a proposal")
    meeting.status = MeetingStatus.accepted
    meeting.sequence += 1
    meeting.updated_at = utcnow()
    # The meeting log's plan learns the agreed date (so a missed meeting is noticed), but an
    # earlier date still ahead stays: accepting a later meeting never hides an earlier one.
    # Pages read the next meeting from `next_meeting`, which looks at both.
    day = in_zone(meeting.starts_at, user.zone).date()
    plan = plan_of(meeting.pairing)
    kept = plan.next_meeting_on if plan else None
    if kept is None or kept < today or day < kept:
        set_next_meeting(meeting.pairing, user, day)
    _tell(meeting.pairing, meeting, user, "accepted")
    return meeting


def reschedule(
    meeting: PlannedMeeting, user: User, terms: MeetingTerms, now: datetime
) -> PlannedMeeting:
    """Propose another time for the same event: same UID, higher SEQUENCE."""
    if meeting.status is MeetingStatus.cancelled:
        raise PermissionError("a cancelled meeting cannot move")
    meeting.starts_at = meeting_start(user, terms, now)
    meeting.minutes = terms.minutes
    meeting.place = (terms.place or "").strip()
    meeting.status = MeetingStatus.proposed
    meeting.proposed_by_id = user.id
    meeting.sequence += 1
    meeting.updated_at = utcnow()
    _tell(meeting.pairing, meeting, user, "proposed")
    return meeting


def cancel(meeting: PlannedMeeting, user: User) -> PlannedMeeting:
    if meeting.status is MeetingStatus.cancelled:
        return meeting
    was_agreed = meeting.status is MeetingStatus.accepted
    meeting.status = MeetingStatus.cancelled
    meeting.sequence += 1
    meeting.updated_at = utcnow()
    if was_agreed:
        _tell(meeting.pairing, meeting, user, "cancelled")
    else:
        notify(
            meeting.pairing.partner_of(user),
            "meeting-cancelled",
            f"{user.name} {'withdrew' if meeting.proposed_by_id == user.id else 'declined'} "
            "the proposed meeting time.",
            path_for("pairings.schedule", pairing_id=meeting.pairing_id),
        )
    return meeting


def close_schedule(pairing: Pairing, actor: User, now: datetime | None = None) -> int:
    """Call off every future meeting of a pairing that ends; returns how many.

    Agreed meetings get the same CANCEL (same UID, higher SEQUENCE) as a call-off, e-mailed
    to each partner; proposed ones are withdrawn quietly (they never reached a calendar).
    Reminders stop with them: only agreed meetings of active pairings are reminded.
    The caller commits.
    """
    now = now or utcnow()
    meetings = db.session.scalars(
        db.select(PlannedMeeting)
        .where(
            PlannedMeeting.pairing_id == pairing.id,
            PlannedMeeting.status != MeetingStatus.cancelled,
            PlannedMeeting.starts_at > now,
        )
        .order_by(PlannedMeeting.starts_at, PlannedMeeting.id)
        .with_for_update()
    ).all()
    for meeting in meetings:
        was_agreed = meeting.status is MeetingStatus.accepted
        meeting.status = MeetingStatus.cancelled
        meeting.sequence += 1
        meeting.updated_at = utcnow()
        if was_agreed:
            _mail_cancel(pairing, meeting, actor)
    return len(meetings)


def _mail_cancel(pairing: Pairing, meeting: PlannedMeeting, actor: User) -> None:
    """The call-off e-mail with its CANCEL, without an in-app notice (the pairing's end is one)."""
    for person in (pairing.mentor, pairing.mentee):
        local = in_zone(meeting.starts_at, person.zone)
        payload = ics_bytes([meeting], "CANCEL", viewer=person)
        send(
            person,
            f"Meeting called off: {local:%a %-d %b, %H:%M}",
            "pairings/email/meeting.txt",
            attachment=("invite.ics", payload, "text/calendar; method=CANCEL"),
            key=f"meeting:{meeting.uid}:{meeting.sequence}:cancelled:{person.id}",
            meeting=meeting,
            local=local,
            actor=actor,
            what="cancelled",
            link=path_for("pairings.schedule", pairing_id=pairing.id),
            pairing=pairing,
        )


# --- iCalendar -----------------------------------------------------------------------------------


def calendar_organizer() -> vCalAddress:
    """A stable organizer, so a calendar treats every update as coming from the same event owner."""
    sender = current_app.config.get("MAIL_DEFAULT_SENDER", "no-reply@example.org")
    address = sender.rsplit("<", 1)[-1].rstrip(">").strip()
    organizer = vCalAddress(f"mailto:{address}")
    organizer.params["cn"] = vText("Horizon")
    return organizer


def _attendees(pairing: Pairing, viewer: User | None) -> list[User]:
    """Who the event lists with an address: both partners while the pairing is active.

    Once it is no longer active, a file carries only its reader's own address (the partner's
    is shown only inside an active pairing, as on "Meet your partner").
    """
    people = [pairing.mentor, pairing.mentee]
    if viewer is not None and not access.can_see_partner_email(viewer, pairing):
        return [p for p in people if p.id == viewer.id]
    if viewer is None and pairing.status != "active":
        return []
    return people


def timed_event(meeting: Any) -> Event:
    """An iCalendar event with what every Horizon invitation carries: the stable UID, the
    rising SEQUENCE (a calendar updates the event in place) and the times in UTC. Planned
    meetings, circle meetings and office hours each have these five columns."""
    event = Event()
    event.add("uid", meeting.uid)
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", (meeting.updated_at or utcnow()).replace(tzinfo=UTC))
    event.add("dtstart", meeting.starts_at.replace(tzinfo=UTC))
    event.add("dtend", meeting.ends_at.replace(tzinfo=UTC))
    return event


def _event(meeting: PlannedMeeting, viewer: User | None = None) -> Event:
    pairing = meeting.pairing
    event = timed_event(meeting)
    event.add("summary", f"Mentoring: {pairing.mentor.name} & {pairing.mentee.name}")
    event.add(
        "status",
        {"proposed": "TENTATIVE", "accepted": "CONFIRMED", "cancelled": "CANCELLED"}[
            meeting.status.value
        ],
    )
    if meeting.place:
        event.add("location", meeting.place)
    link = f"{base_url()}/pairings/{pairing.id}/prep"
    # Only the prep link: no journal, practice or agreement text ever goes into a calendar.
    event.add("description", f"Prepare together: {link}")
    event.add("url", link)
    event.add("organizer", calendar_organizer())
    for person in _attendees(pairing, viewer):
        attendee = vCalAddress(f"mailto:{person.email}")
        attendee.params["cn"] = vText(person.name)
        attendee.params["role"] = vText("REQ-PARTICIPANT")
        attendee.params["partstat"] = vText(
            "ACCEPTED" if meeting.status is MeetingStatus.accepted else "NEEDS-ACTION"
        )
        event.add("attendee", attendee, encode=0)
    return event


def ics_bytes(
    meetings: list[PlannedMeeting], method: str | None = None, viewer: User | None = None
) -> bytes:
    """One calendar with an event per meeting, as `viewer` may read it; METHOD for e-mail only."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if method:
        calendar.add("method", method)
    else:
        calendar.add("x-wr-calname", "Horizon mentoring meetings")
    for meeting in meetings:
        calendar.add_component(_event(meeting, viewer))
    return calendar.to_ical()


def invitation(meeting: PlannedMeeting, viewer: User | None = None) -> bytes:
    """The downloadable .ics: a REQUEST, or a CANCEL once the meeting is called off."""
    method = "CANCEL" if meeting.status is MeetingStatus.cancelled else "REQUEST"
    return ics_bytes([meeting], method, viewer)


def feed(user: User, now: datetime) -> bytes:
    """The person's private feed: meetings from a week ago on, cancelled ones marked so."""
    query = (
        access.visible_planned_meetings(user)
        .where(PlannedMeeting.starts_at >= now - timedelta(days=7))
        .join(Pairing, Pairing.id == PlannedMeeting.pairing_id)
        .where(Pairing.status == "active")
        .options(
            joinedload(PlannedMeeting.pairing).joinedload(Pairing.mentor),
            joinedload(PlannedMeeting.pairing).joinedload(Pairing.mentee),
        )
        .order_by(PlannedMeeting.starts_at)
        .limit(500)
    )
    return ics_bytes(list(db.session.scalars(query)), viewer=user)
