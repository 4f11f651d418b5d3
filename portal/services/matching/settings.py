"""A programme's matching settings, kept as JSON on the programme."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from portal.services.matching.scoring import DEFAULT_WEIGHTS
from portal.services.matching.solver import Mode


@dataclass
class MatchingSettings:
    weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    mode: Mode = Mode.best_total
    # Pairs scoring below this (0-100) are never proposed.
    min_score: float = 0.0
    # Mentees may rank up to three mentors; their picks then add to the score.
    self_selection: bool = False
    # Favour pairs from different departments.
    cross_department: bool = False

    @classmethod
    def from_json(cls, raw: dict[str, Any] | None) -> MatchingSettings:
        raw = raw or {}
        weights = {**DEFAULT_WEIGHTS, **(raw.get("weights") or {})}
        try:
            mode = Mode(raw.get("mode", Mode.best_total))
        except ValueError:
            mode = Mode.best_total
        return cls(
            weights={k: float(v) for k, v in weights.items() if k in DEFAULT_WEIGHTS},
            mode=mode,
            min_score=float(raw.get("min_score") or 0),
            self_selection=bool(raw.get("self_selection")),
            cross_department=bool(raw.get("cross_department")),
        )

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["mode"] = self.mode.value
        return data

    def effective_weights(self) -> dict[str, float]:
        """The weights the scorer uses: switched-off options weigh nothing."""
        weights = dict(self.weights)
        if not self.cross_department:
            weights["cross_department"] = 0.0
        elif weights.get("cross_department", 0) <= 0:
            weights["cross_department"] = 1.0
        if not self.self_selection:
            weights["picks"] = 0.0
        elif weights.get("picks", 0) <= 0:
            weights["picks"] = 2.0
        return weights
