"""Circle meetings: a member or the facilitator plans a time (shown in everyone's own zone),
everyone downloads the same `.ics` (the pairings' iCalendar helpers: stable UID, SEQUENCE),
and the facilitator records who came (docs/circles.md).

Who sees a meeting: the circle's facilitator and current members; a former member sees the
meetings that started before they left (as with shared material, nothing new reaches them).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from icalendar import Calendar, vCalAddress, vText
from sqlalchemy import select

from portal.core.errors import NotVisible
from portal.core.time import in_zone
from portal.extensions import db
from portal.models import User, utcnow
from portal.models.circles import Circle, CircleAttendance, CircleMeeting
from portal.services import access
from portal.services.pairings import KickoffError
from portal.services.pairings.mail import base_url
from portal.services.pairings.schedule import (
    PRODID,
    MeetingTerms,
    calendar_organizer,
    meeting_start,
    timed_event,
)
from portal.services.platform.links import path_for
from portal.services.platform.notifications import notify

MeetingError = KickoffError  # a message for one form field: day, start_time, minutes, place


def _left_at(user: User, circle: Circle) -> datetime | None | bool:
    """None for the facilitator or a current member, the leaving time of a former member."""
    if circle.facilitator_id == user.id:
        return None
    stints = [s for s in circle.stints if s.user_id == user.id]
    if any(s.left_at is None for s in stints):
        return None
    return max(s.left_at for s in stints) if stints else False


def meetings_of(user: User, circle: Circle) -> list[CircleMeeting]:
    """The circle's meetings this person sees, soonest last."""
    left = _left_at(user, circle)
    if left is False:
        return []
    query = select(CircleMeeting).where(CircleMeeting.circle_id == circle.id)
    if left is not None:
        query = query.where(CircleMeeting.starts_at < left)
    return list(db.session.scalars(query.order_by(CircleMeeting.starts_at)))


def meeting_or_404(user: User, circle_id: int, meeting_id: int) -> CircleMeeting:
    circle = access.circle_or_404(user, circle_id)
    found = next((m for m in meetings_of(user, circle) if m.id == meeting_id), None)
    if found is None:
        raise NotVisible
    return found


def plan(user: User, circle_id: int, terms: MeetingTerms, now: datetime | None = None):
    """Plan a meeting (facilitator or a current member, while the circle is active); every
    other member is told, with the time in their own zone on the circle page."""
    circle = access.circle_or_404(user, circle_id)
    if not access.is_sharable_circle(user, circle):
        raise MeetingError("Only the circle's current people plan its meetings.", "day")
    starts_at = meeting_start(user, terms, now or utcnow())
    meeting = CircleMeeting(
        circle_id=circle.id,
        uid=f"{uuid.uuid4()}@horizon",
        starts_at=starts_at,
        minutes=terms.minutes,
        place=(terms.place or "").replace("\x00", "").strip(),
        proposed_by_id=user.id,
    )
    db.session.add(meeting)
    db.session.flush()
    link = path_for("circles.circle", circle_id=circle.id)
    people = {circle.facilitator_id, *(s.user_id for s in circle.current_stints)} - {user.id}
    for person_id in sorted(people):
        notify(person_id, "circle_meeting", f"{user.name} planned a circle meeting.", link)
    db.session.commit()
    return meeting


def record_attendance(user: User, meeting: CircleMeeting, attended: set[int]) -> int:
    """The facilitator records who came, once the meeting has started; returns how many came."""
    circle = meeting.circle
    if circle.facilitator_id != user.id:
        raise MeetingError("Only the facilitator records attendance.", "attended")
    if meeting.starts_at > utcnow():
        raise MeetingError("Record attendance once the meeting has started.", "attended")
    members = {s.user_id for s in circle.stints if s.joined_at <= meeting.starts_at}
    existing = {a.user_id: a for a in meeting.attendance}
    for member_id in sorted(members):
        row = existing.get(member_id) or CircleAttendance(meeting=meeting, user_id=member_id)
        row.attended = member_id in attended
        row.recorded_at = utcnow()
        db.session.add(row)
    db.session.commit()
    return len(attended & members)


def local_times(circle: Circle, meeting: CircleMeeting) -> list[tuple[str, str]]:
    """(name, the start in their own zone): how the time lands for each current person."""
    people = [circle.facilitator, *(s.user for s in circle.current_stints)]
    return [
        (p.name, in_zone(meeting.starts_at, p.zone).strftime("%a %d %b %Y, %H:%M")) for p in people
    ]


def invitation(meeting: CircleMeeting) -> bytes:
    """The `.ics` everyone downloads: one REQUEST event; no shared text, only the page link."""
    circle = meeting.circle
    event = timed_event(meeting)
    event.add("summary", f"Circle: {circle.theme}")
    event.add("status", "CONFIRMED")
    if meeting.place:
        event.add("location", meeting.place)
    link = f"{base_url()}{path_for('circles.circle', circle_id=circle.id)}"
    event.add("description", f"Your circle: {link}")
    event.add("url", link)
    event.add("organizer", calendar_organizer())
    for person in [circle.facilitator, *(s.user for s in circle.current_stints)]:
        attendee = vCalAddress(f"mailto:{person.email}")
        attendee.params["cn"] = vText(person.name)
        attendee.params["role"] = vText("REQ-PARTICIPANT")
        event.add("attendee", attendee, encode=0)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "REQUEST")
    calendar.add_component(event)
    return calendar.to_ical()
