"""Who reaches /admin/? Every admin route, for every role (anonymous, mentor, mentee, admin)."""

import pytest

from portal.models import PairingStatus, ProgramStatus, Role
from portal.models.enrollment import ProgramQuestion
from tests.factories import make_admin, make_pairing, make_participant, make_program, make_user


@pytest.fixture
def world(app):
    program = make_program(slug="cohort", status=ProgramStatus.enrolling)
    pairing = make_pairing(program=program, status=PairingStatus.proposed, approved_at=None)
    applicant = make_participant(program, Role.mentee, status="applied")
    question = ProgramQuestion(program_id=program.id, label="Why now?")
    from portal.extensions import db

    db.session.add(question)
    db.session.commit()
    people = {
        "mentor": pairing.mentor,
        "mentee": pairing.mentee,
        "admin": make_admin(),
        "outsider": make_user(),
    }
    values = {
        "slug": "cohort",
        "pairing_id": pairing.id,
        "mentee_id": pairing.mentee_id,
        "membership_id": applicant.id,
        "question_id": question.id,
        "action": "approve",
        "key": "undo-0000",
    }
    return people, values


def admin_urls(app, values):
    """(method, url) for every rule of the admin blueprint."""
    urls = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("admin."):
            continue
        path = rule.rule
        for name in rule.arguments:
            path = path.replace(f"<{name}>", str(values[name])).replace(
                f"<int:{name}>", str(values[name])
            )
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            urls.append((method, path))
    return urls


def test_the_matrix_covers_every_admin_page(app, world):
    _, values = world
    urls = admin_urls(app, values)
    assert len(urls) >= 18
    assert ("GET", "/admin/matching/cohort") in urls
    assert ("POST", "/admin/enrollment/bulk") in urls


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
