"""Does the audit log page by key, newest first, whatever its length?"""

from __future__ import annotations

from datetime import timedelta

from portal.extensions import db
from portal.models import utcnow
from portal.models.enrollment import AuditEvent
from portal.services.platform.audit import LOG_PAGE
from tests.factories import make_admin, make_lead, make_program


def _events(n: int, program=None) -> None:
    now = utcnow()
    db.session.add_all(
        AuditEvent(
            action="test.logged",
            summary=f"Decision {i:03d}",
            program_id=program.id if program else None,
            created_at=now - timedelta(minutes=i // 2),  # pairs share a time: ties by id
        )
        for i in range(n)
    )
    db.session.commit()


def _shown(html: str) -> list[str]:
    return [part.split("<", 1)[0] for part in html.split("Decision ")[1:]]


def test_does_the_log_page_by_key_with_no_row_twice_or_missed(client, auth):
    _events(2 * LOG_PAGE + 7)
    auth.login(make_admin())
    seen, url = [], "/admin/audit"
    for _ in range(5):
        html = client.get(url).text
        seen += _shown(html)
        if 'rel="next"' not in html:
            break
        url = html.split('rel="next" href="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    assert len(seen) == 2 * LOG_PAGE + 7 and len(set(seen)) == len(seen)
    # Newest first; two events at the same moment: the later written (higher id) first.
    assert seen[:4] == ["001", "000", "003", "002"] and seen[-1] == f"{2 * LOG_PAGE + 6:03d}"


def test_does_a_programmes_log_keep_its_filter_on_the_next_page(client, auth):
    program, other = make_program(slug="one"), make_program(slug="two")
    _events(LOG_PAGE + 3, program)
    _events(4, other)
    lead = make_lead(program)
    auth.login(lead)
    html = client.get("/admin/audit?program=one").text
    link = html.split('rel="next" href="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    assert "program=one" in link
    assert len(_shown(client.get(link).text)) == 3


def test_is_a_malformed_key_the_first_page(client, auth):
    _events(3)
    auth.login(make_admin())
    for key in ("nonsense", "2026-13-45T99:00:00.1", "%00", "9" * 400, ".5"):
        response = client.get("/admin/audit", query_string={"older": key})
        assert response.status_code in (200, 400)
        if response.status_code == 200:
            assert len(_shown(response.text)) == 3
