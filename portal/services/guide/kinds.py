"""The kinds of message the guide sends, their defaults, and what a programme may change."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    key: str
    label: str
    # What the person is told on their preferences page.
    description: str
    # A programme may switch the nudge off; `days` is its timing, where it has one.
    days: int | None = None
    days_label: str = ""
    # Opt-in kinds reach nobody until the person switches them on.
    opt_in: bool = False
    programme_setting: bool = True


KINDS: dict[str, Kind] = {
    kind.key: kind
    for kind in (
        Kind(
            "meeting_tomorrow",
            "Meeting tomorrow",
            "The day before a planned meeting, with the calendar invitation.",
        ),
        Kind(
            "meeting_overdue",
            "No recent meeting",
            "A gentle nudge when no meeting was logged within the programme's rhythm.",
            days=7,
            days_label="Grace period after the cadence (days)",
        ),
        Kind(
            "no_first_meeting",
            "No first meeting yet",
            "When no meeting is logged some time after the pairing was approved.",
            days=14,
            days_label="Days after approval",
        ),
        Kind(
            "unsigned_agreement",
            "Agreement not signed",
            "When the mentoring agreement is still unsigned.",
            days=7,
            days_label="Days after the agreement was last saved",
        ),
        Kind(
            "quiet_practice",
            "Quiet practice",
            "When an active practice of yours has had no check-in for a while.",
            days=7,
            days_label="Days without a check-in",
            opt_in=True,
        ),
        Kind(
            "weekly_digest",
            "Weekly digest",
            "Monday mornings: titles and counts of what your partner shared that week.",
        ),
        Kind(
            "survey",
            "Pulse surveys",
            "The programme's midpoint and closing surveys.",
        ),
        Kind(
            "meeting_rating",
            "After a meeting",
            "One optional question after each logged meeting: how useful was it?",
        ),
        Kind(
            "closing",
            "Closing the year",
            "In the programme's last month: writing your closing reflection.",
        ),
    )
}
