"""Is the SCIM API rate limited per token and per address, across processes (Redis)?"""

from __future__ import annotations

import os
import uuid

import pytest
import redis

from portal.extensions import db
from portal.services.scim import users as scim_users
from tests.conftest import make_test_app

REDIS_URL = os.environ.get("HORIZON_TEST_REDIS_URL", "redis://127.0.0.1:6379/1")


@pytest.fixture
def two_instances(database_url):
    """Two app instances (as two gunicorn workers) sharing one Redis counter, small limits."""
    redis.Redis.from_url(REDIS_URL).ping()
    prefix = f"horizon-test-{uuid.uuid4().hex}"
    config = {
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": REDIS_URL,
        "RATELIMIT_KEY_PREFIX": prefix,
        "SCIM_RATE_LIMIT": "4 per minute",
        "SCIM_ADDRESS_RATE_LIMIT": "7 per minute",
    }
    first, second = make_test_app(database_url, **config), make_test_app(database_url, **config)
    yield first, second
    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(f"*{prefix}*"):
        client.delete(key)
    for instance in (first, second):
        with instance.app_context():
            db.engine.dispose()


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
