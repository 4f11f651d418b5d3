"""What each role's dashboard shows, gathered in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from portal.core.time import local_today
from portal.extensions import db
from portal.models import (
    Membership,
    MembershipCount,
    MembershipStatus,
    Notification,
    Pairing,
    PairingStatus,
    Program,
    Role,
    User,
)
from portal.services import access, journal, practice
from portal.services.circles import health as circle_health
from portal.services.circles import page as circles_page
from portal.services.insights import office_hours as office_hours_panel
from portal.services.insights import panel as insights_panel
from portal.services.pairings import panel as guide_panel
from portal.services.pairings import steps
from portal.services.pairings.meetings import MeetingDue, meeting_dues
from portal.services.platform.notifications import latest
from portal.services.practice import PracticePanel


@dataclass
class ProgramHealth:
    """Aggregate numbers an admin may see for one programme: counts, never content."""

    program: Program
    mentors: int = 0
    mentees: int = 0
    applications: int = 0
    active_pairings: int = 0
    completed_pairings: int = 0
    # What waits for the programme team: proposed pairs to approve, pairs at risk today.
    proposed_pairings: int = 0
    at_risk: int = 0
    # Circles at risk today (suppressed below 5 people); None for a programme without circles.
    circles_at_risk: int | str | None = None

    @property
    def matched_pairings(self) -> int:
        """Pairs that met or meet: a mentee whose pairing completed was matched."""
        return self.active_pairings + self.completed_pairings

    @property
    def unmatched_mentees(self) -> int:
        return max(self.mentees - self.matched_pairings, 0)


@dataclass
class Dashboard:
    """One person's dashboard: what the dashboard itself loads, and the panel each domain
    returns when asked (`<domain>.panel(...)`); no domain imports this module."""

    user: User
    memberships: list[Membership] = field(default_factory=list)
    pairings: list[Pairing] = field(default_factory=list)
    notifications: list[Notification] = field(default_factory=list)
    programs_health: list[ProgramHealth] = field(default_factory=list)
    journal: journal.JournalPanel = field(default_factory=journal.JournalPanel)
    practice: PracticePanel | None = None
    meeting_dues: list[MeetingDue] = field(default_factory=list)
    first_steps: list[steps.FirstSteps] = field(default_factory=list)
    guide: guide_panel.GuidePanel = field(default_factory=guide_panel.GuidePanel)
    turned_at_risk: list = field(default_factory=list)
    office_hours: list = field(default_factory=list)
    # A programme lead (not a portal admin): their programmes' panel.
    leads: bool = False
    circles: list = field(default_factory=list)

    def roles(self) -> set[str]:
        roles = {m.role.value for m in self.memberships if m.status is MembershipStatus.active}
        if self.user.is_portal_admin:
            roles.add("admin")
        elif self.leads:
            roles.add("lead")
        return roles

    def pairings_as(self, role: str, current: bool = True) -> list[Pairing]:
        """The user's running pairings in one role, or (``current=False``) the completed ones."""
        return [
            p
            for p in self.pairings
            if p.role_of(self.user) == role and (p.status is PairingStatus.active) == current
        ]

    @property
    def review_count(self) -> int | None:
        """The header's count of shared entries waiting for the user's review, when this
        dashboard knows it already (None otherwise): nothing waits on someone who mentors
        no active pairing (the loaded pairings hold every open active one), and a mentor's
        journal panel counted them."""
        if not any(
            p.mentor_id == self.user.id and p.status is PairingStatus.active for p in self.pairings
        ):
            return 0
        return self.journal.review_count if "mentor" in self.roles() else None

    @property
    def pending_memberships(self) -> list[Membership]:
        return [m for m in self.memberships if m.status is MembershipStatus.applied]


def dashboard_for(user: User) -> Dashboard:
    """Gather one person's dashboard: memberships, partners, notifications, then each domain's
    panel from the pairings loaded here (a fixed number of queries whatever the size)."""
    # Built once per process (`access.prebuilt`), the viewer as a parameter.
    own_memberships = access.prebuilt(
        "dashboard.memberships",
        lambda viewer: (
            access.visible_memberships(viewer)
            .where(Membership.user_id == viewer.id)
            .options(joinedload(Membership.program))
            .order_by(Membership.created_at.desc())
        ),
        is_portal_admin=bool(user.is_portal_admin),
    )
    memberships = db.session.scalars(own_memberships, access.viewer_params(user)).all()
    partners = access.prebuilt(
        "dashboard.pairings",
        lambda viewer: (
            access.sharing_pairings(viewer)
            .options(
                joinedload(Pairing.program), joinedload(Pairing.mentor), joinedload(Pairing.mentee)
            )
            .order_by(Pairing.approved_at.desc())
        ),
    )
    pairings = db.session.scalars(partners, access.viewer_params(user)).all()
    board = Dashboard(
        user=user,
        memberships=list(memberships),
        pairings=list(pairings),
        notifications=latest(user, limit=5),
    )
    board.leads = not user.is_portal_admin and access.leads_any_program(user)
    roles = board.roles()
    if user.is_portal_admin or board.leads:
        board.programs_health = programs_health(user)
    if board.leads:
        at_risk = insights_panel.at_risk_counts([row.program for row in board.programs_health])
        circles_at_risk = circle_health.at_risk_by_programme(
            [row.program for row in board.programs_health]
        )
        for row in board.programs_health:
            row.at_risk = at_risk.get(row.program.id, 0)
            row.circles_at_risk = circles_at_risk.get(row.program.id)
    board.journal = journal.panel(user, roles, board.pairings)
    board.practice = practice.panel(user, roles, board.pairings)
    if roles & {"mentor", "mentee"}:
        board.meeting_dues = meeting_dues(board.pairings, local_today(user), user.zone)
    board.first_steps = steps.panel(user, board.pairings)
    board.guide = guide_panel.panel(user, board.pairings)
    # Only those who run a programme have insight and office-hours panels: no query for
    # anyone else.
    runs = user.is_portal_admin or board.leads
    board.turned_at_risk = insights_panel.panel(user) if runs else []
    board.office_hours = office_hours_panel.panel(user) if runs else []
    board.circles = circles_page.panel(user)
    return board


def programs_health(user: User) -> list[ProgramHealth]:
    """Counts per programme for the admin dashboard, in three queries whatever the size."""
    programs = db.session.scalars(
        access.run_programs(user).order_by(Program.starts_on.desc())
    ).all()
    health = {p.id: ProgramHealth(program=p) for p in programs}
    # Kept by database triggers (see MembershipCount): a few rows, not every membership.
    member_counts = db.session.execute(
        select(
            MembershipCount.program_id,
            MembershipCount.role,
            MembershipCount.status,
            MembershipCount.members,
        ).where(MembershipCount.program_id.in_(list(health)), MembershipCount.members > 0)
    )
    for program_id, role, status, count in member_counts:
        row = health[program_id]
        if status == MembershipStatus.applied.value:
            row.applications += count
        elif status == MembershipStatus.active.value:
            if role == Role.mentor.value:
                row.mentors += count
            else:
                row.mentees += count
    pairing_counts = db.session.execute(
        select(Pairing.program_id, Pairing.status, func.count())
        .where(
            Pairing.status.in_(
                [PairingStatus.active, PairingStatus.completed, PairingStatus.proposed]
            )
        )
        .group_by(Pairing.program_id, Pairing.status)
    )
    for program_id, status, count in pairing_counts:
        if program_id not in health:
            continue
        if status is PairingStatus.active:
            health[program_id].active_pairings = count
        elif status is PairingStatus.proposed:
            health[program_id].proposed_pairings = count
        else:
            health[program_id].completed_pairings = count
    return list(health.values())
