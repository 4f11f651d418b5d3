"""Can the programme's team set the matching mode, read the funnel with small groups
suppressed, and nudge a mentor once a day; and nobody else?"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from portal.extensions import db
from portal.models import Role, utcnow
from portal.models.choosing import ChoosingSettings, MatchingMode, MentorRequestStatus
from portal.models.guide import GuideDispatch
from tests.factories import (
    make_admin,
    make_choosing_settings,
    make_lead,
    make_mentor_request,
    make_participant,
    make_program,
    make_user,
)

GOOD = {
    "mode": "self_service",
    "max_open_requests": "3",
    "remind_after_days": "7",
    "expire_after_days": "14",
    "meet_check_days": "14",
    "office_hours": "y",
}


def test_a_lead_sets_the_mode_and_a_bad_range_is_refused_next_to_its_field(client, auth):
    program = make_program()
    auth.login(make_lead(program))
    url = f"/admin/programs/{program.slug}/choosing"
    assert client.get(url).status_code == 200
    refused = client.post(url, data={**GOOD, "remind_after_days": "20"})
    assert refused.status_code == 422 and "Remind before the request expires" in refused.text
    assert client.post(url, data={**GOOD, "max_open_requests": "99"}).status_code == 422
    assert client.post(url, data=GOOD).status_code == 303
    assert db.session.get(ChoosingSettings, program.id).mode is MatchingMode.self_service


def test_only_the_team_of_the_programme_reaches_it(client, auth):
    program = make_program()
    other = make_program()
    for viewer in (make_lead(other), make_participant(program, Role.mentee).user, make_user()):
        auth.login(viewer)
        assert client.get(f"/admin/programs/{program.slug}/choosing").status_code == 404
        auth.logout()


def test_the_funnel_hides_small_groups_and_a_nudge_goes_out_once_a_day(client, auth):
    program = make_program()
    make_choosing_settings(program)
    mentor = make_participant(program, Role.mentor).user
    mentees = [make_participant(program, Role.mentee).user for _ in range(6)]
    old = utcnow() - timedelta(days=8)
    waiting = make_mentor_request(program, mentees[0], mentor, created_at=old)
    for mentee in mentees[1:]:
        make_mentor_request(
            program, mentee, mentor, status=MentorRequestStatus.declined, decided_at=utcnow()
        )
    auth.login(make_admin())
    page = client.get(f"/admin/programs/{program.slug}/choosing").text
    assert "fewer than 5" in page  # one open request: suppressed, and a second cell with it
    assert "I would like to learn" not in page  # the team sees counts here, not notes
    nudge = f"/admin/programs/{program.slug}/choosing/requests/{waiting.id}/nudge"
    assert client.post(nudge).status_code == 303
    assert client.post(nudge).status_code == 303
    keys = db.session.scalars(select(GuideDispatch.key)).all()
    assert [k for k in keys if k.startswith("nudge:")] == [
        f"nudge:{waiting.id}:{utcnow().date().isoformat()}"
    ]
