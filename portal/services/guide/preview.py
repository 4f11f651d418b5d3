"""What each message looks like, for a programme admin, with invented sample people."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from flask import render_template

from portal.models import Program, User
from portal.models.guide import SurveyRound
from portal.models.kickoff import PlannedMeeting
from portal.models.meetings import Meeting
from portal.models.practice import Practice
from portal.services.guide.kinds import KINDS


def preview(program: Program, kind: str, today: date) -> tuple[str, str]:
    """The subject and body a participant would receive (sample names, never real ones)."""
    if kind not in KINDS:
        raise KeyError(kind)
    you = User(id=0, name="Alex Sample", email="alex@example.org", timezone="Europe/Berlin")
    partner = User(id=0, name="Sam Example", email="sam@example.org", timezone="Europe/Berlin")
    tomorrow = datetime.combine(today + timedelta(days=1), datetime.min.time()).replace(hour=10)
    samples = {
        "meeting_tomorrow": (
            f"Tomorrow: your meeting with {partner.name} at 10:00",
            {
                "partner": partner,
                "meeting": PlannedMeeting(minutes=60, place="Room 2.14"),
                "local": tomorrow.replace(tzinfo=UTC),
            },
        ),
        "meeting_overdue": (
            f"A gentle nudge: time to meet {partner.name} again",
            {"partner": partner, "held": today - timedelta(days=40), "cadence": program.cadence},
        ),
        "no_first_meeting": (
            f"Time for a first meeting with {partner.name}",
            {"partner": partner, "since": today - timedelta(days=14)},
        ),
        "unsigned_agreement": (
            "Your mentoring agreement is waiting for your signature",
            {"partner": partner, "version": 2},
        ),
        "quiet_practice": (
            "How is 'Practising active listening' going?",
            {
                "practice": Practice(title="Practising active listening"),
                "since": today - timedelta(days=8),
            },
        ),
        "weekly_digest": (
            f"This week from {partner.name}",
            {"partner": partner, "titles": ["A sample shared entry title"], "check_ins": 3},
        ),
        "survey": (
            f"Midpoint survey: how is {program.name} going?",
            {"program": program, "round": SurveyRound.midpoint},
        ),
        "meeting_rating": (
            f"How useful was your meeting of {today:%-d %B}?",
            {"partner": partner, "meeting": Meeting(held_on=today)},
        ),
        "closing": (
            "Closing the year: the path forward",
            {"partner": partner, "program": program},
        ),
    }
    subject, context = samples[kind]
    body = render_template(
        f"guide/email/{kind}.txt",
        recipient=you,
        link="https://horizon.example.org/…",
        unsubscribe_url="https://horizon.example.org/unsubscribe/…",
        **context,
    )
    return subject, body
