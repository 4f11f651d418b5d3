"""Does every admin and programme state change refuse a request without a CSRF token?"""

import pytest

from portal.models import PairingStatus, ProgramStatus
from portal.models.leads import ProgramLead
from tests.admin.test_access import admin_urls
from tests.conftest import open_session
from tests.factories import make_admin, make_lead, make_pairing, make_participant, make_program

pytestmark = pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])


def test_every_admin_post_needs_a_csrf_token(app, client, auth):
    from portal.extensions import db
    from portal.models import Role
    from portal.models.enrollment import ProgramQuestion

    program = make_program(slug="cohort", status=ProgramStatus.enrolling)
    pairing = make_pairing(program=program, status=PairingStatus.proposed, approved_at=None)
    applicant = make_participant(program, Role.mentee, status="applied")
    question = ProgramQuestion(program_id=program.id, label="Why now?")
    from portal.models.outbox import OutboxMessage, OutboxStatus

    message = OutboxMessage(
        key="k", to=["a@example.org"], subject="Hi", body="x", status=OutboxStatus.failed
    )
    db.session.add_all([question, message])
    db.session.commit()
    admin = make_admin()
    lead = make_lead(program)
    open_session(client, admin)
    values = {
        "slug": "cohort",
        "pairing_id": pairing.id,
        "mentee_id": pairing.mentee_id,
        "membership_id": applicant.id,
        "question_id": question.id,
        "action": "approve",
        "job_id": 1,
        "message_id": message.id,
        "key": "undo-0000",
        "lead_id": db.session.query(ProgramLead).filter_by(user_id=lead.id).one().id,
        "what": "participants",
        "user_id": pairing.mentee_id,
    }
    posts = [url for method, url in admin_urls(app, values) if method == "POST"]
    posts.append("/programs/cohort/apply")
    for url in posts:
        assert client.post(url, data={}).status_code == 400, url
    db.session.refresh(pairing)
    assert pairing.status is PairingStatus.proposed
    db.session.refresh(message)
    assert message.status is OutboxStatus.failed  # the retry without a token did nothing
