"""Circles and people's data rights: does "Download my data" hold a person's own circle
material (and never another member's text), and does erasure remove or keep it as the page
states, for a member, a former member, a facilitator, without breaking the circle for the
others? (docs/data_rights.md, "Circles")"""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import User, utcnow
from portal.models.circles import (
    CircleAgendaPoint,
    CircleAgreementSignature,
    CircleAgreementVersion,
    CircleAttendance,
    CircleComment,
    CircleIntroduction,
    CircleMeeting,
    CircleMember,
    CircleReflection,
    EntryCircleAudience,
    PracticeCircleAudience,
)
from portal.models.guide import SurveyCircleAnswer
from portal.models.journal import JournalEntry
from portal.models.practice import Practice
from portal.models.programs import ProgramFormat
from portal.services.accounts import data_rights
from portal.services.circles import agreement as agreements
from portal.services.circles import prep, review, talk
from tests.factories import (
    DEFAULT_PASSWORD,
    leave_circle,
    make_admin,
    make_circle,
    make_entry,
    make_practice,
    make_program,
    make_survey_response,
    make_user,
    share_with_circle,
)

THEME = "ZQC-theme"


@pytest.fixture
def world():
    """Fran facilitates; Mia, Noor and Ola were members, Ola left with a note for the team.
    Every text carries its writer's marker, so a test can tell whose text it sees."""
    program = make_program(format=ProgramFormat.circles)
    fran, mia, noor, ola = (make_user(name=n) for n in ("Fran", "Mia", "Noor", "Ola"))
    circle = make_circle(
        program,
        facilitator=fran,
        members=[mia, noor, ola],
        theme=THEME,
        approved_at=utcnow() - timedelta(days=20),
    )
    entry = make_entry(author=mia, title="For the circle", body="ZQC-mia-entry", audience=[])
    share_with_circle(entry, circle)
    practice = make_practice(owner=mia, title="ZQC-mia-practice", audience=[])
    share_with_circle(practice, circle)
    noors = make_entry(author=noor, title="Noor's", body="ZQC-noor-entry", audience=[])
    share_with_circle(noors, circle)
    talk.add_comment(mia, circle.id, "entries", noors.id, "ZQC-mia-comment")
    talk.add_comment(noor, circle.id, "entries", entry.id, "ZQC-noor-comment-on-mia")
    talk.add_comment(fran, circle.id, "practices", practice.id, "ZQC-fran-cheer")
    talk.save_introduction(mia, circle.id, "ZQC-mia-intro")
    talk.save_introduction(noor, circle.id, "ZQC-noor-intro")
    talk.save_introduction(fran, circle.id, "ZQC-fran-intro")
    prep.add_point(mia, circle.id, "ZQC-mia-agenda")
    prep.add_point(noor, circle.id, "ZQC-noor-agenda")
    # Fran saves a text and Mia signs it; Mia saves the next text, Noor a later one.
    signed = agreements.save(fran, circle.id, "ZQC-fran-agreement", 1)
    agreements.sign(mia, circle.id, signed)
    hers = agreements.save(mia, circle.id, "ZQC-mia-agreement", signed)
    agreements.save(noor, circle.id, "ZQC-noor-agreement", hers)
    review.save_reflection(mia, circle.id, "ZQC-mia-reflection", False)
    review.save_reflection(noor, circle.id, "ZQC-noor-reflection", True)
    meeting = CircleMeeting(
        circle_id=circle.id,
        uid="zqc-meeting@horizon",
        starts_at=utcnow() - timedelta(days=2),
        place="ZQC-mia-place",
        proposed_by_id=mia.id,
    )
    db.session.add(meeting)
    db.session.flush()
    for person in (mia, noor):
        db.session.add(CircleAttendance(meeting_id=meeting.id, user_id=person.id, attended=True))
    response = make_survey_response(program, mia, comment="ZQC-mia-survey")
    db.session.add(SurveyCircleAnswer(response_id=response.id, circle_id=circle.id, usefulness=4))
    db.session.commit()
    leave_circle(circle, ola, note="ZQC-ola-leave")
    return circle, fran, mia, noor, ola


def _files(user) -> dict[str, str]:
    data, _ = data_rights.build_zip(user)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name).decode() for name in archive.namelist()}


def _all(files) -> str:
    return "\n".join(files.values())


def test_does_a_members_export_hold_their_circle_material_and_no_one_elses(world):
    circle, _, mia, _, _ = world
    files = _files(mia)
    text = _all(files)
    for mine in (
        "ZQC-mia-entry",
        "ZQC-mia-comment",
        "ZQC-mia-intro",
        "ZQC-mia-agenda",
        "ZQC-mia-agreement",
        "ZQC-mia-reflection",
        "ZQC-mia-place",
        THEME,
    ):
        assert mine in text, mine
    for theirs in (
        "ZQC-noor-entry",
        "ZQC-noor-comment-on-mia",
        "ZQC-noor-intro",
        "ZQC-noor-agenda",
        "ZQC-noor-agreement",
        "ZQC-noor-reflection",
        "ZQC-fran-agreement",
        "ZQC-fran-cheer",
        "ZQC-fran-intro",
        "ZQC-ola-leave",
    ):
        assert theirs not in text, theirs
    [stint] = json.loads(files["circle_stints.json"])
    assert (stint["circle_id"], stint["role"], stint["circle_theme"]) == (
        circle.id,
        "member",
        THEME,
    )
    assert stint["left_at"] is None and stint["joined_at"]
    # Which circles her items were shared with: an entry and a practice, in this circle.
    assert [r["circle_id"] for r in json.loads(files["entry_circle_audiences.json"])] == [circle.id]
    assert len(json.loads(files["practice_circle_audiences.json"])) == 1
    [signature] = json.loads(files["circle_agreement_signatures.json"])
    [version] = json.loads(files["circle_agreement_versions.json"])
    # She signed the version Fran saved (its number, not its text), and saved the next one.
    assert signature["agreement_version"] == version["version"] - 1
    assert "ZQC-mia-agreement" in files[f"circle_agreement_versions/{version['id']}.md"]
    assert json.loads(files["survey_circle_answers.json"])[0]["usefulness"] == 4
    assert json.loads(files["circle_attendance.json"])[0]["attended"] is True
    assert json.loads(files["circles_facilitated.json"]) == []
    readme = files["README.md"]
    for line in (
        "- circle_stints.json: 1",
        "- circle_comments.json: 1",
        "- circle_introductions: 1",
        "- circle_agenda_points.json: 1",
        "- circle_agreement_versions: 1",
        "- circle_agreement_signatures.json: 1",
        "- circle_reflections: 1",
        "- circle_meetings_planned.json: 1",
        "- circle_attendance.json: 1",
        "- entry_circle_audiences.json: 1",
        "- survey_circle_answers.json: 1",
    ):
        assert line in readme, line


def test_does_a_facilitators_export_hold_their_circles_and_not_the_members_text(world):
    circle, fran, _, _, _ = world
    files = _files(fran)
    text = _all(files)
    [led] = json.loads(files["circles_facilitated.json"])
    assert (led["id"], led["theme"], led["role"]) == (circle.id, THEME, "facilitator")
    assert "explanation" not in led and "score" not in led
    assert "ZQC-fran-cheer" in text and "ZQC-fran-intro" in text and "ZQC-fran-agreement" in text
    for theirs in ("ZQC-mia", "ZQC-noor", "ZQC-ola-leave"):
        assert theirs not in text, theirs
    assert json.loads(files["circle_stints.json"]) == []


def test_does_a_former_members_export_hold_their_own_leave_note(world):
    _, _, _, _, ola = world
    [stint] = json.loads(_files(ola)["circle_stints.json"])
    assert stint["leave_note"] == "ZQC-ola-leave" and stint["left_at"] is not None


def _erase(person, mode: str, via: str) -> dict[str, int]:
    if via == "admin":
        return data_rights.erase_for(person, mode, person.email, make_admin())
    data_rights.request_erasure(person, mode, password=DEFAULT_PASSWORD)
    db.session.commit()
    data_rights.pending_erasure(person).due_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert data_rights.erase_due_accounts.call_local() == 1
    return {}


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _texts() -> str:
    return "\n".join(
        str(t)
        for query in (
            select(CircleComment.body),
            select(CircleIntroduction.text),
            select(CircleAgendaPoint.text),
            select(CircleReflection.text),
            select(CircleAgreementVersion.text),
            select(CircleMember.leave_note),
            select(JournalEntry.body),
            select(Practice.title),
        )
        for t in db.session.scalars(query)
    )


@pytest.mark.parametrize("via", ["own", "admin"])
def test_does_delete_it_too_remove_a_members_circle_text_and_keep_the_circle_whole(
    client, auth, world, via
):
    circle, fran, mia, noor, _ = world
    preview = data_rights.circle_preview(mia)
    removed = _erase(mia, "remove", via)
    db.session.expire_all()
    if via == "admin":  # what the page stated is what happened, kind by kind
        assert {k: removed[k] for k in data_rights.CIRCLE_PHRASES if k in removed} == {
            k: n for k, n in preview.items() if k != "circles_facilitated"
        }
    assert preview["circle_comments"] == 1 and preview["entry_circle_audiences"] == 1
    assert preview["circle_stints_ended"] == 1 and preview["survey_circle_answers"] == 1
    text = _texts()
    for gone in (
        "ZQC-mia-entry",
        "ZQC-mia-practice",
        "ZQC-mia-comment",
        "ZQC-mia-intro",
        "ZQC-mia-agenda",
        "ZQC-mia-reflection",
        "ZQC-noor-comment-on-mia",  # went with Mia's entry, as on a partner's entry
        "ZQC-fran-cheer",  # and Fran's with her practice
    ):
        assert gone not in text, gone
    for kept in (
        "ZQC-noor-entry",
        "ZQC-noor-intro",
        "ZQC-noor-agenda",
        "ZQC-noor-reflection",
        "ZQC-fran-intro",
        "ZQC-mia-agreement",  # the circle's agreement as saved and signed
        "ZQC-noor-agreement",
        "ZQC-ola-leave",
    ):
        assert kept in text, kept
    assert _count(EntryCircleAudience) == 1 and _count(PracticeCircleAudience) == 0
    assert _count(SurveyCircleAnswer) == 0
    # Her stint stays (the circle's counts), ended, without the matcher's reasons.
    [stint] = db.session.scalars(select(CircleMember).where(CircleMember.user_id == mia.id))
    assert stint.left_at is not None and stint.explanation is None and stint.score is None
    assert _count(CircleAgreementSignature, CircleAgreementSignature.user_id == mia.id) == 1
    assert _count(CircleAttendance, CircleAttendance.user_id == mia.id) == 1
    assert db.session.get(User, mia.id).name == "Former participant"
    for person in (noor, fran):
        auth.login(person)
        for url in ("", "/agreement", "/prep", "/review"):
            page = client.get(f"/circles/{circle.id}{url}")
            assert page.status_code == 200, url
            assert "Mia" not in page.text
        auth.logout()


def test_does_keep_it_keep_what_a_member_shared_with_the_circle(client, auth, world):
    circle, _, mia, noor, _ = world
    preview = data_rights.circle_preview(mia)
    removed = data_rights.erase_for(mia, "anonymise", mia.email, make_admin())
    db.session.expire_all()
    text = _texts()
    for kept in ("ZQC-mia-entry", "ZQC-mia-practice", "ZQC-mia-comment", "ZQC-mia-agenda"):
        assert kept in text, kept
    for gone in ("ZQC-mia-intro", "ZQC-mia-reflection"):
        assert gone not in text, gone
    assert _count(EntryCircleAudience) == 2 and _count(PracticeCircleAudience) == 1
    assert "circle_comments" not in removed and "entry_circle_audiences" not in removed
    assert removed["circle_introductions"] == preview["circle_introductions"] == 1
    assert removed["circle_reflections"] == preview["circle_reflections"] == 1
    entry = db.session.scalar(select(JournalEntry).where(JournalEntry.body == "ZQC-mia-entry"))
    auth.login(noor)
    page = client.get(f"/circles/{circle.id}/entries/{entry.id}")
    assert page.status_code == 200
    assert "ZQC-mia-entry" in page.text and "Former participant" in page.text
    assert "Mia" not in page.text


@pytest.mark.parametrize("mode", ["remove", "anonymise"])
def test_does_erasing_the_facilitator_leave_the_circle_to_its_members(client, auth, world, mode):
    circle, fran, mia, _, _ = world
    auth.login(make_admin())
    page = client.get(f"/admin/people/{fran.id}/erase").text
    assert "1 circle facilitated" in page and "1 circle comment" in page
    assert page.index("1 circle facilitated") < page.index("Type their e-mail address")
    assert "ZQC-fran" not in page  # counts, never text
    response = client.post(
        f"/admin/people/{fran.id}/erase", data={"mode": mode, "email": fran.email}
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert circle.facilitator_id == fran.id  # the circle stays, led by a tombstone
    assert "ZQC-fran-intro" not in _texts()
    assert ("ZQC-fran-cheer" in "\n".join(db.session.scalars(select(CircleComment.body)))) is (
        mode == "anonymise"
    )
    board = client.get(f"/admin/programs/{circle.program.slug}/circles")
    assert board.status_code == 200 and "Former participant" in board.text
    auth.logout()
    auth.login(mia)
    for url in ("", "/agreement", "/prep", "/review"):
        page = client.get(f"/circles/{circle.id}{url}")
        assert page.status_code == 200, url
        assert "Fran" not in page.text
    assert "Former participant" in client.get(f"/circles/{circle.id}").text


def test_does_erasing_a_former_member_drop_their_note_and_keep_their_stint(world):
    circle, _, _, _, ola = world
    [before] = db.session.scalars(
        select(CircleMember.left_at).where(CircleMember.user_id == ola.id)
    )
    preview = data_rights.circle_preview(ola)
    assert preview["circle_leave_notes"] == 1 and preview["circle_stints_ended"] == 0
    removed = data_rights.erase_for(ola, "remove", ola.email, make_admin())
    assert removed["circle_leave_notes"] == 1 and removed["circle_stints_ended"] == 0
    db.session.expire_all()
    [stint] = db.session.scalars(select(CircleMember).where(CircleMember.user_id == ola.id))
    assert stint.leave_note is None and stint.left_at == before
    assert len(circle.stints) == 3  # the circle's history keeps its three members


def test_does_the_delete_page_state_my_circle_material_before_i_confirm(client, auth, world):
    _, _, mia, _, _ = world
    auth.login(mia)
    page = client.get("/profile/delete").text
    assert "In circles your account holds" in page
    assert "1 circle comment" in page and "1 circle introduction" in page
    assert "1 current circle membership" in page and "2 items shared with a circle" in page
    assert page.index("1 circle comment") < page.index('name="password"')
    auth.logout()
    auth.login(make_user())
    assert "In circles your account holds" not in client.get("/profile/delete").text


def test_does_a_failure_during_erasure_leave_the_circle_material_untouched(world, monkeypatch):
    """One transaction: when a later step fails, nothing of the circle part stays done."""
    _, _, mia, _, _ = world

    def broken(*args, **kwargs):
        raise RuntimeError("the audit log is unreachable")

    monkeypatch.setattr(data_rights.audit, "record", broken)
    with pytest.raises(RuntimeError):
        data_rights.erase_for(mia, "remove", mia.email, make_admin())
    db.session.rollback()
    db.session.expire_all()
    assert "ZQC-mia-intro" in _texts() and "ZQC-mia-comment" in _texts()
    [stint] = db.session.scalars(select(CircleMember).where(CircleMember.user_id == mia.id))
    assert stint.left_at is None
    assert db.session.get(User, mia.id).erased_at is None


@pytest.mark.parametrize("mode", ["remove", "anonymise"])
def test_does_a_share_with_one_person_follow_the_authors_export_and_erasure(world, mode):
    from portal.models.circles import EntryPrivateShare
    from tests.factories import share_with_one

    circle, fran, mia, _, _ = world
    alone = make_entry(author=mia, title="Only Fran", body="ZQC-mia-alone", audience=[])
    share_with_one(alone, circle, fran)
    db.session.commit()
    exported = _files(mia)
    [name] = [n for n in exported if "entry_private_shares" in n]
    assert json.loads(exported[name])[0]["entry_id"] == alone.id
    assert data_rights.circle_preview(mia)["entry_private_shares"] == 1

    alone_id = alone.id
    _erase(mia, mode, "admin")
    db.session.expire_all()
    kept = db.session.get(JournalEntry, alone_id)
    if mode == "remove":  # "Delete it too": the entry and the one person's share go
        assert kept is None and _count(EntryPrivateShare) == 0
    else:  # "Keep it": still shared with Fran alone, by a former participant
        assert kept is not None and kept.is_shared and _count(EntryPrivateShare) == 1
