"""Do the practice list, a practice's page, the prep page and the dashboard cost a fixed number
of queries however much material there is?"""

from datetime import date, timedelta

from portal.extensions import db
from portal.models.journal import EntryComment, Visibility
from tests.factories import (
    make_agenda_point,
    make_check_in,
    make_meeting,
    make_pairing,
    make_practice,
    make_practice_comment,
    make_practice_entry,
)


def _grow(pairing, size: int) -> int:
    """Add `size` practices per partner, each with check-ins and comments, plus entries."""
    first = None
    for owner, partner in ((pairing.mentee, pairing.mentor), (pairing.mentor, pairing.mentee)):
        for n in range(size):
            practice = make_practice(owner=owner, title=f"P{owner.id}-{n}")
            first = first or practice
            for day in range(3):
                check_in = make_check_in(practice, day=date.today() - timedelta(days=day))
                make_practice_comment(practice, partner, check_in_id=check_in.id)
            make_practice_comment(practice, owner)
            entry = make_practice_entry(owner, visibility=Visibility.shared)
            db.session.add(EntryComment(entry_id=entry.id, author_id=partner.id, body="Nice"))
            make_agenda_point(pairing, owner)
    db.session.commit()
    return first.id


def _queries(client, count_queries, url: str) -> int:
    client.get(url)  # warm up (first-request work, such as loading the user)
    with count_queries() as counter:
        response = client.get(url)
    assert response.status_code == 200
    return counter.count


def test_pages_cost_the_same_with_more_material(client, auth, count_queries):
    small = make_pairing()
    make_meeting(small, held_on=date.today() - timedelta(days=20))
    small_practice = _grow(small, 1)
    big = make_pairing()
    make_meeting(big, held_on=date.today() - timedelta(days=20))
    big_practice = _grow(big, 6)

    def costs(pairing, practice_id):
        auth.login(pairing.mentee)
        result = {
            url: _queries(client, count_queries, url)
            for url in (
                "/practice/",
                f"/practice/{practice_id}",
                f"/pairings/{pairing.id}/prep",
                "/dashboard/",
            )
        }
        auth.logout()
        return result

    small_costs = costs(small, small_practice)
    big_costs = costs(big, big_practice)
    assert list(small_costs.values()) == list(big_costs.values()), (small_costs, big_costs)
    assert max(big_costs.values()) <= 20, big_costs
