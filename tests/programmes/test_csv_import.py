"""Does the CSV import take a whole good file, and nothing of a file with any bad row?"""

import io

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Membership, MembershipStatus, Program, ProgramStatus, User
from portal.services.programmes.enrollment import check_csv
from tests.factories import make_admin, make_participant, make_program

HEADER = (
    "email,name,role,department,seniority,timezone,format,values,goals,strengths,capacity,avoid"
)
GOOD = [
    "ana@example.org,Ana Adler,mentee,Sales,2,Europe/Berlin,remote,growth;calm,leadership,,,",
    "ben@example.org,Ben Brooks,mentor,Finance,5,Europe/London,either,candour,,hiring;budgeting,3,",
    "cy@example.org,Cy Costa,mentee,People,1,America/New_York,in_person,,negotiation,,,"
    "ben@example.org",
]


def upload(client, slug, lines):
    data = {"file": (io.BytesIO("\n".join(lines).encode()), "people.csv")}
    return client.post(
        f"/admin/programs/{slug}/import", data=data, content_type="multipart/form-data"
    )


@pytest.fixture
def program(app):
    return make_program(slug="spring", status=ProgramStatus.enrolling)


def count_members(program):
    query = select(func.count(Membership.id)).where(Membership.program_id == program.id)
    return db.session.scalar(query)


def test_a_good_file_imports_everyone_as_approved(client, auth, program):
    auth.login(make_admin())
    response = upload(client, "spring", [HEADER, *GOOD])
    assert response.status_code == 303
    assert count_members(program) == 3
    ben = db.session.scalar(select(Membership).join(User).where(User.email == "ben@example.org"))
    assert ben.status is MembershipStatus.active
    assert ben.profile["capacity"] == 3 and ben.profile["strengths"] == ["hiring", "budgeting"]


def test_a_bad_file_imports_nothing_and_names_each_line(client, auth, program):
    auth.login(make_admin())
    bad = [
        HEADER,
        "not-an-email,Dee,mentee,Sales,2,Europe/Berlin,remote,,x,,,",
        "eve@example.org,Eve,boss,Sales,2,Mars/Olympus,remote,,x,,,",
    ]
    response = upload(client, "spring", bad)
    assert response.status_code == 422
    assert "Nothing was imported" in response.text
    assert "Line 2" in response.text and "is not an e-mail address" in response.text
    assert "Line 3" in response.text and "role must be mentor or mentee" in response.text
    assert "unknown time zone" in response.text
    assert count_members(program) == 0


def test_a_mixed_file_imports_none_of_the_good_rows(client, auth, program):
    auth.login(make_admin())
    mixed = [HEADER, *GOOD, "zed@example.org,Zed,mentor,Ops,4,UTC,remote,,,coaching,9,"]
    response = upload(client, "spring", mixed)
    assert response.status_code == 422
    assert (
        "Line 5" in response.text and "capacity must be a whole number from 1 to 5" in response.text
    )
    assert count_members(program) == 0
    assert db.session.scalar(select(User).where(User.email == "ana@example.org")) is None


def test_duplicates_are_errors_and_existing_members_are_skipped(app, program):
    existing = make_participant(program, role="mentee")
    lines = [HEADER, GOOD[0], GOOD[0], f"{existing.user.email},X,mentee,,,,,,,,,"]
    result = check_csv(program, "\n".join(lines))
    assert dict(result.errors) == {3: "ana@example.org appears twice in the file"}
    assert result.skipped == 1


def test_missing_columns_are_reported_on_line_1(app, program):
    result = check_csv(program, "email,role\nana@example.org,mentee\n")
    assert result.errors == [(1, "missing column(s): name")]


def test_existing_account_joins_without_a_new_user(client, auth, program):
    from tests.factories import make_user

    make_user(email="ana@example.org", name="Ana From Before")
    auth.login(make_admin())
    assert upload(client, "spring", [HEADER, GOOD[0]]).status_code == 303
    assert (
        db.session.scalar(select(func.count(User.id)).where(User.email == "ana@example.org")) == 1
    )
    assert count_members(program) == 1


def test_are_new_accounts_invited_to_choose_a_password(client, auth, program):
    from flask import current_app

    from tests.factories import make_user

    make_user(email="ana@example.org")  # already has an account: no invitation
    auth.login(make_admin())
    response = upload(client, "spring", [HEADER, *GOOD])
    assert response.status_code == 303
    outbox = current_app.extensions["mailman"].outbox
    assert sorted(m.to[0] for m in outbox) == ["ben@example.org", "cy@example.org"]
    name = db.session.scalar(select(Program.name).where(Program.slug == "spring"))
    # The invitation names the programme, and its link works for 7 days.
    assert all(m.subject == f"You are invited to {name} on Horizon" for m in outbox)
    assert "7 days" in outbox[0].body
    link = outbox[0].body.split("http://localhost", 1)[1].split()[0]
    auth.logout()
    assert "Choose your password" in client.get(link).text


def test_does_a_failed_import_invite_nobody(client, auth, program):
    from flask import current_app

    auth.login(make_admin())
    upload(client, "spring", [HEADER, *GOOD, "bad-row"])
    assert getattr(current_app.extensions["mailman"], "outbox", []) == []


def test_does_the_import_page_explain_every_column_and_offer_a_sample_that_imports(
    client, auth, program
):
    from portal.services.programmes.enrollment import CSV_COLUMNS

    auth.login(make_admin())
    page = client.get("/admin/programs/spring/import").text
    sample_link = '/admin/programs/spring/import/sample.csv" data-hx-boost="false" download'
    assert sample_link in page
    assert "from 1 (first role) to 6 (executive)" in page and "in person, remote or either" in page
    assert all(f"<code>{column}</code>" in page for column in CSV_COLUMNS)
    sample = client.get("/admin/programs/spring/import/sample.csv")
    assert sample.status_code == 200 and sample.mimetype == "text/csv"
    assert "attachment" in sample.headers["Content-Disposition"]
    assert sample.text.splitlines()[0] == ",".join(CSV_COLUMNS)
    # The sample passes the checks as it is.
    assert check_csv(program, sample.text).ok


def test_is_the_sample_file_404_for_a_lead_of_another_programme(client, auth, program):
    from tests.factories import make_lead

    auth.login(make_lead(make_program()))
    assert client.get("/admin/programs/spring/import/sample.csv").status_code == 404
