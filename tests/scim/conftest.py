"""A SCIM token made by the real command (`flask --app portal scim create-token NAME`)."""

from __future__ import annotations

import pytest
import requests


@pytest.fixture
def scim_token(sso_server) -> str:
    result = sso_server.app.test_cli_runner().invoke(args=["scim", "create-token", "directory"])
    assert result.exit_code == 0, result.output
    return result.stdout.strip().splitlines()[0]


@pytest.fixture
def scim(sso_server, scim_token):
    """scim("GET", "/Users", json=...) against the live /scim/v2 with the bearer token."""

    def call(method: str, path: str, headers: dict | None = None, **kwargs) -> requests.Response:
        headers = {
            "Authorization": f"Bearer {scim_token}",
            "Content-Type": "application/scim+json",
            **(headers or {}),
        }
        url = sso_server("/scim/v2" + path)
        return requests.request(method, url, headers=headers, timeout=10, **kwargs)

    return call
