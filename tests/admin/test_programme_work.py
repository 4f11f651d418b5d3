"""The enrollment queue at scale, the applicant page, exports and programme leads."""

import csv
import io

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Membership, MembershipStatus, ProgramStatus, Role
from portal.models.leads import ProgramLead
from tests.factories import (
    make_admin,
    make_lead,
    make_pairing,
    make_participant,
    make_program,
    make_user,
    mentee_profile,
    mentor_profile,
)


@pytest.fixture
def programme(app):
    return make_program(slug="spring", name="Spring", status=ProgramStatus.enrolling)


def apply(program, role=Role.mentee, **user):
    profile = mentor_profile() if role is Role.mentor else mentee_profile()
    profile["department"] = user.pop("department", profile["department"])
    person = make_user(**user)
    return make_participant(
        program, role, user=person, status=MembershipStatus.applied, profile=profile
    )


def statuses(memberships):
    db.session.expire_all()
    return [db.session.get(Membership, m.id).status.value for m in memberships]


# --- the queue --------------------------------------------------------------------------


def test_queue_searches_filters_and_pages(client, auth, programme):
    people = [apply(programme, name=f"Applicant {i:02d}") for i in range(55)]
    apply(programme, Role.mentor, name="Zora Finch", email="zora@corp.example", department="Legal")
    auth.login(make_admin())
    first = client.get("/admin/enrollment").text
    assert "56 applications to review" in first and "1–50 of 56" in first
    assert "Page 2" not in first and "Page 1 of 2" in first
    assert people[54].user.name not in first  # oldest first: the newest waits on page 2
    assert people[54].user.name in client.get("/admin/enrollment?page=2").text
    by_mail = client.get("/admin/enrollment?q=ZORA@corp").text
    assert "1 application to review" in by_mail and "Zora Finch" in by_mail
    assert "Zora Finch" in client.get("/admin/enrollment?role=mentor").text
    assert "Applicant 00" not in client.get("/admin/enrollment?role=mentor").text
    legal = client.get("/admin/enrollment?department=legal").text
    assert "Zora Finch" in legal and "Applicant 00" not in legal
    by_name = client.get("/admin/enrollment?sort=name").text
    assert by_name.index("Applicant 00") < by_name.index("Applicant 01")


@pytest.mark.parametrize(
    "query",
    [
        "?page=-3",
        "?page=99999999999999999999",
        "?status=everything&role=boss&sort=%27",
        "?q=%25_%5C%00",
        "?program=nope",
    ],
)
def test_strange_queue_queries_never_answer_500(client, auth, programme, query):
    apply(programme)
    auth.login(make_admin())
    # A NUL byte is refused for every request before any view runs (400).
    assert client.get("/admin/enrollment" + query).status_code in (200, 400, 404)


def test_select_all_matching_decides_every_page_of_the_search_only(client, auth, programme):
    legal = [apply(programme, department="Legal") for _ in range(53)]
    sales = apply(programme, department="Sales")
    auth.login(make_admin())
    data = {"department": "Legal", "all_matching": "yes", "decision": "approve"}
    asked = client.post("/admin/enrollment/bulk", data=data)
    assert "Yes, approve 53 applications" in asked.text
    client.post("/admin/enrollment/bulk", data={**data, "confirm": "yes"})
    assert set(statuses(legal)) == {"active"}
    assert statuses([sales]) == ["applied"]


def test_applicant_page_shows_answers_and_history(client, auth, programme):
    person = apply(programme, name="Rui Costa")
    auth.login(make_admin())
    page = client.get(f"/admin/enrollment/{person.id}").text
    assert "Rui Costa" in page and "leadership" in page and "Europe/Berlin" in page
    assert "Applied as mentee" in page
    assert client.get("/admin/enrollment/999999").status_code == 404


# --- exports ----------------------------------------------------------------------------


def test_exports_list_participants_and_pairs_with_formulas_neutralised(client, auth, programme):
    evil = make_user(name='=HYPERLINK("http://x","click")', email="evil@example.org")
    make_participant(programme, Role.mentee, user=evil, profile=mentee_profile(department="+1"))
    pairing = make_pairing(program=programme)
    auth.login(make_admin())
    response = client.get("/admin/programs/spring/export/participants.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    evil_row = next(r for r in rows if r["email"] == "evil@example.org")
    assert evil_row["name"].startswith("'=") and evil_row["department"] == "'+1"
    assert len(rows) == 3
    pairs = list(
        csv.DictReader(io.StringIO(client.get("/admin/programs/spring/export/pairs.csv").text))
    )
    assert [(p["mentee"], p["mentor"], p["status"]) for p in pairs] == [
        (pairing.mentee.name, pairing.mentor.name, "active")
    ]
    assert client.get("/admin/programs/spring/export/secrets.csv").status_code == 404


# --- programme leads --------------------------------------------------------------------


def test_an_admin_assigns_a_lead_by_email_with_errors_next_to_the_field(client, auth, programme):
    co_lead = make_user(name="Ines Co", email="ines@example.org")
    auth.login(make_admin())
    bad = client.post("/admin/programs/spring/leads", data={"email": "nobody@example.org"})
    assert bad.status_code == 422
    assert "Nobody has an account" in bad.text and 'value="nobody@example.org"' in bad.text
    ok = client.post("/admin/programs/spring/leads", data={"email": "INES@example.org"})
    assert ok.status_code == 303
    assert db.session.scalar(select(ProgramLead.user_id)) == co_lead.id
    twice = client.post("/admin/programs/spring/leads", data={"email": "ines@example.org"})
    assert "already leads" in twice.text
    lead = db.session.scalar(select(ProgramLead))
    client.post(f"/admin/programs/spring/leads/{lead.id}/delete")
    assert db.session.scalar(select(ProgramLead)) is None


def test_a_lead_decides_in_their_programme_but_not_in_another(client, auth, programme):
    other = make_program(slug="autumn", status=ProgramStatus.enrolling)
    mine, theirs = apply(programme), apply(other)
    lead = make_lead(programme)
    auth.login(lead)
    client.post(f"/admin/enrollment/{mine.id}/decide", data={"decision": "approve"})
    response = client.post(f"/admin/enrollment/{theirs.id}/decide", data={"decision": "approve"})
    assert response.status_code == 404
    client.post(
        "/admin/enrollment/bulk",
        data={"ids": [theirs.id], "decision": "decline", "confirm": "yes"},
    )
    client.post(
        "/admin/enrollment/bulk",
        data={"all_matching": "yes", "decision": "decline", "confirm": "yes"},
    )
    assert statuses([mine, theirs]) == ["active", "applied"]
    assert client.get("/admin/programs/autumn/export/participants.csv").status_code == 404
    assert client.get("/admin/matching/autumn").status_code == 404
    assert client.get("/admin/programs/spring/edit").status_code == 404
    page = client.get("/admin/enrollment?status=active").text
    assert mine.user.name in page and theirs.user.name not in page


def test_a_lead_sees_no_private_text_and_no_pairing_log(client, auth, programme):
    from tests.factories import make_entry

    pairing = make_pairing(program=programme)
    entry = make_entry(author=pairing.mentee, body="my secret worry", visibility="shared")
    auth.login(make_lead(programme))
    assert client.get(f"/journal/{entry.id}").status_code == 404
    assert client.get(f"/pairings/{pairing.id}").status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/admin/enrollment/99999999999999999999",
        "/admin/matching/spring/mentees/4294967296/mentors",
        "/journal/2147483648",
    ],
)
def test_ids_too_large_for_the_database_answer_404(client, auth, programme, url):
    auth.login(make_admin())
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("/admin/matching/spring/pair", {"mentee_id": "99999999999", "mentor_id": "1"}),
        ("/admin/matching/spring/pair", {"mentee_id": "x\x00", "mentor_id": ""}),
        ("/admin/programs/spring/leads", {"email": "a\x00@example.org"}),
        ("/admin/enrollment/bulk", {"ids": ["1" * 30, "\x00"], "decision": "approve"}),
    ],
)
def test_strange_posts_answer_with_a_message_not_500(client, auth, programme, url, data):
    auth.login(make_admin())
    response = client.post(url, data=data)
    # 400 is the app-wide answer to a NUL byte; anything else gets a message.
    assert response.status_code in (303, 400, 422), response.status_code
