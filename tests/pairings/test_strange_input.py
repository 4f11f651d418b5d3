"""Does no input, however strange, answer 500 on the kick-off pages?"""

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models.kickoff import Goal
from tests.factories import make_agreement, make_goal, make_pairing, make_planned_meeting

STRANGE = ["\x00", "a\x00b", "💥" * 50, "<script>alert(1)</script>", "' OR 1=1 --", "\u202e" * 3]


@pytest.mark.parametrize("text", STRANGE)
def test_is_strange_text_stored_safely_or_refused_but_never_a_crash(client, auth, text):
    pairing = make_pairing()
    agreement = make_agreement(pairing, seeking="Lead.")
    goal = make_goal(pairing)
    meeting = make_planned_meeting(pairing)
    auth.login(pairing.mentee)
    p = pairing.id
    posts = [
        ("/profile/", {"timezone": text, "bio": text, "hopes": text, "offers": text}),
        ("/profile/", {"timezone": "UTC", "bio": text, "hopes": text, "offers": text}),
        (f"/pairings/{p}/goals", {"title": text, "why": text, "measure": text, "visibility": text}),
        (f"/pairings/{p}/goals", {"title": f"x{text}", "why": text, "visibility": "shared"}),
        (f"/pairings/{p}/goals/{goal.id}/rate", {"progress": text, "note": text}),
        (f"/pairings/{p}/goals/{goal.id}/rate", {"progress": "started", "note": text}),
        (f"/pairings/{p}/goals/{goal.id}/practices", {"practice_id": text}),
        (f"/pairings/{p}/agreement", {"seeking": text, "version": text, "meeting_minutes": text}),
        (
            f"/pairings/{p}/agreement",
            {
                "seeking": f"x{text}",
                "sharing": text,
                "version": str(agreement.version),
                "meeting_minutes": "60",
                "meeting_format": "video",
                "meeting_place": text,
            },
        ),
        (f"/pairings/{p}/agreement/sign", {"version": text}),
        (
            f"/pairings/{p}/schedule",
            {"day": text, "start_time": text, "minutes": text, "place": text},
        ),
        (
            f"/pairings/{p}/schedule",
            {"day": "2090-01-01", "start_time": "10:00", "minutes": "60", "place": text},
        ),
        (f"/pairings/{p}/schedule/{meeting.id}/reschedule", {f"move{meeting.id}-day": text}),
    ]
    for url, data in posts:
        response = client.post(url, data=data)
        assert response.status_code < 500, (url, data)
    for url in (
        f"/profile/calendar/{text}.ics",
        f"/pairings/{p}/goals/{goal.id}",
        f"/pairings/{p}/schedule",
        f"/pairings/{p}/agreement",
        "/profile/",
    ):
        assert client.get(url).status_code < 500, url
    # NUL bytes are dropped, never stored (PostgreSQL text cannot hold them).
    assert all("\x00" not in g.title for g in db.session.scalars(select(Goal)))
