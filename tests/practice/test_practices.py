"""Creating practices from the library, listing them, closing them, and the partner's comments."""

from datetime import date, timedelta

from flask_migrate import upgrade
from sqlalchemy import func, select

from portal import MIGRATIONS_DIR, create_app
from portal.extensions import db
from portal.models import Notification
from portal.models.journal import JournalEntry, Visibility
from portal.models.practice import Practice, PracticeComment, PracticeStatus, PracticeTemplate
from portal.services import access
from portal.services.practice import ensure_built_in_templates
from tests.conftest import hx_headers
from tests.factories import (
    make_admin,
    make_check_in,
    make_membership,
    make_pairing,
    make_practice,
    make_program,
    make_user,
)

BUILT_IN = [
    "Active listening",
    "Research a new skill certification",
    "Write a vision statement",
    "Complete a self-assessment",
    "Interview another colleague",
]


def _form(**overrides):
    today = date.today()
    values = {
        "title": "Ask before advising",
        "action": "In every one-to-one, ask two questions before giving advice.",
        "idea": "From Marcus's story about his first team.",
        "starts_on": today.isoformat(),
        "ends_on": (today + timedelta(days=20)).isoformat(),
        "per_week": "3",
        "visibility": "shared",
        "source_entry_id": "None",
        "source_meeting_id": "None",
    }
    values.update(overrides)
    return values


def test_the_migration_seeds_the_built_in_library(tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'fresh.db'}"})
    with app.app_context():
        upgrade(directory=MIGRATIONS_DIR, revision="heads")
        titles = db.session.scalars(select(PracticeTemplate.title)).all()
        db.engine.dispose()
    assert set(BUILT_IN) <= set(titles)


def test_the_new_practice_page_offers_the_library_and_prefills_from_a_template(client, auth):
    ensure_built_in_templates()
    db.session.commit()
    user = make_user()
    auth.login(user)
    page = client.get("/practice/new").text
    for title in BUILT_IN:
        assert title in page
    assert 'name="title"' in page
    template = db.session.scalar(select(PracticeTemplate).where(PracticeTemplate.weeks == 4))
    page = client.get(f"/practice/new?template={template.id}").text
    assert f'value="{template.title}"' in page
    assert (date.today() + timedelta(days=27)).isoformat() in page  # four weeks by default


def test_creating_a_practice_from_a_template_keeps_the_link(client, auth):
    ensure_built_in_templates()
    db.session.commit()
    template = db.session.scalars(select(PracticeTemplate)).first()
    pairing = make_pairing()
    user = pairing.mentee
    auth.login(user)
    response = client.post("/practice/new", data=_form(template_id=str(template.id)))
    assert response.status_code == 303
    practice = db.session.scalars(select(Practice)).one()
    assert response.headers["Location"].endswith(f"/practice/{practice.id}")
    assert practice.owner_id == user.id and practice.template_id == template.id
    assert practice.visibility is Visibility.shared and practice.per_week == 3
    # shared in the owner's one current pairing
    assert [p.id for p in access.practice_audience(practice)] == [pairing.id]


def test_sharing_a_practice_without_a_current_partner_is_refused_and_the_text_kept(client, auth):
    auth.login(make_user())
    response = client.post("/practice/new", data=_form(title="Keep this title"))
    assert response.status_code == 422
    assert "You have no current partner to share with" in response.text
    assert 'value="Keep this title"' in response.text
    assert db.session.scalar(select(func.count(Practice.id))) == 0


def test_a_practice_can_come_from_a_journal_entry_the_user_may_read(client, auth):
    from tests.factories import make_practice_entry

    user = make_user()
    entry = make_practice_entry(user, title="My own story")
    auth.login(user)
    client.post("/practice/new", data=_form(source_entry_id=str(entry.id), visibility="private"))
    practice = db.session.scalars(select(Practice)).one()
    assert practice.source_entry_id == entry.id
    assert f'href="/journal/{entry.id}"' in client.get(f"/practice/{practice.id}").text


def test_someone_elses_private_entry_cannot_be_linked(client, auth):
    from tests.factories import make_practice_entry

    stranger_entry = make_practice_entry(make_user(), title="Not yours")
    user = make_user()
    auth.login(user)
    response = client.post("/practice/new", data=_form(source_entry_id=str(stranger_entry.id)))
    assert response.status_code == 422
    assert db.session.scalar(select(func.count(Practice.id))) == 0


def test_an_end_before_the_start_is_refused_and_the_text_kept(client, auth):
    auth.login(make_user())
    response = client.post(
        "/practice/new",
        data=_form(ends_on=(date.today() - timedelta(days=1)).isoformat(), title="Keep me"),
    )
    assert response.status_code == 422
    assert "The end date comes after the start date." in response.text
    assert 'value="Keep me"' in response.text
    assert db.session.scalar(select(func.count(Practice.id))) == 0


def test_a_missing_title_is_refused_next_to_the_field(client, auth):
    auth.login(make_user())
    response = client.post("/practice/new", data=_form(title=""))
    assert response.status_code == 422
    assert "Give your practice a short title." in response.text


def test_the_list_splits_active_planned_and_closed_with_progress(client, auth):
    user = make_user()
    active = make_practice(owner=user, title="Now running", per_week=2)
    make_check_in(active)
    make_practice(owner=user, title="Starts later", starts_on=date.today() + timedelta(days=5))
    make_practice(owner=user, title="All done", status=PracticeStatus.done, reflection="ok")
    auth.login(user)
    page = client.get("/practice/").text
    active_at, planned_at, closed_at = (
        page.index("Now running"),
        page.index("Starts later"),
        page.index("All done"),
    )
    assert page.index('id="active-heading"') < active_at < page.index('id="planned-heading"')
    assert page.index('id="planned-heading"') < planned_at < page.index('id="closed-heading"')
    assert page.index('id="closed-heading"') < closed_at
    assert "<strong>1</strong>/6 check-ins" in page


def test_a_partners_shared_practice_is_listed_separately(client, auth):
    pairing = make_pairing()
    make_practice(owner=pairing.mentor, title="Mentor's own practice")
    auth.login(pairing.mentee)
    page = client.get("/practice/").text
    assert page.index('id="partner-heading"') < page.index("Mentor&#39;s own practice")


def test_closing_with_a_reflection_and_turning_it_into_a_journal_entry(client, auth):
    practice = make_practice()
    auth.login(practice.owner)
    response = client.post(
        f"/practice/{practice.id}/close",
        data={"outcome": "done", "reflection": "Listening changed my one-to-ones."},
    )
    assert response.status_code == 303
    db.session.refresh(practice)
    assert practice.status is PracticeStatus.done and practice.closed_at is not None
    response = client.post(f"/practice/{practice.id}/journal")
    assert response.status_code == 303
    entry = db.session.scalars(select(JournalEntry)).one()
    assert response.headers["Location"] == f"/journal/{entry.id}"
    assert entry.author_id == practice.owner_id
    assert entry.visibility is Visibility.private
    assert entry.prompt_key == "practice-reflection"
    assert "Listening changed my one-to-ones." in entry.body
    # Asking twice does not make a second entry.
    client.post(f"/practice/{practice.id}/journal")
    assert db.session.scalar(select(func.count(JournalEntry.id))) == 1


def test_closing_needs_a_reflection_and_an_outcome(client, auth):
    practice = make_practice()
    auth.login(practice.owner)
    response = client.post(f"/practice/{practice.id}/close", data={"outcome": "dropped"})
    assert response.status_code == 422
    assert "even one sentence" in response.text
    db.session.refresh(practice)
    assert practice.status is PracticeStatus.open


def test_closing_can_keep_the_reflection_in_the_journal_in_the_same_step(client, auth):
    practice = make_practice()
    auth.login(practice.owner)
    client.post(
        f"/practice/{practice.id}/close",
        data={"outcome": "dropped", "reflection": "Wrong moment.", "to_journal": "y"},
    )
    db.session.refresh(practice)
    assert practice.status is PracticeStatus.dropped
    assert practice.reflection_entry_id is not None


def test_the_partner_encourages_and_the_owner_is_told(client, auth):
    pairing = make_pairing()
    practice = make_practice(owner=pairing.mentee)
    check_in = make_check_in(practice, note="Tried it")
    auth.login(pairing.mentor)
    response = client.post(
        f"/practice/{practice.id}/comments",
        data={"body": "Keep going!", "kind": "encouragement", "check_in_id": str(check_in.id)},
        headers=hx_headers("practice-activity"),
    )
    assert response.status_code == 200
    assert "Keep going!" in response.text and 'id="practice-activity"' in response.text
    comment = db.session.scalars(select(PracticeComment)).one()
    assert comment.check_in_id == check_in.id and comment.kind.value == "encouragement"
    note = db.session.scalars(
        select(Notification).where(Notification.user_id == pairing.mentee_id)
    ).one()
    assert "encouraged you" in note.message


def test_an_empty_comment_is_refused_with_422(client, auth):
    pairing = make_pairing()
    practice = make_practice(owner=pairing.mentee)
    auth.login(pairing.mentor)
    response = client.post(
        f"/practice/{practice.id}/comments",
        data={"body": "  "},
        headers=hx_headers("practice-activity"),
    )
    assert response.status_code == 422
    assert db.session.scalar(select(func.count(PracticeComment.id))) == 0


def test_a_comment_cannot_point_at_another_practices_check_in(client, auth):
    pairing = make_pairing()
    practice = make_practice(owner=pairing.mentee)
    other = make_check_in(make_practice(owner=pairing.mentee))
    auth.login(pairing.mentor)
    response = client.post(
        f"/practice/{practice.id}/comments",
        data={"body": "Hi", "check_in_id": str(other.id)},
    )
    assert response.status_code == 422
    assert db.session.scalar(select(func.count(PracticeComment.id))) == 0


def test_the_owner_can_make_a_shared_practice_private(client, auth):
    practice = make_practice()
    auth.login(practice.owner)
    client.post(f"/practice/{practice.id}/visibility", data={"visibility": "private"})
    db.session.refresh(practice)
    assert practice.visibility is Visibility.private


# --- the library -------------------------------------------------------------------------


def test_only_admins_reach_the_library_editor(client, auth):
    auth.login(make_user())
    assert client.get("/practice/library").status_code == 404
    assert client.post("/practice/library", data={"title": "x"}).status_code == 404


def test_an_admin_adds_a_template_for_one_programme_only(client, auth):
    program, other = make_program(), make_program()
    member = make_membership(program=program).user
    outsider = make_membership(program=other).user
    auth.login(make_admin())
    response = client.post(
        "/practice/library",
        data={
            "program_id": str(program.id),
            "title": "Shadow a product review",
            "action": "Join one review a week.",
            "weeks": "3",
            "per_week": "1",
        },
    )
    assert response.status_code == 303
    auth.logout()
    auth.login(member)
    assert "Shadow a product review" in client.get("/practice/new").text
    auth.logout()
    auth.login(outsider)
    assert "Shadow a product review" not in client.get("/practice/new").text


def test_an_admin_edits_and_retires_a_template(client, auth):
    ensure_built_in_templates()
    db.session.commit()
    template = db.session.scalars(select(PracticeTemplate)).first()
    auth.login(make_admin())
    response = client.post(
        f"/practice/library/{template.id}",
        data={
            "program_id": "None",
            "title": "Listen first",
            "action": "Listen.",
            "weeks": "2",
            "per_week": "2",
        },
    )
    assert response.status_code == 303
    db.session.refresh(template)
    assert template.title == "Listen first" and template.weeks == 2
    client.post(f"/practice/library/{template.id}/archive")
    db.session.refresh(template)
    assert template.archived
    auth.logout()
    auth.login(make_user())
    assert "Listen first" not in client.get("/practice/new").text


def test_a_template_with_bad_numbers_is_refused(client, auth):
    auth.login(make_admin())
    response = client.post(
        "/practice/library",
        data={
            "program_id": "None",
            "title": "Too long",
            "action": "x",
            "weeks": "9",
            "per_week": "2",
        },
    )
    assert response.status_code == 422
    assert "Two to six weeks." in response.text


def test_the_owner_edits_a_practice_and_bad_dates_are_refused(client, auth):
    practice = make_practice(title="Old title")
    auth.login(practice.owner)
    page = client.get(f"/practice/{practice.id}/edit").text
    assert 'value="Old title"' in page
    response = client.post(f"/practice/{practice.id}/edit", data=_form(title="New title"))
    assert response.status_code == 303
    db.session.refresh(practice)
    assert practice.title == "New title"
    response = client.post(
        f"/practice/{practice.id}/edit",
        data=_form(title="Broken", ends_on=(date.today() - timedelta(days=9)).isoformat()),
    )
    assert response.status_code == 422
    db.session.refresh(practice)
    assert practice.title == "New title"
