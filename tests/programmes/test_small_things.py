"""What a new programme lead noticed: wording, the form's sections, time zones, dates, CSV."""

import io
import re
from datetime import date

from portal.core.timezones import canonical_zones, grouped_choices
from portal.models import ProgramStatus, Role
from portal.services.programmes.enrollment import default_dates
from tests.factories import make_admin, make_participant, make_program, make_user


def text_of(html: str, joiner: str = "") -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", joiner, html))


def test_import_of_one_person_says_one_participant(client, auth):
    program = make_program(slug="spring", status=ProgramStatus.enrolling)
    auth.login(make_admin())
    csv_text = "email,name,role,format\nana@example.org,Ana,mentee,in person\n"
    data = {"file": (io.BytesIO(csv_text.encode()), "people.csv")}
    response = client.post(
        "/admin/programs/spring/import",
        data=data,
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    page = text_of(response.text)
    assert "Imported 1 participant into" in page
    assert "1 new account was created; it was e-mailed" in page
    assert program.memberships[0].profile["format"] == "in_person"


def test_the_dashboard_names_the_role_in_a_sentence(client, auth):
    program = make_program(status=ProgramStatus.running)
    member = make_participant(program, Role.mentee)
    auth.login(member.user)
    assert "You are here as a mentee." in text_of(client.get("/dashboard/").text)


def test_counts_of_one_are_singular_on_admin_pages(client, auth):
    program = make_program(slug="spring", status=ProgramStatus.enrolling)
    make_participant(program, Role.mentor)
    make_participant(program, Role.mentee, status="applied")
    auth.login(make_admin())
    overview = text_of(client.get("/admin/").text, " ")
    assert "1 mentor ·" in overview and "1 application to review" in overview
    assert "1 mentors" not in overview and "1 applications" not in overview
    board = text_of(client.get("/admin/matching/spring").text, " ")
    assert "1 free mentor place" in board and "1 application still waits" in board


def test_the_application_form_marks_each_role_section_for_css(client, auth):
    program = make_program(slug="spring", status=ProgramStatus.enrolling)
    auth.login(make_user(timezone="Asia/Tokyo"))
    page = client.get(f"/programs/{program.slug}/apply").text
    assert 'class="card stack role-section role-section--mentee"' in page
    assert 'class="card stack role-section role-section--mentor"' in page
    # The person's own zone is preselected; the list is grouped and holds no aliases.
    assert '<option selected value="Asia/Tokyo">' in page or 'value="Asia/Tokyo" selected' in page
    assert '<optgroup label="Europe">' in page
    assert 'value="US/Eastern"' not in page and 'value="Etc/GMT+3"' not in page


def test_the_time_zone_list_is_canonical_and_grouped():
    zones = canonical_zones()
    assert 300 < len(zones) < 450
    assert {"UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata"} <= set(zones)
    assert not {"US/Eastern", "Asia/Calcutta", "GMT", "Etc/UTC"} & set(zones)
    groups = grouped_choices()
    assert list(groups)[0] == "Universal" and "Europe" in groups


def test_registration_offers_the_same_short_list(client):
    page = client.get("/auth/register").text
    assert page.count("<option") < 450 and "data-browser-timezone" in page


def test_a_new_programme_starts_in_the_future():
    for today in (date(2026, 11, 25), date(2026, 12, 31), date(2027, 2, 1)):
        dates = default_dates(today)
        assert dates["starts_on"] > today and dates["starts_on"].day == 1
        assert dates["enrollment_closes_on"] < dates["starts_on"]
