"""Return on investment: HR outcomes of participants against a comparison group.

Retention and promotion are compared with 95% Wilson score intervals. Nothing here claims
causation: people who join a mentoring programme may differ from those who do not.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from sqlalchemy import case, delete, func, select

from portal.extensions import db
from portal.models import Membership, Program, User, utcnow
from portal.models.insights import OutcomeGroup, OutcomeRecord
from portal.services.insights import suppression
from portal.services.insights.exports import SUPPRESSED
from portal.services.platform import audit
from portal.services.platform.csv_files import open_csv
from portal.services.platform.csv_files import rows as csv_rows

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
REQUIRED_COLUMNS = {"email", "hire_date"}
CSV_COLUMNS = ("email", "hire_date", "promotion_date", "exit_date", "group")
Z95 = 1.959963984540054
# Below this many people per group, a comparison says too little to be worth reading.
MIN_TO_CONCLUDE = 30
MAX_ROWS = 200_000


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval for a proportion (95% by default), as (low, high)."""
    if n <= 0:
        return (0.0, 1.0)
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z / denominator * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (max(0.0, centre - half), min(1.0, centre + half))


# --- the outcomes file ------------------------------------------------------------------


@dataclass
class OutcomeImport:
    rows: list[dict] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)
    imported: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


def _date(text: str, line: int, name: str, errors: list) -> date | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors.append((line, f"{name} “{text[:40]}” is not a date like 2025-03-31"))
        return None


def check_outcomes(program: Program, text: str) -> OutcomeImport:
    """Check every line first; errors name the file's line number (the header is line 1)."""
    result = OutcomeImport()
    reader = open_csv(text, REQUIRED_COLUMNS, CSV_COLUMNS, result.errors)
    if reader is None:
        return result
    members = set(
        db.session.scalars(
            select(func.lower(User.email))
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.active_in(program.id))
        )
    )
    seen: set[str] = set()
    today = date.today()
    for line, row in csv_rows(reader, result.errors):
        if len(result.rows) >= MAX_ROWS:
            result.errors.append((line, f"the file has more than {MAX_ROWS} rows"))
            break
        errors: list[tuple[int, str]] = []
        email = row.get("email", "").strip().lower()
        if not EMAIL.match(email) or len(email) > 254:
            errors.append((line, f"“{email[:60] or '(empty)'}” is not an e-mail address"))
        elif email in seen:
            errors.append((line, f"{email} appears twice in the file"))
        seen.add(email)
        hired = _date(row.get("hire_date", ""), line, "hire_date", errors)
        if hired is None and not any(m[1].startswith("hire_date") for m in errors):
            errors.append((line, "hire_date is empty"))
        promoted = _date(row.get("promotion_date", ""), line, "promotion_date", errors)
        left = _date(row.get("exit_date", ""), line, "exit_date", errors)
        for name, value in (("promotion_date", promoted), ("exit_date", left)):
            if hired and value and value < hired:
                errors.append((line, f"{name} is before hire_date"))
        for name, value in (
            ("hire_date", hired),
            ("promotion_date", promoted),
            ("exit_date", left),
        ):
            if value and value > today:
                errors.append((line, f"{name} is in the future"))
        group = row.get("group", "").strip().lower()
        if not group:
            group = OutcomeGroup.participant.value if email in members else "comparison"
        if group not in {g.value for g in OutcomeGroup}:
            errors.append((line, "group must be participant or comparison"))
        elif group == "participant" and email not in members and EMAIL.match(email):
            errors.append((line, f"{email} is not a participant of {program.name}"))
        elif group == "comparison" and email in members:
            errors.append((line, f"{email} takes part in {program.name}: not a comparison"))
        result.errors.extend(errors)
        result.rows.append(
            {
                "email": email,
                "group": group,
                "hired_on": hired,
                "promoted_on": promoted,
                "left_on": left,
            }
        )
    if not result.rows and not result.errors:
        result.errors.append((1, "the file has no rows"))
    return result


def import_outcomes(program: Program, text: str, actor: User) -> OutcomeImport:
    """Replace the programme's outcome records with the file's, all or none."""
    result = check_outcomes(program, text)
    if not result.ok:
        return result
    try:
        db.session.execute(delete(OutcomeRecord).where(OutcomeRecord.program_id == program.id))
        now = utcnow()
        db.session.add_all(
            OutcomeRecord(
                program_id=program.id,
                email=row["email"],
                group=OutcomeGroup(row["group"]),
                hired_on=row["hired_on"],
                promoted_on=row["promoted_on"],
                left_on=row["left_on"],
                imported_at=now,
            )
            for row in result.rows
        )
        counts = {g: sum(1 for r in result.rows if r["group"] == g.value) for g in OutcomeGroup}
        audit.record(
            actor,
            "roi.outcomes_imported",
            f"Imported HR outcomes: {counts[OutcomeGroup.participant]} participants, "
            f"{counts[OutcomeGroup.comparison]} in the comparison group",
            program,
        )
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    result.imported = len(result.rows)
    return result


# --- the comparison -----------------------------------------------------------------------


@dataclass
class Rate:
    """A proportion with its Wilson interval; suppressed below 5 people."""

    label: str
    successes: int
    n: int

    @property
    def suppressed(self) -> bool:
        """Fewer than 5 people, or fewer than 5 with (or without) the outcome: the yes and
        no counts are a breakdown of HR outcomes, suppressed by the one rule."""
        cells = suppression.breakdown({"yes": self.successes, "no": self.n - self.successes})
        return bool(cells.suppressed) or cells.total is None

    @property
    def value(self) -> float | None:
        return self.successes / self.n if self.n else None

    @property
    def interval(self) -> tuple[float, float] | None:
        return wilson(self.successes, self.n) if self.n else None

    def shown(self) -> str:
        if not self.n:
            return "–"
        if self.suppressed:
            return SUPPRESSED
        low, high = self.interval or (0, 0)
        return f"{self.value * 100:.1f}% (95% CI {low * 100:.1f}–{high * 100:.1f}%)"


@dataclass
class GroupOutcome:
    group: OutcomeGroup
    people: int
    still_observed: int
    retention: Rate
    promotion: Rate

    @property
    def shown_people(self) -> int | str:
        return suppression.count(self.people)

    @property
    def shown_still_observed(self) -> int | str:
        return suppression.count(self.still_observed)


@dataclass
class Comparison:
    reference_on: date
    horizon_days: int
    participants: GroupOutcome
    comparison: GroupOutcome
    imported_at: object | None

    @property
    def horizon_label(self) -> str:
        if self.horizon_days >= 365:
            return "12 months"
        return f"the first {self.horizon_days} days (12 months have not passed yet)"

    @property
    def too_small(self) -> bool:
        return min(self.participants.people, self.comparison.people) < MIN_TO_CONCLUDE

    def overlap(self, metric: str) -> bool:
        a = getattr(self.participants, metric).interval
        b = getattr(self.comparison, metric).interval
        return a is None or b is None or not (a[1] < b[0] or b[1] < a[0])

    @property
    def has_data(self) -> bool:
        return self.participants.people > 0

    @property
    def can_compare(self) -> bool:
        return self.participants.people > 0 and self.comparison.people > 0


def compare(program: Program, today: date) -> Comparison:
    """Retention and promotion since the programme's start, participants against comparison."""
    start = program.starts_on
    horizon = max(min(365, (today - start).days), 0)
    end = start + timedelta(days=horizon)
    # Only people employed on the start day are compared; later hires are counted apart.
    employed = (OutcomeRecord.hired_on <= start) & (
        OutcomeRecord.left_on.is_(None) | (OutcomeRecord.left_on > start)
    )
    retained = employed & (OutcomeRecord.left_on.is_(None) | (OutcomeRecord.left_on > end))
    promoted = employed & (OutcomeRecord.promoted_on > start) & (OutcomeRecord.promoted_on <= end)

    def tally(condition):
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    # Counted in the database, one row per group: no outcome record is loaded.
    counts = {
        _group(group): (people, later, kept, up)
        for group, people, later, kept, up in db.session.execute(
            select(
                OutcomeRecord.group,
                tally(employed),
                tally(~employed),
                tally(retained),
                tally(promoted),
            )
            .where(OutcomeRecord.program_id == program.id)
            .group_by(OutcomeRecord.group)
        )
    }
    imported_at = db.session.scalar(
        select(func.max(OutcomeRecord.imported_at)).where(OutcomeRecord.program_id == program.id)
    )
    groups = {}
    for group in OutcomeGroup:
        people, later, kept, up = (int(n) for n in counts.get(group, (0, 0, 0, 0)))
        groups[group] = GroupOutcome(
            group,
            people,
            later,
            Rate("Retention", kept, people),
            Rate("Promotion", up, people),
        )
    return Comparison(
        start,
        horizon,
        groups[OutcomeGroup.participant],
        groups[OutcomeGroup.comparison],
        imported_at,
    )


# --- the ROI estimate -----------------------------------------------------------------------


@dataclass
class CostInputs:
    cost_per_leaver: Decimal | None = None
    programme_cost: Decimal | None = None
    raw: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_args(cls, args) -> CostInputs:
        inputs = cls()
        for name in ("cost_per_leaver", "programme_cost"):
            text = (args.get(name) or "").strip()[:40]
            inputs.raw[name] = text
            if not text:
                continue
            try:
                value = Decimal(text.replace(",", "").replace(" ", ""))
            except InvalidOperation:
                inputs.errors[name] = "Write an amount, such as 45000 or 12500.50."
                continue
            if not value.is_finite() or value < 0 or value > Decimal("1e12"):
                inputs.errors[name] = "Write an amount from 0 to 1,000,000,000,000."
                continue
            setattr(inputs, name, value.quantize(Decimal("0.01")))
        return inputs

    @property
    def complete(self) -> bool:
        return (
            not self.errors and self.cost_per_leaver is not None and self.programme_cost is not None
        )


@dataclass
class Estimate:
    lines: list[tuple[str, str]]
    net: Decimal
    roi_percent: Decimal | None


def estimate(comparison: Comparison, inputs: CostInputs) -> Estimate | None:
    """Leavers avoided x cost per leaver - programme cost, with every step written out."""
    p, c = comparison.participants.retention, comparison.comparison.retention
    if not inputs.complete or not comparison.can_compare or p.suppressed or c.suppressed:
        return None
    assert inputs.cost_per_leaver is not None and inputs.programme_cost is not None
    difference = Decimal(str(p.value)) - Decimal(str(c.value))
    avoided = (difference * p.n).quantize(Decimal("0.01"))
    savings = (avoided * inputs.cost_per_leaver).quantize(Decimal("0.01"))
    net = savings - inputs.programme_cost
    roi = (
        (net / inputs.programme_cost * 100).quantize(Decimal("0.1"))
        if inputs.programme_cost
        else None
    )
    lines = [
        ("Retention of participants", f"{p.value * 100:.1f}%"),
        ("Retention of the comparison group", f"{c.value * 100:.1f}%"),
        ("Difference", f"{difference * 100:.1f} percentage points"),
        ("Leavers avoided", f"{difference * 100:.1f}% × {p.n} participants = {avoided}"),
        ("Savings", f"{avoided} × {inputs.cost_per_leaver:,} = {savings:,}"),
        ("Net of the programme's cost", f"{savings:,} − {inputs.programme_cost:,} = {net:,}"),
    ]
    if roi is not None:
        lines.append(("Return on investment", f"{net:,} ÷ {inputs.programme_cost:,} = {roi}%"))
    return Estimate(lines, net, roi)


def outcomes_csv_rows(comparison: Comparison) -> list[list]:
    """The comparison as CSV rows (groups below 5 people suppressed)."""
    rows = []
    for outcome in (comparison.participants, comparison.comparison):
        for rate in (outcome.retention, outcome.promotion):
            interval = rate.interval
            small = rate.suppressed
            rows.append(
                [
                    outcome.group.value,
                    rate.label,
                    SUPPRESSED if small else rate.n,
                    SUPPRESSED if small else rate.successes,
                    "" if small or rate.value is None else f"{rate.value:.4f}",
                    "" if small or interval is None else f"{interval[0]:.4f}",
                    "" if small or interval is None else f"{interval[1]:.4f}",
                ]
            )
    return rows


def _group(value: object) -> OutcomeGroup:
    return value if isinstance(value, OutcomeGroup) else OutcomeGroup(str(value))


ROI_CSV_HEADER = ["Group", "Measure", "People", "Yes", "Rate", "95% CI low", "95% CI high"]
