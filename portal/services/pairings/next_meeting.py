"""The one answer to "when is this pair's next meeting?", for every page, e-mail and reminder.

A pair can agree a date in two ways: the meeting log's plan (a date, `MeetingPlan`) and an
accepted meeting on the schedule (a time, `PlannedMeeting`). The next meeting is the earliest
agreed one still ahead, whichever way it was agreed; on the same day the scheduled meeting
wins, since it carries a time and an invitation. Lists ask `next_meetings` once for all their
pairs (two queries however many pairs).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Date, DateTime, bindparam, select

from portal.extensions import db
from portal.models.kickoff import MeetingStatus, PlannedMeeting
from portal.models.meetings import MeetingPlan

_UTC = ZoneInfo("UTC")
# Ids per query: a programme-wide health pass asks for thousands of pairs at once.
_BATCH = 1000


@dataclass(frozen=True)
class NextMeeting:
    """The pair's next agreed meeting: its day in the zone asked for, and its time if it has one."""

    pairing_id: int
    day: date
    # Naive UTC; None when only a date was agreed (the meeting log's plan).
    starts_at: datetime | None = None
    meeting: PlannedMeeting | None = None

    def local_time(self, zone: ZoneInfo) -> datetime | None:
        """The agreed time in `zone`, or None for a date without a time."""
        if self.starts_at is None:
            return None
        return self.starts_at.replace(tzinfo=UTC).astimezone(zone)


def _local_day(moment: datetime, zone: ZoneInfo) -> date:
    return moment.replace(tzinfo=UTC).astimezone(zone).date()


def next_meetings(
    pairing_ids: list[int] | set[int],
    now: datetime,
    zone: ZoneInfo | None = None,
    plans: dict[int, date | None] | None = None,
) -> dict[int, NextMeeting]:
    """The next agreed meeting of each pairing that has one, keyed by pairing id.

    `now` is naive UTC; `zone` is the reader's (UTC for the programme team), which decides
    on which day a scheduled meeting falls and whether a planned date is still ahead.
    `plans` (pairing id -> the meeting log's planned date, for every one of the pairings)
    saves the plan query when the caller has read them already.
    """
    ids = sorted(set(pairing_ids))
    if not ids:
        return {}
    zone = zone or _UTC
    found: dict[int, NextMeeting] = {}
    for start in range(0, len(ids), _BATCH):
        found.update(_next_of(ids[start : start + _BATCH], now, zone, plans))
    return found


# Built once (the same statements for any pairings): planned dates from ``today`` on, and
# accepted meetings from ``now`` on, soonest first.
_PLANS_AHEAD = select(MeetingPlan.pairing_id, MeetingPlan.next_meeting_on).where(
    MeetingPlan.pairing_id.in_(bindparam("ids", expanding=True)),
    MeetingPlan.next_meeting_on >= bindparam("today", type_=Date),
)
_MEETINGS_AHEAD = (
    select(PlannedMeeting)
    .where(
        PlannedMeeting.pairing_id.in_(bindparam("ids", expanding=True)),
        PlannedMeeting.status == MeetingStatus.accepted,
        PlannedMeeting.starts_at >= bindparam("now", type_=DateTime),
    )
    .order_by(PlannedMeeting.pairing_id, PlannedMeeting.starts_at, PlannedMeeting.id)
)


def _next_of(
    ids: list[int], now: datetime, zone: ZoneInfo, known: dict[int, date | None] | None
) -> dict[int, NextMeeting]:
    today = _local_day(now, zone)
    found: dict[int, NextMeeting] = {}
    if known is None:
        plans = db.session.execute(_PLANS_AHEAD, {"ids": ids, "today": today})
    else:
        plans = [(i, known[i]) for i in ids if known.get(i) is not None and known[i] >= today]
    for pairing_id, day in plans:
        found[pairing_id] = NextMeeting(pairing_id, day)
    meetings = db.session.scalars(_MEETINGS_AHEAD, {"ids": ids, "now": now})
    seen: set[int] = set()
    for meeting in meetings:
        if meeting.pairing_id in seen:
            continue  # only each pair's soonest meeting counts
        seen.add(meeting.pairing_id)
        day = _local_day(meeting.starts_at, zone)
        planned = found.get(meeting.pairing_id)
        if planned is None or day <= planned.day:
            found[meeting.pairing_id] = NextMeeting(
                meeting.pairing_id, day, meeting.starts_at, meeting
            )
    return found


def next_meeting(
    pairing_id: int, now: datetime, zone: ZoneInfo | None = None
) -> NextMeeting | None:
    """The next agreed meeting of one pairing, or None."""
    return next_meetings([pairing_id], now, zone).get(pairing_id)
