"""Can an admin create and edit a programme, its matching weights and its questions?"""

from datetime import date

from sqlalchemy import select

from portal.extensions import db
from portal.models import Cadence, Program, ProgramStatus
from portal.models.enrollment import AuditEvent, ProgramQuestion
from portal.services.matching import MatchingSettings
from tests.factories import make_admin, make_program

FORM = {
    "name": "Autumn Leaders",
    "description": "For new leads.",
    "starts_on": "2027-09-01",
    "ends_on": "",
    "cadence": "biweekly",
    "status": "enrolling",
    "enrollment_opens_on": "2027-06-01",
    "enrollment_closes_on": "2027-07-31",
    "mode": "most_matched",
    "min_score": "20",
    "cross_department": "y",
    "weight_goals": "5",
    "weight_values": "3",
    "weight_style": "2",
    "weight_seniority": "1",
    "weight_timezone": "2",
    "weight_format": "0",
}


def test_create_defaults_to_a_full_year_and_keeps_the_settings(client, auth, app):
    auth.login(make_admin())
    response = client.post("/admin/programs/new", data=FORM)
    assert response.status_code == 303
    program = db.session.scalar(select(Program).where(Program.slug == "autumn-leaders"))
    assert program.starts_on == date(2027, 9, 1)
    assert program.ends_on == Program.default_end(date(2027, 9, 1))
    assert program.cadence is Cadence.biweekly and program.status is ProgramStatus.enrolling
    settings = MatchingSettings.from_json(program.matching)
    assert settings.mode.value == "most_matched" and settings.min_score == 20
    assert settings.cross_department and settings.weights["goals"] == 5
    assert settings.weights["format"] == 0
    assert db.session.scalar(select(AuditEvent.action)) == "program.created"


def test_bad_dates_are_refused_next_to_the_field(client, auth, app):
    auth.login(make_admin())
    data = {**FORM, "ends_on": "2027-01-01", "enrollment_closes_on": "2027-05-01"}
    response = client.post("/admin/programs/new", data=data)
    assert response.status_code == 422
    assert "The end must come after the start." in response.text
    assert "Applications must close after they open." in response.text
    assert db.session.query(Program).count() == 0


def test_edit_and_add_then_remove_a_question(client, auth, app):
    program = make_program(slug="spring")
    auth.login(make_admin())
    page = client.get("/admin/programs/spring/edit")
    assert page.status_code == 200 and program.name in page.text
    response = client.post("/admin/programs/spring/edit", data={**FORM, "name": "Spring Renamed"})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Program, program.id).name == "Spring Renamed"
    assert db.session.get(Program, program.id).slug == "spring"  # links keep working
    client.post(
        "/admin/programs/spring/questions",
        data={"label": "What would make this year a success?", "audience": "mentee"},
    )
    question = db.session.scalar(select(ProgramQuestion))
    assert question.label == "What would make this year a success?"
    client.post(f"/admin/programs/spring/questions/{question.id}/delete")
    assert db.session.query(ProgramQuestion).count() == 0
