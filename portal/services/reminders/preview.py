"""What each message looks like, for a programme admin, with invented sample people."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from flask import render_template

from portal.models import Program, User
from portal.models.guide import SurveyRound
from portal.models.kickoff import PlannedMeeting
from portal.models.meetings import Meeting
from portal.models.practice import Practice
from portal.services.reminders.kinds import KINDS


def preview(program: Program, kind: str, today: date) -> tuple[str, str]:
    """The subject and body a participant would receive (sample names, never real ones)."""
    if kind not in KINDS:
        raise KeyError(kind)
    you = User(id=0, name="Alex Sample", email="alex@example.org", timezone="Europe/Berlin")
    partner = User(id=0, name="Sam Example", email="sam@example.org", timezone="Europe/Berlin")
    tomorrow = datetime.combine(today + timedelta(days=1), datetime.min.time()).replace(hour=10)
    samples = {
        "meeting_tomorrow": (
            {"at": " at 10:00"},
            {
                "partner": partner,
                "meeting": PlannedMeeting(minutes=60, place="Room 2.14"),
                "local": tomorrow.replace(tzinfo=UTC),
            },
        ),
        "meeting_overdue": (
            {"held": today - timedelta(days=40)},
            {"partner": partner, "held": today - timedelta(days=40), "cadence": program.cadence},
        ),
        "no_first_meeting": (
            {},
            {"partner": partner, "since": today - timedelta(days=14)},
        ),
        "unsigned_agreement": (
            {},
            {"partner": partner, "version": 2},
        ),
        "quiet_practice": (
            {"since": today - timedelta(days=8)},
            {
                "practice": Practice(title="Practising active listening"),
                "since": today - timedelta(days=8),
            },
        ),
        "weekly_digest": (
            {},
            {"partner": partner, "titles": ["A sample shared entry title"], "check_ins": 3},
        ),
        "survey": (
            {"round": SurveyRound.midpoint, "program": program.name},
            {"program": program, "round": SurveyRound.midpoint},
        ),
        "meeting_rating": (
            {"held": today},
            {"partner": partner, "meeting": Meeting(held_on=today)},
        ),
        "closing": (
            {},
            {"partner": partner, "program": program},
        ),
        "mentor_request_reminder": (
            {"program": program.name},
            {"program": program, "expires_at": tomorrow + timedelta(days=7)},
        ),
        "office_hour_tomorrow": (
            {"at": " at 10:00"},
            {"partner": partner, "local": tomorrow.replace(tzinfo=UTC), "minutes": 30},
        ),
        "meet_check": (
            {},
            {"partner": partner, "program": program},
        ),
    }
    # The subject comes from the registry, as the real reminder's does.
    subject_fields, context = samples[kind]
    subject = KINDS[kind].subject_for(**subject_fields)
    body = render_template(
        f"reminders/email/{kind}.txt",
        recipient=you,
        link="https://horizon.example.org/…",
        unsubscribe_url="https://horizon.example.org/unsubscribe/…",
        **context,
    )
    return subject, body
