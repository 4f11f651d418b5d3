"""Does any input, however strange, make any route answer 500?

Like the CSRF sweeps, this walks every rule of the URL map, so a new route is covered
without a line here. Each route gets, as the person it belongs to:
- ids beyond the database's integer range in the path (a 404);
- a NUL byte in the query string and in a form field (a 400);
- every form field set to extreme numbers, dates and text, as a page and as htmx (no 500);
- a body over the size limit (a 413);
and afterwards every page is read again, so a stored extreme value cannot break it later.
It runs on PostgreSQL in CI, where NUL bytes and integer overflow used to be 500s.
"""

from __future__ import annotations

import inspect
from datetime import date

import pytest
from flask_wtf import FlaskForm
from wtforms.fields.core import UnboundField

from portal.extensions import db
from portal.models import Role
from portal.models.enrollment import ProgramQuestion
from portal.models.jobs import BackgroundJob
from portal.models.outbox import OutboxMessage, OutboxStatus
from portal.models.practice import PracticeTemplate
from tests.conftest import hx_headers, open_session
from tests.factories import (
    make_admin,
    make_agenda_point,
    make_check_in,
    make_entry,
    make_meeting,
    make_notification,
    make_pairing,
    make_participant,
    make_practice,
)

HUGE_IDS = ["2147483648", "99999999999999999999"]
EXTREME_VALUES = [
    "9999-12-31",
    "0001-01-01",
    "1999-12-31",
    "99999999999999999999",
    "2147483648",
    "-2147483649",
    "1e400",
    "NaN",
    "٣",  # an Arabic-Indic digit: str.isdigit() says yes, int() agrees, the database may not
    "x" * 30_000,
    "",
]
# Fields read straight from request.form or request.args by views, not through a form class.
RAW_FIELDS = ["mentee_id", "mentor_id", "ids", "reason", "membership_id", "action", "q", "page"]
SIGNED_OUT_ENDPOINTS = {
    "auth.login",
    "auth.register",
    "auth.forgot_password",
    "auth.reset_password",
}
SKIPPED = {"static", "auth.logout", "auth.end_all_sessions"}


def _form_classes(cls=FlaskForm):
    for sub in cls.__subclasses__():
        yield sub
        yield from _form_classes(sub)


def field_names() -> list[str]:
    """Every field of every form class in the app, plus the raw fields views read."""
    names = set(RAW_FIELDS)
    for form in _form_classes():
        for klass in inspect.getmro(form):
            names.update(k for k, v in vars(klass).items() if isinstance(v, UnboundField))
    return sorted(names)


@pytest.fixture
def world(app):
    pairing = make_pairing()
    program = pairing.program
    mentee, mentor = pairing.mentee, pairing.mentor
    admin = make_admin()
    entry = make_entry(author=mentee, visibility="shared")
    practice = make_practice(owner=mentee)
    make_check_in(practice)
    meeting = make_meeting(pairing)
    point = make_agenda_point(pairing, mentee)
    notification = make_notification(user=mentee)
    applicant = make_participant(program, Role.mentee, status="applied")
    question = ProgramQuestion(program_id=program.id, label="Why now?")
    template = PracticeTemplate(program_id=program.id, title="Interview a colleague")
    job = BackgroundJob(kind="csv_import", program_id=program.id, started_by_id=admin.id)
    message = OutboxMessage(
        key="k", to=["a@example.org"], subject="Hi", body="x", status=OutboxStatus.failed
    )
    db.session.add_all([question, template, job, message])
    db.session.commit()
    values = {
        "slug": program.slug,
        "entry_id": entry.id,
        "practice_id": practice.id,
        "pairing_id": pairing.id,
        "point_id": point.id,
        "notification_id": notification.id,
        "membership_id": applicant.id,
        "question_id": question.id,
        "template_id": template.id,
        "job_id": job.id,
        "message_id": message.id,
        "action": "approve",
        "token": "not-a-token",
        "filename": "css/horizon.css",
        # Routes added since (kick-off, background jobs, guide): any id works, a missing
        # object answers 404 like a hidden one.
        "meeting_id": meeting.id,
        "goal_id": 1,
        "request_id": 1,
        "round_name": "midpoint",
        "kind": "weekly_digest",
    }
    return {"mentee": mentee, "mentor": mentor, "admin": admin, "values": values}


# Company sign-in routes answer 404 while no identity provider is configured (this world).
NO_PROVIDER_HERE = {"auth.oidc_backchannel_logout", "auth.saml_acs"}


def _rules(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint not in SKIPPED:
            yield rule, sorted(rule.methods - {"HEAD", "OPTIONS"})


def _path(rule, values: dict, override: dict | None = None) -> str:
    path = rule.rule
    for name, converter in rule._converters.items():
        kind = type(converter).__name__
        # A parameter this world has no value for (a newer feature's route) still gets one,
        # so every route in the URL map is swept.
        fallback = 1 if "Integer" in kind else "sample"
        value = (override or {}).get(name, values.get(name, fallback))
        prefix = "int:" if "Integer" in kind else "path:" if "Path" in kind else ""
        path = path.replace(f"<{prefix}{name}>", str(value))
    return path


def _actor(world, endpoint: str):
    if endpoint.startswith("admin.") or "library" in endpoint or "template" in endpoint:
        return world["admin"]
    return world["mentee"]


def _as_actor(client, world, endpoint: str) -> None:
    client.delete_cookie("horizon_session")
    if endpoint not in SIGNED_OUT_ENDPOINTS:
        open_session(client, _actor(world, endpoint))


def _send(client, method: str, path: str, **kwargs):
    return client.open(path, method=method, **kwargs)


def test_do_ids_beyond_the_database_range_answer_404(app, client, world):
    checked = 0
    for rule, methods in _rules(app):
        int_args = [
            name for name, conv in rule._converters.items() if "Integer" in type(conv).__name__
        ]
        for name in int_args:
            for huge in HUGE_IDS:
                path = _path(rule, world["values"], {name: huge})
                for method in methods:
                    _as_actor(client, world, rule.endpoint)
                    status = _send(client, method, path).status_code
                    assert status == 404, (method, path, status)
                    checked += 1
    assert checked > 40


def test_does_a_nul_byte_anywhere_answer_400(app, client, world):
    fields = field_names()
    for rule, methods in _rules(app):
        path = _path(rule, world["values"])
        for method in methods:
            _as_actor(client, world, rule.endpoint)
            assert _send(client, method, path + "?q=a%00b").status_code == 400, (method, path)
            if method == "POST":
                data = dict.fromkeys(fields, "before\x00after")
                status = _send(client, method, path, data=data).status_code
                assert status == 400, (method, path, status)
    # The anonymous forms too, and a NUL in the path itself.
    client.delete_cookie("horizon_session")
    for path in ("/auth/login", "/auth/register", "/auth/forgot"):
        assert client.post(path, data={"email": "a\x00@example.org"}).status_code == 400
    assert client.get("/programs/a%00b").status_code == 400


@pytest.mark.parametrize("value", EXTREME_VALUES, ids=lambda v: v[:12] or "empty")
def test_do_extreme_values_in_every_field_never_answer_500(app, client, world, value):
    fields = field_names()
    failures = []
    for rule, methods in _rules(app):
        path = _path(rule, world["values"])
        for method in methods:
            for headers in ({}, hx_headers()):
                _as_actor(client, world, rule.endpoint)
                if method == "POST":
                    response = _send(
                        client, method, path, data=dict.fromkeys(fields, value), headers=headers
                    )
                else:
                    query = {
                        name: value
                        for name in (
                            "page",
                            "template",
                            "mentor_id",
                            "program",
                            "day",
                            "visibility",
                            "q",
                            "tag",
                            "status",
                        )
                    }
                    response = _send(client, method, path, query_string=query, headers=headers)
                if response.status_code >= 500:
                    failures.append((method, path, response.status_code))
    # Whatever was stored, every page still opens for everyone involved.
    for who in ("mentee", "mentor", "admin"):
        client.delete_cookie("horizon_session")
        open_session(client, world[who])
        for rule, methods in _rules(app):
            if "GET" in methods:
                status = client.get(_path(rule, world["values"])).status_code
                if status >= 500:
                    failures.append((who, rule.rule, status))
    assert failures == []


def test_is_an_oversize_body_refused_with_413(app, client, world):
    for rule, methods in _rules(app):
        if "POST" not in methods or rule.endpoint in NO_PROVIDER_HERE:
            continue
        # A view may allow a larger upload (the CSV import); its own limit then applies.
        view = app.view_functions[rule.endpoint]
        limit = app.config[getattr(view, "max_content_length", "MAX_CONTENT_LENGTH")]
        _as_actor(client, world, rule.endpoint)
        response = client.post(
            _path(rule, world["values"]),
            data="x" * (limit + 1),
            content_type="application/x-www-form-urlencoded",
        )
        assert response.status_code == 413, rule.rule
        assert "too large" in response.text


@pytest.mark.parametrize("extreme", [date(9999, 12, 31), date(1, 1, 1)], ids=["9999", "0001"])
def test_do_pages_survive_any_date_already_stored(app, client, world, extreme):
    """Rows written before the bounds (or by hand) must not break anyone's pages."""
    from portal.models import Pairing, Program
    from portal.models.meetings import MeetingPlan
    from portal.models.practice import CheckIn

    pairing = db.session.get(Pairing, world["values"]["pairing_id"])
    window = sorted([date.today(), extreme])
    practice = make_practice(owner=world["mentee"], starts_on=window[0], ends_on=window[1])
    db.session.add(CheckIn(practice_id=practice.id, day=extreme, note="Far away"))
    make_meeting(pairing, held_on=extreme)
    db.session.merge(MeetingPlan(pairing_id=pairing.id, next_meeting_on=extreme))
    program = db.session.get(Program, pairing.program_id)
    program.starts_on = program.ends_on = extreme
    program.enrollment_opens_on = program.enrollment_closes_on = extreme
    db.session.commit()
    values = {**world["values"], "practice_id": practice.id}
    failures = []
    for who in ("mentee", "mentor", "admin"):
        client.delete_cookie("horizon_session")
        open_session(client, world[who])
        for rule, methods in _rules(app):
            if "GET" in methods:
                for headers in ({}, hx_headers()):
                    status = client.get(_path(rule, values), headers=headers).status_code
                    if status >= 500:
                        failures.append((who, rule.rule, status))
    assert failures == []


@pytest.mark.parametrize("day", ["9999-12-31", "1999-12-31", "2100-01-01"])
def test_is_a_practice_dated_outside_the_range_refused_next_to_the_field(client, world, day):
    from portal.models.practice import Practice

    open_session(client, world["mentee"])
    before = db.session.query(Practice).count()
    response = client.post(
        "/practice/new",
        data={
            "title": "Write a vision statement",
            "action": "One page, then read it aloud.",
            "starts_on": date.today().isoformat(),
            "ends_on": day,
            "per_week": "2",
            "visibility": "shared",
        },
    )
    assert response.status_code == 422
    assert "Choose a date between 1 January 2000 and 31 December 2099." in response.text
    assert 'value="Write a vision statement"' in response.text
    assert db.session.query(Practice).count() == before


def test_is_a_number_beyond_the_database_a_field_error(client, world):
    open_session(client, world["mentee"])
    response = client.post(
        "/practice/new",
        data={
            "title": "Listen",
            "action": "Listen.",
            "starts_on": date.today().isoformat(),
            "ends_on": date.today().isoformat(),
            "per_week": "99999999999999999999",
        },
    )
    assert response.status_code == 422
    assert 'id="per_week-error"' in response.text
