"""The kinds of message the guide sends: wording, default timing, what a programme may change.

This registry is the one home of a reminder's wording: the finders in `reminders.py` and the
admin's preview both format `Kind.subject` and `Kind.notice` with the same fields.

Subjects travel through mail servers and are listed on `/admin/outbox`, so a subject never
quotes what a participant wrote (practice or entry titles, goal text, names people typed,
names of people): its fields are dates, times, counts and the programme's own name and survey
round. `SUBJECT_FIELDS` lists the fields a subject may use; a test holds every kind to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from string import Formatter

# What a subject may be formatted with: nothing a participant typed.
SUBJECT_FIELDS = frozenset({"at", "held", "since", "day", "program", "round"})


@dataclass(frozen=True)
class Kind:
    key: str
    label: str
    # What the person is told on their preferences page.
    description: str
    # The e-mail subject and the in-app notice, as `str.format` templates (see SUBJECT_FIELDS).
    subject: str = ""
    notice: str = ""
    # A programme may switch the nudge off; `days` is its timing, where it has one.
    days: int | None = None
    days_label: str = ""
    # Opt-in kinds reach nobody until the person switches them on.
    opt_in: bool = False
    programme_setting: bool = True
    # News (services/reminders/news.py): told as it happens; only its e-mail is a choice.
    news: bool = False
    # How many days after its event (`Message.event_on`) a message is still worth sending; a
    # message found later (a meeting logged months after it was held, a first start on old
    # data, a worker that was down) is dropped instead of sent late. None: the finder itself
    # only finds what is current (tomorrow's meeting, this Monday's digest, an open survey).
    window: int | None = None

    def __post_init__(self) -> None:
        used = {name.split(".")[0] for _, name, _, _ in Formatter().parse(self.subject) if name}
        if not used <= SUBJECT_FIELDS:
            raise ValueError(f"{self.key}: a subject may not use {sorted(used - SUBJECT_FIELDS)}")

    def subject_for(self, **fields) -> str:
        """The e-mail subject: dates, times, counts and programme names only."""
        return self.subject.format(**fields)

    def notice_for(self, **fields) -> str:
        """The in-app notice, seen by the recipient only."""
        return self.notice.format(**fields)

    def days_or_default(self, days: int | None) -> int:
        """A programme's timing for this kind, or the kind's default."""
        return days or self.days or 0


# No person gets more than this many scheduled e-mails in 24 hours; the rest reach them in the
# app, and the next weekly digest counts what waits there.
DAILY_EMAIL_CAP = 2
# When more is due for one person than the cap allows, the more useful go first.
PRIORITY = (
    "meeting_tomorrow",
    "office_hour_tomorrow",
    "mentor_request_reminder",
    "weekly_digest",
    "survey",
    "closing",
    "meet_check",
    "unsigned_agreement",
    "no_first_meeting",
    "meeting_overdue",
    "quiet_practice",
    "meeting_rating",
)

KINDS: dict[str, Kind] = {
    kind.key: kind
    for kind in (
        Kind(
            "meeting_tomorrow",
            "Meeting tomorrow",
            "The day before a planned meeting, with the calendar invitation.",
            subject="Tomorrow: your mentoring meeting{at}",
            notice="Tomorrow{at}: your meeting with {partner}.",
        ),
        Kind(
            "meeting_overdue",
            "No recent meeting",
            "A gentle nudge when no meeting was logged within the programme's rhythm.",
            subject="A gentle nudge: time to meet your partner again",
            notice="Your last meeting with {partner} was on {held:%-d %B}.",
            days=7,
            days_label="Grace period after the cadence (days)",
            window=30,
        ),
        Kind(
            "no_first_meeting",
            "No first meeting yet",
            "When no meeting is logged some time after the pairing was approved.",
            subject="Time for a first meeting with your partner",
            notice="You and {partner} have not logged a first meeting yet.",
            days=14,
            days_label="Days after approval",
            window=30,
        ),
        Kind(
            "unsigned_agreement",
            "Agreement not signed",
            "When the mentoring agreement is still unsigned.",
            subject="Your mentoring agreement is waiting for your signature",
            notice="Your agreement with {partner} is not signed yet.",
            days=7,
            days_label="Days after the agreement was last saved",
            window=30,
        ),
        Kind(
            "quiet_practice",
            "Quiet practice",
            "When an active practice of yours has had no check-in for a while.",
            subject="How is your practice going?",
            notice="No check-in on '{title}' since {since:%-d %B}.",
            days=7,
            days_label="Days without a check-in",
            opt_in=True,
            window=30,
        ),
        Kind(
            "weekly_digest",
            "Weekly digest",
            "Monday mornings: titles and counts of what your partner shared that week.",
            subject="This week from your partner",
            notice="This week {partner} shared {entries} and {check_ins} check-ins.",
        ),
        Kind(
            "survey",
            "Pulse surveys",
            "The programme's midpoint and closing surveys.",
            subject="{round.label}: how is {program} going?",
            notice="{round.label} for {program}: three questions, two minutes.",
        ),
        Kind(
            "meeting_rating",
            "After a meeting",
            "One optional question after each logged meeting: how useful was it?",
            subject="How useful was your meeting of {held:%-d %B}?",
            notice="How useful was your meeting of {held:%-d %B}? One question.",
            window=3,
        ),
        Kind(
            "closing",
            "Closing the year",
            "In the programme's last month: writing your closing reflection.",
            subject="Closing the year: the path forward",
            notice="The year with {partner} is closing: write your reflection.",
        ),
        Kind(
            "mentor_request_reminder",
            "A request is waiting",
            "When a mentee's request to you has waited a week (mentees choose their mentor).",
            subject="A mentoring request in {program} is waiting for your answer",
            notice="A mentee's request in {program} is waiting for your answer.",
        ),
        Kind(
            "office_hour_tomorrow",
            "Office hour tomorrow",
            "The day before an office hour you booked or offered.",
            subject="Tomorrow: your office hour{at}",
            notice="Tomorrow{at}: your office hour with {partner}.",
        ),
        Kind(
            "meet_check",
            "Did you meet?",
            "A couple of weeks into a pairing you chose: one click to say whether you have met.",
            subject="Did you meet your mentoring partner?",
            notice="Did you and {partner} meet yet? One click.",
        ),
    )
}


# News: told by e-mail as it happens (not on a schedule), to the person it concerns. Each has
# a preference (e-mail on by default) and a one-click unsubscribe; the in-app notice always
# comes. News e-mails count towards the daily cap, so scheduled nudges yield to them, but news
# is never held back by it: it is what the person most needs to know.
NEWS: dict[str, Kind] = {
    kind.key: kind
    for kind in (
        Kind(
            "paired",
            "You have a partner",
            "When you are paired with a mentor or a mentee (once the programme team's short "
            "undo window has passed).",
            subject="You have a mentoring partner in {program}",
            news=True,
        ),
        Kind(
            "pairing_ended",
            "A pairing ends",
            "When one of your pairings ends.",
            subject="Your pairing in {program} has ended",
            news=True,
        ),
        Kind(
            "request_answered",
            "Answers to your requests",
            "When a mentor you asked answers, is away, or the request runs out (mentees choose).",
            subject="Your mentoring request in {program} has an answer",
            news=True,
        ),
        Kind(
            "application_decided",
            "Your applications",
            "When the programme team decides on your application to a programme.",
            subject="Your application to {program} was decided",
            news=True,
        ),
        Kind(
            "team_message",
            "Messages from the programme team",
            "A message the programme team sends to a cohort or to a group of pairs.",
            subject="A message from the {program} team",
            news=True,
        ),
    )
}

# Every kind a person chooses channels for (the preferences page and unsubscribe links).
MESSAGE_KINDS: dict[str, Kind] = {**KINDS, **NEWS}
