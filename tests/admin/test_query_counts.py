"""Do the admin pages cost a fixed number of queries, whatever the cohort's size?"""

import pytest

from portal.models import MembershipStatus, PairingStatus, ProgramStatus, Role
from tests.factories import make_admin, make_pairing, make_participant, make_program


def cohort(size: int):
    program = make_program(slug=f"c{size}", status=ProgramStatus.enrolling)
    for _ in range(size):
        make_pairing(program=program, status=PairingStatus.proposed, approved_at=None)
        make_pairing(program=program)
        make_participant(program, Role.mentee)
        make_participant(program, Role.mentee, status=MembershipStatus.applied)
    return program


@pytest.mark.parametrize("page", ["/admin/matching/{slug}", "/admin/enrollment", "/admin/"])
def test_page_queries_do_not_grow_with_the_cohort(client, auth, count_queries, page):
    auth.login(make_admin())
    costs = []
    for size in (2, 8):
        program = cohort(size)
        url = page.format(slug=program.slug)
        client.get(url)  # warm up
        with count_queries() as counter:
            assert client.get(url).status_code == 200
        costs.append(counter.count)
    assert costs[0] == costs[1], costs
