"""Does a programme lead's dashboard list their programmes with what needs them, and only those?"""

from datetime import date, timedelta

from portal.models import MembershipStatus, PairingStatus, Role
from tests.factories import make_lead, make_pairing, make_participant, make_program


def test_does_the_lead_dashboard_list_their_programmes_with_the_figures_that_need_action(
    client, auth
):
    program = make_program(name="Alpha cohort", slug="alpha")
    other = make_program(name="Beta cohort", slug="beta")
    make_participant(program, Role.mentee, status=MembershipStatus.applied)
    make_participant(program, Role.mentee, status=MembershipStatus.applied)
    make_pairing(program=program, status=PairingStatus.proposed, approved_at=None)
    # Approved 60 days ago and never met: at risk by the published formula.
    long_ago = date.today() - timedelta(days=60)
    make_pairing(program=program, approved_at=long_ago)
    make_participant(other, Role.mentee, status=MembershipStatus.applied)
    auth.login(make_lead(program))
    page = client.get("/dashboard/").text
    assert "The programmes you lead" in page and "programme lead" in page
    assert "You are not part of a mentoring programme yet" not in page
    assert "Alpha cohort" in page and "Beta cohort" not in page
    panel = page.split('id="lead-panel"', 1)[1].split("</section>", 1)[0]
    assert (
        'data-label="Applications to review"><a href="/admin/enrollment?program=alpha">2</a>'
        in (panel)
    )
    assert 'data-label="Pairs to approve"><a href="/admin/matching/alpha">1</a>' in panel
    assert (
        'data-label="Pairs at risk"><a href="/admin/programs/alpha/pairs?status=at_risk">1</a>'
        in (panel)
    )
    assert "/admin/programs/alpha/analytics" in panel


def test_does_a_participant_without_a_lead_role_see_no_lead_panel(client, auth):
    program = make_program()
    pairing = make_pairing(program=program)
    auth.login(pairing.mentee)
    assert "The programmes you lead" not in client.get("/dashboard/").text
