"""scim2-tester (python-scim, an RFC 7643/7644 checker) against /scim/v2 over real HTTP.

Every check it runs must succeed; Horizon offers no Groups, Bulk, sorting or password
changes (docs/identity.md lists what that skips), so scim2-tester runs no checks for them.
"""

from __future__ import annotations

import httpx2
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import Status, check_server


def test_scim2_tester_passes_every_check(sso_server, scim_token):
    client = SyncSCIMClient(
        httpx2.Client(
            base_url=sso_server("/scim/v2"), headers={"Authorization": f"Bearer {scim_token}"}
        )
    )
    client.discover()
    results = check_server(client, raise_exceptions=False)
    tally: dict[str, int] = {}
    for result in results:
        tally[result.status.name] = tally.get(result.status.name, 0) + 1
    print("scim2-tester:", tally)
    not_passed = [r for r in results if r.status is not Status.SUCCESS]
    assert not not_passed, "\n".join(f"{r.status.name} {r.title}: {r.reason}" for r in not_passed)
    assert len(results) >= 100
