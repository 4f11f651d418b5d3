"""A pair gets the midpoint survey, answers it, closes the year and opens the year in review."""

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.extensions import db
from portal.models import Membership, MembershipStatus, Pairing, PairingStatus, Program, Role
from portal.models.guide import SurveyResponse
from portal.models.meetings import Meeting
from portal.services.accounts import create_user
from portal.services.reminders.tasks import send_due_reminders
from tests.e2e.conftest import DESKTOP, PHONE, accessibility_violations, sign_in

PASSWORD = "guide-pair-password"
SHOTS = Path(__file__).parent / "artifacts"


def _pair(server) -> int:
    """A new pair in the programme at its midpoint, in UTC, with a meeting a fortnight ago."""
    with server.app.app_context():
        program = db.session.scalar(select(Program).where(Program.slug == "growth-2026"))
        mentee = create_user("ana@example.org", "Ana Lima", PASSWORD)
        mentor = create_user("ben@example.org", "Ben Okafor", PASSWORD)
        for person, role in ((mentee, Role.mentee), (mentor, Role.mentor)):
            db.session.add(
                Membership(user=person, program=program, role=role, status=MembershipStatus.active)
            )
        pairing = Pairing(program=program, mentor=mentor, mentee=mentee)
        pairing.activate()
        pairing.opens_at = pairing.approved_at  # both were told
        db.session.add(pairing)
        db.session.flush()
        db.session.add(Meeting(pairing_id=pairing.id, held_on=date.today() - timedelta(days=14)))
        db.session.commit()
        return pairing.id


def _worker_run(server, hour: int = 9) -> None:
    """The worker's real task, in this morning (UTC) for this UTC pair."""
    with server.app.app_context():
        moment = datetime.combine(date.today(), datetime.min.time()).replace(hour=hour)
        send_due_reminders.call_local(at=moment.isoformat())


@pytest.mark.parametrize("javascript", [True, False], ids=["js-on", "js-off"])
def test_a_pair_answers_the_midpoint_survey_closes_the_year_and_reads_its_review(
    live_server, new_page, javascript
):
    pairing_id = _pair(live_server)
    _worker_run(live_server)
    mentee = new_page(javascript=javascript, viewport=PHONE)
    sign_in(mentee, live_server, "ana@example.org", PASSWORD)
    mentee.get_by_role("link", name="Midpoint survey for Horizon Growth 2026").click()
    expect(mentee.get_by_text("The programme team will read this answer")).to_be_visible()
    # Sending without answers keeps the comment and says what is missing, next to the field.
    mentee.get_by_label("Anything you would like the programme team to know?").fill(
        "The first month felt slow."
    )
    mentee.get_by_role("button", name="Send my answers").click()
    expect(mentee.get_by_text("Choose an answer.").first).to_be_visible()
    expect(mentee.get_by_label("Anything you would like the programme team")).to_have_value(
        "The first month felt slow."
    )
    mentee.locator("#satisfaction").get_by_label("4", exact=True).check()
    mentee.locator("#recommend").get_by_label("9", exact=True).check()
    mentee.locator("#progress").get_by_label("3", exact=True).check()
    mentee.get_by_role("button", name="Send my answers").click()
    expect(mentee.get_by_role("heading", name="Thank you")).to_be_visible()
    with live_server.app.app_context():
        [answer] = (
            db.session.scalars(
                select(SurveyResponse)
                .join(Membership, Membership.user_id == SurveyResponse.user_id)
                .where(Membership.user.has(email="ana@example.org"))
            )
            .unique()
            .all()
        )
        assert (answer.satisfaction, answer.recommend, answer.progress) == (4, 9, 3)
        # Half a year later: the programme is in its last month.
        program = db.session.scalar(select(Program).where(Program.slug == "growth-2026"))
        program.starts_on, program.ends_on = (
            date.today() - timedelta(days=350),
            date.today() + timedelta(days=14),
        )
        db.session.commit()

    # Each writes a closing reflection; Ana shares hers, Ben keeps his private.
    mentor = new_page(javascript=javascript, viewport=DESKTOP)
    sign_in(mentor, live_server, "ben@example.org", PASSWORD)
    for page, visibility, text in (
        (mentee, "Me and my partner (shared)", "Ask first, then lead."),
        (mentor, "Only me (private)", "Mentor again, with fewer answers."),
    ):
        page.goto(live_server(f"/pairings/{pairing_id}/closing"))
        page.get_by_label("The path forward for me").fill(text)
        page.get_by_label(visibility).check()
        page.get_by_role("button", name="Save my reflection").click()
        expect(
            page.locator("#main").get_by_text("Your closing reflection is saved in your journal.")
        ).to_be_visible()
    # The last meeting is logged; the worker's next pass completes the pairing.
    with live_server.app.app_context():
        db.session.add(Meeting(pairing_id=pairing_id, held_on=date.today()))
        db.session.commit()
    _worker_run(live_server, hour=10)
    with live_server.app.app_context():
        assert db.session.get(Pairing, pairing_id).status is PairingStatus.completed

    mentee.goto(live_server("/dashboard/"))
    mentee.get_by_role("link", name="Year in review with Ben Okafor").click()
    expect(mentee.get_by_role("heading", name="Our year in review")).to_be_visible()
    expect(mentee.get_by_text("Ask first, then lead.")).to_be_visible()
    expect(mentee.get_by_text("Mentor again, with fewer answers.")).to_have_count(0)
    expect(mentee.get_by_text("kept their reflection private")).to_be_visible()
    mentor.goto(live_server(f"/pairings/{pairing_id}/review"))
    expect(mentor.get_by_text("Ask first, then lead.")).to_be_visible()
    if javascript:
        SHOTS.mkdir(exist_ok=True)
        mentee.screenshot(path=str(SHOTS / "guide-review-phone.png"), full_page=True)
        mentor.screenshot(path=str(SHOTS / "guide-review-desktop.png"), full_page=True)
        checker = new_page(bypass_csp=True)
        sign_in(checker, live_server, "ana@example.org", PASSWORD)
        for path in (
            f"/pairings/{pairing_id}/review",
            f"/pairings/{pairing_id}/closing",
            f"/pairings/{pairing_id}/request",
            "/surveys/growth-2026/midpoint",
            "/profile/reminders",
        ):
            for viewport in (DESKTOP, PHONE):
                checker.set_viewport_size(viewport)
                checker.goto(live_server(path))
                name = path.strip("/").replace("/", "-")
                checker.screenshot(
                    path=str(SHOTS / f"guide-{name}-{viewport['width']}.png"), full_page=True
                )
                assert accessibility_violations(checker) == [], (path, viewport)
