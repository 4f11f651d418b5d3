"""The guide's dashboard panel: open surveys, the closing, year in review, requests."""

from __future__ import annotations

from dataclasses import dataclass, field

from portal.models import Pairing, PairingStatus, Program, User, utcnow
from portal.models.guide import SurveyRound
from portal.services import access, surveys
from portal.services.pairings import closing
from portal.services.pairings import requests as pairing_requests


@dataclass
class GuidePanel:
    surveys: list[tuple[Program, SurveyRound]] = field(default_factory=list)
    closing: list[Pairing] = field(default_factory=list)
    completed: list[Pairing] = field(default_factory=list)
    open_requests: int = 0

    @property
    def empty(self) -> bool:
        return not (self.surveys or self.closing or self.completed or self.open_requests)


def panel(user: User, pairings: list[Pairing]) -> GuidePanel:
    """What the guide asks of this person now, from the pairings the dashboard loaded."""
    today = utcnow().replace(tzinfo=None).date()
    result = GuidePanel()
    seen: set[int] = set()
    for pairing in pairings:
        program = pairing.program
        if pairing.status is PairingStatus.completed:
            result.completed.append(pairing)
            continue
        round_ = surveys.open_round(program, today)
        if round_ and program.id not in seen and access.can_answer_survey(user, program):
            seen.add(program.id)
            if surveys.response_of(user, program, round_) is None:
                result.surveys.append((program, round_))
        if closing.is_closing(pairing, today):
            result.closing.append(pairing)
    if user.is_portal_admin:
        result.open_requests = pairing_requests.open_count()
    return result
