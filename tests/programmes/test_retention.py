"""Does a programme's retention remove what its pairings wrote, on the right day, once?"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Membership, ProgramStatus
from portal.models.enrollment import AuditEvent
from portal.models.guide import SurveyResponse
from portal.models.journal import EntryAudience, EntryComment, JournalEntry
from portal.models.kickoff import Agreement, Goal
from portal.models.meetings import AgendaPoint, Meeting
from portal.services.programmes import retention
from tests.factories import (
    make_admin,
    make_agenda_point,
    make_agreement,
    make_comment,
    make_entry,
    make_goal,
    make_meeting,
    make_pairing,
    make_program,
    make_survey_response,
)

SHARED, PRIVATE = "ZQR-shared-body", "ZQR-private-body"


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.fixture
def world(app):
    """A programme that ended on 31 March 2026, with everything its pairing wrote."""
    program = make_program(
        starts_on=date(2025, 4, 1), ends_on=date(2026, 3, 31), status=ProgramStatus.completed
    )
    pairing = make_pairing(program=program)
    mentee, mentor = pairing.mentee, pairing.mentor
    shared = make_entry(author=mentee, title="Shared", body=SHARED, audience=[pairing])
    make_entry(author=mentee, title="Mine", body=PRIVATE)
    make_comment(entry=shared, author=mentor, pairing=pairing, body="ZQR-comment")
    make_meeting(pairing, notes="ZQR-notes")
    make_agenda_point(pairing, mentee, text="ZQR-agenda")
    make_goal(pairing, mentee, title="ZQR-goal")
    make_agreement(pairing, hopes="ZQR-hopes")
    make_survey_response(program, mentee, comment="ZQR-survey")
    membership = db.session.scalar(select(Membership).where(Membership.user_id == mentee.id))
    membership.profile = {"why": "ZQR-application"}
    db.session.commit()
    return program, pairing


def _left(program, pairing) -> dict[str, int]:
    mine = (pairing.id,)
    return {
        "shares": _count(EntryAudience, EntryAudience.pairing_id.in_(mine)),
        "comments": _count(EntryComment, EntryComment.pairing_id.in_(mine)),
        "notes": _count(Meeting, Meeting.pairing_id.in_(mine), Meeting.notes != ""),
        "agenda": _count(AgendaPoint, AgendaPoint.pairing_id.in_(mine)),
        "goals": _count(Goal, Goal.pairing_id.in_(mine)),
        "agreements": _count(Agreement, Agreement.pairing_id.in_(mine)),
        "survey": _count(SurveyResponse, SurveyResponse.comment != ""),
    }


@pytest.mark.pure
@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 3, 31), 6, date(2026, 9, 30)),  # September has 30 days
        (date(2025, 8, 31), 6, date(2026, 2, 28)),
        (date(2027, 8, 31), 6, date(2028, 2, 29)),  # a leap year
        (date(2026, 11, 15), 2, date(2027, 1, 15)),  # across the year
        (date(2026, 3, 31), 0, date(2026, 3, 31)),
    ],
)
def test_are_months_added_to_the_end_date_at_the_month_ends(day, months, expected):
    assert retention.add_months(day, months) == expected


def test_is_content_kept_through_the_last_day_and_removed_the_day_after(world):
    program, pairing = world
    program.retention_months = 6
    db.session.commit()
    assert retention.removal_date(program) == date(2026, 10, 1)
    assert retention.apply_retention.call_local(today=date(2026, 9, 30)) == {}
    assert set(_left(program, pairing).values()) == {1}
    removed = retention.apply_retention.call_local(today=date(2026, 10, 1))
    assert removed["entry_shares"] == 1 and removed["meeting_notes"] == 1
    assert removed["application_answers"] == 1 and removed["agreement_versions"] >= 1
    assert set(_left(program, pairing).values()) == {0}
    # The author's own entries stay theirs; pairings and meetings' dates stay.
    bodies = set(db.session.scalars(select(JournalEntry.body)))
    assert {SHARED, PRIVATE} <= bodies
    assert _count(Meeting, Meeting.pairing_id == pairing.id) == 1
    profiles = db.session.scalars(
        select(Membership.profile).where(Membership.program_id == program.id)
    )
    assert all(p == {} for p in profiles)


def test_is_a_second_run_a_no_op_with_one_audit_line(world):
    program, pairing = world
    program.retention_months = 0  # the day after the end
    db.session.commit()
    first = retention.apply_retention.call_local(today=date(2026, 4, 1))
    assert sum(first.values()) >= 8
    second = retention.apply_retention.call_local(today=date(2026, 4, 2))
    assert sum(second.values()) == 0
    lines = list(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "program.retention_applied")
        )
    )
    assert len(lines) == 1 and lines[0].program_id == program.id
    assert "ZQR" not in f"{lines[0].summary} {lines[0].detail}"


def test_is_a_programme_without_retention_kept_forever(world):
    program, pairing = world
    assert program.retention_months is None and retention.removal_date(program) is None
    assert retention.apply_retention.call_local(today=date(2099, 1, 1)) == {}
    assert set(_left(program, pairing).values()) == {1}


def test_does_the_settings_page_show_what_it_will_remove_and_when(client, auth, world):
    program, _ = world
    program.retention_months = 6
    db.session.commit()
    auth.login(make_admin())
    page = client.get(f"/admin/programs/{program.slug}/edit").text
    assert "Retention" in page and "1 Oct 2026" in page
    assert "1 · meeting notes" in page and "1 · application answers" in page
    assert "ZQR" not in page  # counts, never text


def _edit_form(program, retention_months: str) -> dict[str, str]:
    """The programme's edit form, valid but for what the test puts in `retention_months`."""
    form = {
        "name": program.name,
        "starts_on": "2025-04-01",
        "ends_on": "2026-03-31",
        "cadence": "monthly",
        "status": "completed",
        "mode": "best_total",
        "min_score": "0",
        "retention_months": retention_months,
    }
    for name in ("goals", "values", "style", "seniority", "timezone", "format"):
        form[f"weight_{name}"] = "5"
    return form


@pytest.mark.parametrize("value", ["-1", "121", "99999999999999999999", "six", "1.5"])
def test_is_a_bad_retention_a_message_not_a_500(client, auth, world, value):
    program, _ = world
    auth.login(make_admin())
    response = client.post(f"/admin/programs/{program.slug}/edit", data=_edit_form(program, value))
    assert response.status_code == 422
    assert f'value="{value}"' in response.text or "Use 0 to 120" in response.text
    db.session.expire_all()
    assert program.retention_months is None


def test_does_saving_a_retention_store_it(client, auth, world):
    program, _ = world
    auth.login(make_admin())
    page = client.get(f"/admin/programs/{program.slug}/edit").text
    assert 'name="retention_months"' in page
    form = _edit_form(program, "12")
    assert client.post(f"/admin/programs/{program.slug}/edit", data=form).status_code == 303
    db.session.expire_all()
    assert program.retention_months == 12


def test_does_retention_reach_what_was_written_in_the_programmes_circles(world):
    from portal.models.circles import (
        CircleAgreement,
        CircleAgreementVersion,
        CircleMember,
        CircleReflection,
        EntryCircleAudience,
        EntryPrivateShare,
    )
    from tests.factories import leave_circle, make_circle, share_with_circle, share_with_one

    program, _ = world
    circle = make_circle(program)
    member, leaver = circle.stints[0].user, circle.stints[1].user
    entry = make_entry(author=member, title="Circle", body="ZQR-circle-entry")
    share_with_circle(entry, circle)
    alone = make_entry(author=member, title="Alone", body="ZQR-one-person")
    share_with_one(alone, circle, circle.stints[2].user)
    agreement = CircleAgreement(circle_id=circle.id, text="ZQR-circle-agreement")
    agreement.versions.append(CircleAgreementVersion(version=1, text="ZQR-circle-agreement"))
    db.session.add_all(
        [agreement, CircleReflection(circle_id=circle.id, user_id=member.id, text="ZQR-refl")]
    )
    db.session.commit()
    leave_circle(circle, leaver, note="ZQR-leave-note")
    program.retention_months = 0
    db.session.commit()
    assert retention.preview(program)["circle_reflections"] == 1

    removed = retention.apply_retention.call_local(today=date(2026, 4, 1))

    assert removed["circle_entry_shares"] == removed["circle_reflections"] == 1
    assert removed["circle_agreements"] == removed["circle_leave_notes"] == 1
    assert removed["circle_private_entry_shares"] == 1
    for model in (
        EntryCircleAudience,
        EntryPrivateShare,
        CircleAgreement,
        CircleAgreementVersion,
        CircleReflection,
    ):
        assert _count(model) == 0, model
    assert _count(CircleMember, CircleMember.leave_note.is_not(None)) == 0
    # The member's entry stays theirs; the circle and its stints stay.
    assert db.session.get(JournalEntry, entry.id).body == "ZQR-circle-entry"
    assert _count(CircleMember, CircleMember.circle_id == circle.id) == len(circle.stints)
