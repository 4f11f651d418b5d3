"""Does the demo show mentees-choose at work: Lena browses, Marcus has a request waiting and
offers office hours, the away and the full mentor are not listed, the team sees the funnel?"""

from __future__ import annotations

from portal.demo.seed import DEMO_PASSWORD, seed_demo


def _login(client, email):
    client.post("/auth/logout")
    assert (
        client.post("/auth/login", data={"email": email, "password": DEMO_PASSWORD}).status_code
        == 303
    )


def test_the_demo_programme_where_mentees_choose(app, client):
    seed_demo()
    _login(client, "mentee@example.org")
    page = client.get("/choose/find-your-mentor/").text
    assert "Why suggested" in page and "Marcus Bell" in page
    assert "Wen Adler" not in page  # away until next month
    assert "Kofi Brooks" not in page  # full
    assert "Office hours in Find your mentor" in client.get("/office-hours/").text
    slots = client.get("/office-hours/find-your-mentor/").text
    assert slots.count("career planning, giving feedback") == 3
    _login(client, "mentor@example.org")
    requests = client.get("/choose/requests").text
    assert "Waiting for an answer" in requests
    _login(client, "admin@example.org")
    team = client.get("/admin/programs/find-your-mentor/choosing").text
    assert "Mean rating: 4.5 of 5" in team and "fewer than 5" in team
