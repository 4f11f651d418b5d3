"""Who reaches the insight pages? Every insights route, for every role.

Portal admins reach all of them; a programme's lead reaches that programme's pages (never the
all-programmes pages, never another programme's); everyone else gets 404.
"""

import pytest

from portal.models import ProgramStatus
from portal.services.insights.analytics import ALL_FIGURES
from tests.factories import (
    make_admin,
    make_lead,
    make_outcome,
    make_pairing,
    make_program,
    make_user,
)


@pytest.fixture
def world(app):
    program = make_program(slug="cohort", status=ProgramStatus.running)
    pairing = make_pairing(program=program)
    make_outcome(program)
    people = {
        "mentor": pairing.mentor,
        "mentee": pairing.mentee,
        "admin": make_admin(),
        "outsider": make_user(),
        "lead": make_lead(program),
        "other_lead": make_lead(make_program(slug="other")),
    }
    values = {"slug": "cohort", "pairing_id": pairing.id, "action": "nudge", "key": "funnel"}
    return people, values


def insights_urls(app, values):
    """(method, url) for every rule of the insights blueprint."""
    urls = []
    for rule in app.url_map.iter_rules():
        if app.view_functions[rule.endpoint].__module__ != "portal.blueprints.admin.insights":
            continue
        path = rule.rule
        for name in rule.arguments:
            path = path.replace(f"<{name}>", str(values[name])).replace(
                f"<int:{name}>", str(values[name])
            )
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            urls.append((method, path))
    return urls


def test_does_the_matrix_cover_every_insight_page(app, world):
    urls = insights_urls(app, world[1])
    assert ("GET", "/admin/programs/cohort/pairs") in urls
    assert ("GET", "/admin/analytics") in urls
    assert ("GET", "/admin/programs/cohort/roi") in urls
    assert ("POST", "/admin/programs/cohort/pairs/1/nudge") in urls or len(urls) >= 14


def _all_programmes(url: str) -> bool:
    return url.startswith("/admin/analytics")


@pytest.mark.parametrize(
    "role", ["anonymous", "mentor", "mentee", "outsider", "admin", "lead", "other_lead"]
)
def test_do_only_admins_and_the_programmes_leads_reach_insights(app, client, auth, world, role):
    people, values = world
    if role != "anonymous":
        auth.login(people[role])
    for method, url in insights_urls(app, values):
        if method == "POST" and role in ("admin", "lead"):
            continue  # the behaviour tests cover what their POSTs do
        response = client.open(url, method=method)
        if role == "anonymous":
            assert response.status_code == 302, url
            assert "/auth/login" in response.headers["Location"], url
        elif role == "admin" or (role == "lead" and not _all_programmes(url)):
            assert response.status_code == 200, (role, url)
        else:
            assert response.status_code == 404, (role, method, url)


@pytest.mark.parametrize("key", ALL_FIGURES)
def test_does_a_participant_get_404_for_every_figure(client, auth, world, key):
    people, _ = world
    auth.login(people["mentee"])
    for suffix in ("csv", "svg"):
        assert client.get(f"/admin/programs/cohort/analytics/{key}.{suffix}").status_code == 404
        assert client.get(f"/admin/analytics/{key}.{suffix}").status_code == 404


def test_does_a_portal_admin_see_the_insights_rule_in_access():
    from portal.services import access

    program, other = make_program(), make_program()
    lead = make_lead(program)
    assert access.can_see_programme_insights(make_admin())
    assert access.can_see_programme_insights(make_admin(), other)
    assert not access.can_see_programme_insights(make_user())
    assert not access.can_see_programme_insights(make_user(), program)
    # A lead: their programme's pages, never another's, never the all-programmes pages.
    assert access.can_see_programme_insights(lead, program)
    assert not access.can_see_programme_insights(lead, other)
    assert not access.can_see_programme_insights(lead)


def test_does_a_lead_see_the_pairs_of_their_programme_and_nothing_of_another(client, auth):
    program, other = make_program(slug="a-prog"), make_program(slug="b-prog")
    mine, theirs = make_pairing(program=program), make_pairing(program=other)
    auth.login(make_lead(program))
    page = client.get("/admin/programs/a-prog/pairs").text
    assert mine.mentee.name in page and theirs.mentee.name not in page
    assert client.get(f"/admin/programs/a-prog/pairs/{mine.id}").status_code == 200
    # Another programme's pair, even addressed through the lead's own programme: 404.
    assert client.get(f"/admin/programs/a-prog/pairs/{theirs.id}").status_code == 404
    assert client.get(f"/admin/programs/b-prog/pairs/{theirs.id}").status_code == 404
    assert client.post(f"/admin/programs/b-prog/pairs/{theirs.id}/nudge").status_code == 404
    # The programme's pages link nowhere the lead cannot go.
    assert '/admin/analytics"' not in client.get("/admin/programs/a-prog/analytics").text


def test_do_insight_pages_show_a_request_and_survey_only_as_kind_and_numbers(app, client, auth):
    from tests.factories import (
        make_meeting,
        make_meeting_rating,
        make_pairing_request,
        make_survey_response,
    )

    reason, comment = "quokka-reason-4410", "quokka-comment-9127"
    program = make_program(slug="cohort", status=ProgramStatus.running)
    pairing = make_pairing(program=program)
    make_pairing_request(pairing, pairing.mentee, reason=f"Because {reason}")
    make_survey_response(program, pairing.mentee, satisfaction=2, comment=f"Well {comment}")
    make_meeting_rating(make_meeting(pairing), pairing.mentor, rating=1)
    auth.login(make_admin())
    values = {"slug": "cohort", "pairing_id": pairing.id, "action": "nudge", "key": "funnel"}
    seen = []
    for method, url in insights_urls(app, values):
        if method != "GET" or "<" in url:
            continue
        urls = [url]
        if "<key>" in url or url.endswith("/funnel.csv") or url.endswith("/funnel.svg"):
            urls = [url.replace("funnel", key) for key in ALL_FIGURES]
        for each in urls:
            text = client.get(each).get_data(as_text=True)
            assert reason not in text and comment not in text, each
            seen.append(each)
    assert f"/admin/programs/cohort/pairs/{pairing.id}" in seen
    page = client.get(f"/admin/programs/cohort/pairs/{pairing.id}").get_data(as_text=True)
    assert "Asked confidentially for a re-match" in page
    assert "a partner asked confidentially to re-match" in page
