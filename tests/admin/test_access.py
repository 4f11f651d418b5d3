"""Who reaches /admin/? Every admin route, for every role (anonymous, mentor, mentee, admin)."""

import pytest

from portal.extensions import db
from portal.models import PairingStatus, ProgramStatus, Role
from portal.models.enrollment import ProgramQuestion
from portal.models.leads import ProgramLead
from tests.factories import (
    make_admin,
    make_lead,
    make_pairing,
    make_participant,
    make_program,
    make_user,
)

# What a programme lead may do for their own programme; every other admin page is 404.
LEAD_ENDPOINTS = {
    "admin.index",
    "admin.enrollment_queue",
    "admin.applicant",
    "admin.decide",
    "admin.decide_bulk",
    "admin.undo",
    "admin.import_participants",
    "admin.import_sample",
    "admin.team_message",
    "admin.matching",
    "admin.propose",
    "admin.approve_all",
    "admin.hand_pair",
    "admin.mentor_search",
    "admin.swap_preview",
    "admin.pairing_action",
    "admin.end_pairing",
    "admin.export_csv",
    "admin.audit_log",
    "admin.job",  # their own import or matching run redirects there
}
# Pages that name no programme: a lead of another programme reaches them, empty.
NO_PROGRAMME = {
    "admin.index",
    "admin.enrollment_queue",
    "admin.audit_log",
    "admin.undo",
    "admin.decide_bulk",
}


def lead_row(user):
    return db.session.query(ProgramLead).filter_by(user_id=user.id).one()


@pytest.fixture
def world(app):
    program = make_program(slug="cohort", status=ProgramStatus.enrolling)
    pairing = make_pairing(program=program, status=PairingStatus.proposed, approved_at=None)
    applicant = make_participant(program, Role.mentee, status="applied")
    question = ProgramQuestion(program_id=program.id, label="Why now?")
    from portal.extensions import db
    from portal.models.jobs import BackgroundJob
    from portal.models.outbox import OutboxMessage, OutboxStatus

    job = BackgroundJob(kind="csv_import", program_id=program.id)
    message = OutboxMessage(
        key="k", to=["a@example.org"], subject="Hi", body="x", status=OutboxStatus.failed
    )
    db.session.add_all([question, job, message])
    db.session.commit()
    other = make_program(slug="other", status=ProgramStatus.enrolling)
    people = {
        "mentor": pairing.mentor,
        "mentee": pairing.mentee,
        "admin": make_admin(),
        "outsider": make_user(),
        "lead": make_lead(program),
        "other_lead": make_lead(other),
    }
    values = {
        "slug": "cohort",
        "pairing_id": pairing.id,
        "mentee_id": pairing.mentee_id,
        "membership_id": applicant.id,
        "question_id": question.id,
        "action": "approve",
        "job_id": job.id,
        "message_id": message.id,
        "key": "undo-0000",
        "lead_id": lead_row(people["lead"]).id,
        "what": "participants",
        "user_id": pairing.mentee_id,  # the admin's "erase this person" page
    }
    return people, values


# The admin areas this matrix covers (people: erase a person, portal admins only); insights,
# guide, requests and kick-off pages have their
# own matrices (tests/insights/test_privacy.py, tests/reminders/test_access.py, tests/pairings/).
PROGRAMME_WORK = {"programs", "enrollment", "matching", "overview", "jobs", "people", "messages"}


def _area(app, rule) -> str:
    """The admin module that serves a rule: portal.blueprints.admin.<area>."""
    return app.view_functions[rule.endpoint].__module__.rsplit(".", 1)[-1]


def admin_urls(app, values, with_endpoint=False):
    """(method, url) for every rule of the admin blueprint."""
    urls = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("admin.") or _area(app, rule) not in PROGRAMME_WORK:
            continue
        path = rule.rule
        for name in rule.arguments:
            path = path.replace(f"<{name}>", str(values[name])).replace(
                f"<int:{name}>", str(values[name])
            )
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            urls.append((method, path, rule.endpoint) if with_endpoint else (method, path))
    return urls


def test_the_matrix_covers_every_admin_page(app, world):
    _, values = world
    urls = admin_urls(app, values)
    assert len(urls) >= 18
    assert ("GET", "/admin/matching/cohort") in urls
    assert ("POST", "/admin/enrollment/bulk") in urls


@pytest.mark.parametrize("role", ["lead", "other_lead"])
def test_a_programme_lead_runs_their_programme_and_nothing_else(app, client, auth, world, role):
    people, values = world
    auth.login(people[role])
    for method, url, endpoint in admin_urls(app, values, with_endpoint=True):
        if method == "POST" and endpoint in LEAD_ENDPOINTS and role == "lead":
            continue  # the lead's own POSTs are covered by the behaviour tests
        response = client.open(url, method=method)
        allowed = endpoint in LEAD_ENDPOINTS and (role == "lead" or endpoint in NO_PROGRAMME)
        if method == "POST" and allowed:
            assert response.status_code == 303, url  # nothing of theirs to act on
        elif allowed:
            assert response.status_code == 200, (role, method, url)
        else:
            assert response.status_code == 404, (role, method, url)


def test_a_lead_of_another_programme_sees_nothing_of_this_one(client, auth, world):
    people, _ = world
    auth.login(people["other_lead"])
    for url in ("/admin/", "/admin/enrollment", "/admin/audit", "/admin/enrollment?status=active"):
        page = client.get(url).text
        assert "cohort" not in page and people["mentee"].name not in page, url
    assert "/admin/" in client.get("/dashboard/").text  # their own admin link


@pytest.mark.parametrize("role", ["anonymous", "mentor", "mentee", "outsider", "admin"])
def test_only_admins_reach_admin_routes(app, client, auth, world, role):
    people, values = world
    if role != "anonymous":
        auth.login(people[role])
    for method, url in admin_urls(app, values):
        if method == "POST" and role == "admin":
            continue  # admins' POSTs are covered by the behaviour tests
        response = client.open(url, method=method)
        if role == "anonymous":
            assert response.status_code == 302, url
            assert "/auth/login" in response.headers["Location"], url
        elif role == "admin":
            assert response.status_code == 200, url
        else:
            assert response.status_code == 404, (role, method, url)


def test_admin_nav_link_shows_for_admins_only(client, auth, world):
    people, _ = world
    auth.login(people["mentee"])
    assert 'href="/admin/"' not in client.get("/dashboard/").text
    auth.logout()
    auth.login(people["admin"])
    assert 'href="/admin/"' in client.get("/dashboard/").text


def test_a_lead_is_not_sent_to_the_admins_programme_settings(client, auth, world):
    """The matching board names the settings; only a portal admin gets the (admin-only) link."""
    people, _ = world
    auth.login(people["lead"])
    page = client.get("/admin/matching/cohort").text
    assert "/admin/programs/cohort/edit" not in page
    auth.logout()
    auth.login(people["admin"])
    assert "/admin/programs/cohort/edit" in client.get("/admin/matching/cohort").text
