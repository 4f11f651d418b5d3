"""Is the SCIM API rate limited per token and per address, across processes (Redis)?"""

from __future__ import annotations

import uuid

import pytest

from portal.extensions import db
from portal.services.scim import users as scim_users
from tests.conftest import instances_sharing_redis


@pytest.fixture
def two_instances(database_url):
    """Two app instances sharing one Redis counter, with small SCIM limits."""
    limits = {"SCIM_RATE_LIMIT": "4 per minute", "SCIM_ADDRESS_RATE_LIMIT": "7 per minute"}
    with instances_sharing_redis(database_url, **limits) as instances:
        yield instances


def _token(app) -> str:
    with app.app_context():
        token, _row = scim_users.create_token(f"dir-{uuid.uuid4().hex[:6]}", None)
        db.session.commit()
        return token


def _get(app, token: str, address: str) -> tuple[int, str]:
    response = app.test_client().get(
        "/scim/v2/Users?count=1",
        headers={"Authorization": f"Bearer {token}"},
        environ_base={"REMOTE_ADDR": address},
    )
    return response.status_code, response.content_type


def test_one_token_is_limited_across_instances_and_another_token_is_not(two_instances):
    first, second = two_instances
    busy, quiet = _token(first), _token(first)
    statuses = [_get(first, busy, "198.51.100.1")[0] for _ in range(2)]
    statuses += [_get(second, busy, f"198.51.100.{i}")[0] for i in range(2, 5)]
    assert statuses == [200, 200, 200, 200, 429]
    status, kind = _get(second, busy, "198.51.100.9")
    assert status == 429 and kind.startswith("application/scim+json")
    assert _get(first, quiet, "198.51.100.9")[0] == 200


def test_guessing_tokens_from_one_address_is_limited(two_instances):
    first, second = two_instances
    guesses = [_get(first, f"hzs_guess{i}", "203.0.113.7")[0] for i in range(4)]
    guesses += [_get(second, f"hzs_guess{i}", "203.0.113.7")[0] for i in range(4, 8)]
    assert guesses == [401] * 7 + [429]
    # The same address stays limited even with a real token; another address is not.
    real = _token(first)
    assert _get(first, real, "203.0.113.7")[0] == 429
    assert _get(first, real, "203.0.113.8")[0] == 200
