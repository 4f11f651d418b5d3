"""Can an admin change a proposed pair's mentor when every mentor is full? Search and exchange."""

from sqlalchemy import select

from portal.extensions import db
from portal.models import Pairing, PairingStatus, ProgramStatus, Role
from portal.models.enrollment import AuditEvent
from tests.admin.test_matching_views import cohort, pairings, propose  # noqa: F401
from tests.factories import make_admin, make_participant, mentor_profile


def _proposed(program, people):
    ana = next(p for p in pairings(program) if p.mentee_id == people["ana"].id)
    ben = next(p for p in pairings(program) if p.mentee_id == people["ben"].id)
    return ana, ben


def test_every_mentor_full_the_search_offers_an_exchange_with_both_scores(client, auth, cohort):  # noqa: F811
    program, people = cohort
    auth.login(make_admin())
    propose(client, program)
    ana_pair, ben_pair = _proposed(program, people)
    page = client.get(f"/admin/matching/{program.slug}/mentees/{people['ben'].id}/mentors")
    assert page.status_code == 200
    assert "(0 free)" not in page.text
    assert "Exchange mentors" in page.text
    assert f"exchange with {people['ana'].name}" in page.text
    # Both pairs' new scores are shown before anything changes.
    assert page.text.count("→") >= 1 and "Both pairs together" in page.text


def test_an_exchange_swaps_both_mentors_in_one_step_and_is_logged(client, auth, cohort):  # noqa: F811
    program, people = cohort
    auth.login(make_admin())
    propose(client, program)
    ana_pair, ben_pair = _proposed(program, people)
    response = client.post(
        f"/admin/matching/{program.slug}/pairings/{ben_pair.id}/exchange",
        data={"with_pairing_id": ana_pair.id},
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Pairing, ben_pair.id).mentor_id == people["marta"].id
    assert db.session.get(Pairing, ana_pair.id).mentor_id == people["nils"].id
    assert all(p.status is PairingStatus.proposed for p in pairings(program))
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "pairing.exchanged"))
    assert people["ben"].name in event.summary and people["ana"].name in event.summary


def test_an_exchange_that_breaks_a_rule_for_either_pair_is_refused(client, auth, cohort):  # noqa: F811
    program, people = cohort
    # Ana asked never to be paired with Nils: Ben may not hand Nils over to her.
    ana = next(m for m in program.memberships if m.user_id == people["ana"].id)
    ana.profile = {**ana.profile, "avoid": [people["nils"].email]}
    db.session.commit()
    auth.login(make_admin())
    propose(client, program)
    ana_pair, ben_pair = _proposed(program, people)
    page = client.get(f"/admin/matching/{program.slug}/mentees/{people['ben'].id}/mentors")
    assert "Exchange mentors" not in page.text
    assert "1 other mentor matches but would break a hard rule" in page.text
    response = client.post(
        f"/admin/matching/{program.slug}/pairings/{ben_pair.id}/exchange",
        data={"with_pairing_id": ana_pair.id},
        follow_redirects=True,
    )
    assert "avoid list" in response.text
    db.session.expire_all()
    assert db.session.get(Pairing, ben_pair.id).mentor_id == people["nils"].id


def test_mentor_search_lists_free_compatible_mentors_by_name(client, auth, cohort):  # noqa: F811
    program, people = cohort
    free = make_participant(
        program, Role.mentor, profile=mentor_profile(strengths=["cooking"], capacity=2)
    )
    far = make_participant(
        program, Role.mentor, profile=mentor_profile(timezone="Pacific/Auckland")
    )
    auth.login(make_admin())
    propose(client, program)
    url = f"/admin/matching/{program.slug}/mentees/{people['ana'].id}/mentors"
    page = client.get(url).text
    assert f"Swap to {free.user.name}" in page
    assert far.user.name not in page  # no shared working hours: not offered
    only = client.get(
        url,
        query_string={"q": free.user.name},
        headers={"HX-Request": "true", "HX-Target": "mentor-choices"},
    )
    assert only.text.lstrip().startswith('<section id="mentor-choices"')
    assert people["nils"].name not in only.text


def test_mentor_search_for_someone_not_in_the_programme_is_404(client, auth, cohort):  # noqa: F811
    program, people = cohort
    auth.login(make_admin())
    assert client.get(f"/admin/matching/{program.slug}/mentees/999999/mentors").status_code == 404
    strange = client.get(
        f"/admin/matching/{program.slug}/mentees/{people['ana'].id}/mentors",
        query_string={"q": "%_'\"<script>🙂" * 20},
    )
    assert strange.status_code == 200


def test_the_board_pages_and_searches_proposals(client, auth):
    from portal.models import Program  # noqa: F401
    from tests.factories import make_pairing, make_program

    program = make_program(slug="big", status=ProgramStatus.running)
    for i in range(55):
        make_pairing(program=program, status=PairingStatus.proposed, approved_at=None, score=i)
    auth.login(make_admin())
    first = client.get("/admin/matching/big").text
    assert "1–50 of 55" in first and "Approve all 55" in first
    second = client.get("/admin/matching/big?page=2").text
    assert "51–55 of 55" in second
    assert second.count('class="proposal"') == 5
    name = pairings(program)[0].mentee.name
    found = client.get("/admin/matching/big", query_string={"q": name}).text
    assert found.count('class="proposal"') == 1
    assert client.get("/admin/matching/big?page=abc&sort=nonsense").status_code == 200
