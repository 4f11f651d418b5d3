"""A programme lead's journeys: a two-way swap, a decline with undo, and keyboard focus."""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.extensions import db
from portal.models import Membership, MembershipStatus, Notification, Pairing, Program, Role
from tests.e2e.conftest import PHONE, sign_in


def _every_mentor_takes_one(server) -> None:
    """Leave the cohort with every mentor full once matched: swaps must exchange."""
    with server.app.app_context():
        mentors = db.session.scalars(
            select(Membership)
            .join(Program)
            .where(Program.slug == "spring-2027", Membership.role == Role.mentor)
        ).all()
        for member in mentors:
            member.profile = {**(member.profile or {}), "capacity": 1}
        db.session.commit()


def _mentors(server) -> dict[str, str]:
    with server.app.app_context():
        return {
            p.mentee.name: p.mentor.name
            for p in db.session.scalars(
                select(Pairing).join(Program).where(Program.slug == "spring-2027")
            )
        }


def test_a_two_way_swap_when_every_mentor_is_full(live_server, new_page):
    _every_mentor_takes_one(live_server)
    page = new_page()
    sign_in(page, live_server, "lead@example.org")  # the co-lead runs this cohort
    page.goto(live_server("/admin/matching/spring-2027"))
    page.get_by_role("button", name="Propose matches").click()
    expect(page.locator(".proposal").first).to_be_visible()
    expect(page.locator(".stat-row")).to_contain_text(re.compile(r"\b0\s*free mentor places"))
    before = _mentors(live_server)

    page.locator(".proposal").first.get_by_role("link", name=re.compile("^Change mentor")).click()
    choices = page.locator("#mentor-choices")
    expect(choices).to_contain_text("exchange with")
    offer = choices.locator(".choice-row-item").filter(has_text="exchange with").first
    expect(offer).to_contain_text("→")  # the other pair's score change, shown first
    other = re.search(r"exchange with (.+?), who would get", offer.inner_text()).group(1)
    mentee = page.get_by_role("heading", level=1).inner_text().removeprefix("Change the mentor of ")
    offer.get_by_role("button", name=re.compile("^Exchange mentors")).click()
    expect(page.locator(".flash--success")).to_contain_text("Exchanged mentors")

    after = _mentors(live_server)
    assert after[mentee] == before[other] and after[other] == before[mentee]


def test_a_decline_is_confirmed_with_a_reason_and_undone(live_server, new_page):
    page = new_page(viewport=PHONE)
    sign_in(page, live_server, "admin@example.org")
    page.goto(live_server("/admin/enrollment?program=spring-2027"))
    first = page.locator(".queue__item").first
    name = first.locator(".queue__name strong").inner_text()
    first.get_by_role("link", name=re.compile("^Decline")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Decline 1 application?")
    page.get_by_label(re.compile("^Reason")).fill("Applied to the wrong cohort.")
    page.get_by_role("button", name="Yes, decline 1 application").click()
    expect(page.locator(".flash--success")).to_contain_text(f"{name}: declined.")
    # The queue's list no longer has them; the Undo panel (inside the queue) names them.
    expect(page.locator("#enrollment-queue .queue")).not_to_contain_text(name)

    undo = page.locator("#enrollment-queue .undo-panel")
    expect(undo).to_contain_text(f"Declined {name}")
    undo.get_by_role("button", name=re.compile("^Undo")).click()
    expect(page.locator(".flash--success")).to_contain_text("Nobody was told")
    expect(page.locator("#enrollment-queue .queue")).to_contain_text(name)
    with live_server.app.app_context():
        member = db.session.scalar(
            select(Membership).join(Membership.user).where(Membership.user.has(name=name))
        )
        assert member.status is MembershipStatus.applied
        assert (
            db.session.scalar(
                select(Notification.id).where(
                    Notification.user_id == member.user_id,
                    Notification.kind == "application",
                    Notification.message.contains("not accepted"),
                )
            )
            is None
        )


def test_keyboard_focus_after_an_htmx_check_in(live_server, new_page):
    page = new_page()
    sign_in(page, live_server, "mentee@example.org")
    page.goto(live_server("/practice/"))
    page.locator(".practice-card a, a.practice-card__title, main a[href^='/practice/']").filter(
        has_not_text="New"
    ).first.click()
    expect(page).to_have_url(re.compile(r"/practice/\d+$"))
    note = page.get_by_label("What did you notice?")
    note.focus()
    page.keyboard.type("Listening first made the meeting calmer.")
    button = page.get_by_role("button", name="Check in", exact=True)
    button.focus()
    page.keyboard.press("Enter")  # a keyboard activation, as a person without a mouse
    log = page.locator("#practice-activity")
    expect(log).to_contain_text("Listening first made the meeting calmer.")
    # Focus stays in the updated region, not on <body>; the result is announced.
    page.wait_for_function(
        "document.activeElement !== document.body"
        " && document.getElementById('practice-activity').contains(document.activeElement)"
    )
    expect(page.locator("#live-region")).not_to_be_empty()
    # The account menu closes on Escape and gives focus back to its button.
    page.locator(".user-menu summary").click()
    expect(page.locator(".user-menu")).to_have_attribute("open", "")
    page.keyboard.press("Escape")
    expect(page.locator(".user-menu")).not_to_have_attribute("open", "")
    expect(page.locator(".user-menu summary")).to_be_focused()


@pytest.mark.parametrize("javascript", [True, False], ids=["js-on", "js-off"])
def test_the_application_form_shows_the_questions_of_the_chosen_role(
    live_server, new_page, javascript
):
    page = new_page(javascript=javascript)
    sign_in(page, live_server, "mentee@example.org")
    page.goto(live_server("/programs/spring-2027/apply"))
    mentee_part = page.get_by_role("heading", name="For mentees")
    mentor_part = page.get_by_role("heading", name="For mentors")
    page.get_by_label("Mentor: I want to help").check()
    expect(mentor_part).to_be_visible()
    expect(mentee_part).to_be_hidden()
    page.get_by_label("Mentee: I want to grow").check()
    expect(mentee_part).to_be_visible()
    expect(mentor_part).to_be_hidden()
