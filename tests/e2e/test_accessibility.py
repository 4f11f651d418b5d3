"""Do Horizon's pages pass axe-core's WCAG 2.1 AA checks, on a desktop and on a phone?"""

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Membership, MembershipStatus, Pairing, Program, Role
from portal.models.circles import Circle, PracticeCircleAudience
from portal.models.jobs import BackgroundJob, JobStatus
from portal.models.journal import JournalEntry, Visibility
from portal.models.kickoff import Goal
from portal.models.practice import Practice
from portal.services.accounts import find_by_email
from tests.e2e.conftest import DESKTOP, PHONE, accessibility_violations, html_errors, sign_in

PAGES = {
    None: [
        "/auth/login",
        "/auth/register",
        "/auth/register/sent",
        "/auth/forgot",
        "/programs/",
        "/programs/spring-2027",
    ],
    "mentee@example.org": [
        "/dashboard/",
        "/notifications/",
        "/auth/password",
        "/programs/spring-2027/apply",
        "/journal/",
        "/journal/new",
        "/journal/{entry}",
        "/journal/{entry}/edit",
        "/practice/",
        "/practice/new",
        "/practice/{practice}",
        "/pairings/",
        "/pairings/{pairing}",
        "/pairings/{pairing}/prep",
        "/pairings/{pairing}/partner",
        "/pairings/{pairing}/agreement",
        "/pairings/{pairing}/goals",
        "/pairings/{pairing}/goals/{goal}",
        "/pairings/{pairing}/schedule",
        "/profile/",
        "/circles/{circle}",
        "/circles/{circle}/prep",
        "/circles/{circle}/practices/{circle_practice}",
    ],
    "mentor@example.org": [
        "/dashboard/",
        "/journal/shared",
        "/journal/{entry}",
        "/pairings/{pairing}/schedule",
        "/circles/{circle}/prep",
    ],
    "admin@example.org": [
        "/dashboard/",
        "/admin/",
        "/admin/programs",
        "/admin/programs/new",
        "/admin/programs/spring-2027/edit",
        "/admin/enrollment",
        "/admin/programs/spring-2027/import",
        "/admin/matching/spring-2027",
        "/admin/audit",
        "/admin/outbox",
        "/admin/people/erase",
        "/admin/people/{waiting_mentee}/erase",
        "/admin/programs/spring-2027/jobs/{job}",
        "/admin/enrollment/{applicant}",
        "/admin/enrollment/{applicant}/decide?decision=decline",
        "/admin/matching/spring-2027/approve-all",
        "/admin/matching/spring-2027/mentees/{waiting_mentee}/mentors",
        "/practice/library",
        "/admin/programs/leadership-2026/kickoff",
        "/admin/programs/leadership-2026/agreement",
        "/admin/programs/leadership-2026/pairs",
        "/admin/programs/leadership-2026/pairs/{pairing}",
        "/admin/programs/leadership-2026/analytics",
        "/admin/analytics",
        "/admin/programs/leadership-2026/roi",
        "/admin/programs/leadership-2026/roi/outcomes",
        "/admin/programs/growth-2026/guide",
        "/admin/programs/growth-2026/surveys/midpoint/comments",
        "/admin/programs/leadership-2026/message",
        "/admin/requests",
    ],
    "lead@example.org": [
        "/dashboard/",
        "/admin/",
        "/admin/enrollment?program=spring-2027&sort=name",
        "/admin/matching/spring-2027",
        "/admin/audit",
        "/admin/programs/spring-2027/pairs",
        "/admin/programs/spring-2027/analytics",
        "/admin/programs/spring-2027/message",
        "/admin/programs/spring-2027/import",
    ],
}


def demo_ids(app) -> dict[str, int]:
    """Ids of the demo mentee's shared entry, practice and pairing, for the page paths."""
    with app.app_context():
        mentee = find_by_email("mentee@example.org")
        entry = db.session.scalar(
            select(JournalEntry.id).where(
                JournalEntry.author_id == mentee.id, JournalEntry.visibility == Visibility.shared
            )
        )
        practice = db.session.scalar(select(Practice.id).where(Practice.owner_id == mentee.id))
        pairing = db.session.scalar(select(Pairing.id).where(Pairing.mentee_id == mentee.id))
        goal = db.session.scalar(select(Goal.id).where(Goal.owner_id == mentee.id))
        job = db.session.scalar(select(BackgroundJob.id)) or _finished_import(mentee)
        circle = db.session.scalar(
            select(Circle.id).where(Circle.theme == "Leading through change")
        )
        circle_practice = db.session.scalar(
            select(PracticeCircleAudience.practice_id).where(
                PracticeCircleAudience.circle_id == circle
            )
        )
        cohort = select(Membership).join(Program).where(Program.slug == "spring-2027")
        applicant = db.session.scalar(
            cohort.where(Membership.status == MembershipStatus.applied).limit(1)
        )
        waiting = db.session.scalar(
            cohort.where(
                Membership.status == MembershipStatus.active, Membership.role == Role.mentee
            ).limit(1)
        )
    return {
        "entry": entry,
        "practice": practice,
        "pairing": pairing,
        "applicant": applicant.id,
        "waiting_mentee": waiting.user_id,
        "goal": goal,
        "job": job,
        "circle": circle,
        "circle_practice": circle_practice,
    }


def _finished_import(actor) -> int:
    """A finished import into the spring cohort, so its result page can be checked."""
    program = db.session.scalar(select(Program).where(Program.slug == "spring-2027"))
    job = BackgroundJob(
        kind="csv_import",
        program_id=program.id,
        started_by_id=actor.id,
        status=JobStatus.done,
        total=20,
        done=20,
        result={"created": 18, "updated": 2, "skipped": 0, "invited": 18},
    )
    db.session.add(job)
    db.session.commit()
    return job.id


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
@pytest.mark.parametrize("who", list(PAGES), ids=lambda w: w or "anonymous")
def test_are_the_pages_accessible(live_server, new_page, who, viewport):
    page = new_page(viewport=viewport, bypass_csp=True)
    if who:
        sign_in(page, live_server, who)
    problems = {}
    ids = demo_ids(live_server.app)
    for path in PAGES[who]:
        response = page.goto(live_server(path.format(**ids)))
        assert response.ok, f"{path} answered {response.status}"
        found = accessibility_violations(page)
        if found:
            problems[path] = found
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"], f"{path} scrolls sideways ({width}px)"
    assert problems == {}


@pytest.mark.parametrize("who", list(PAGES), ids=lambda w: w or "anonymous")
def test_is_every_page_valid_html(live_server, new_page, who, tmp_path):
    """The W3C Nu checker finds no error in any page, as each role sees it."""
    page = new_page()
    if who:
        sign_in(page, live_server, who)
    ids = demo_ids(live_server.app)
    documents = {}
    for path in PAGES[who]:
        response = page.request.get(live_server(path.format(**ids)))
        assert response.ok, f"{path} answered {response.status}"
        documents[path] = response.text()
    assert html_errors(documents, tmp_path) == {}
