"""Does the app start, and does a signed-in person reach their dashboard?"""

from tests.factories import make_pairing


def test_signed_in_mentee_sees_their_mentor(client, auth):
    pairing = make_pairing()
    response = auth.login(pairing.mentee)
    assert response.status_code == 303
    page = client.get("/dashboard/")
    assert page.status_code == 200
    assert pairing.mentor.name in page.text
    assert 'id="mentee-panel"' in page.text
