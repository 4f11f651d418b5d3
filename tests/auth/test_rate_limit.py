"""Is signing in rate limited, in memory for one process and in Redis for many?"""

import uuid

import pytest
import redis

from tests.factories import make_user


def _attempts(client, n: int) -> list[int]:
    return [
        client.post(
            "/auth/login", data={"email": "lena@example.org", "password": "wrong password"}
        ).status_code
        for _ in range(n)
    ]


@pytest.mark.parametrize("app_config", [{"RATELIMIT_ENABLED": True}], indirect=False)
def test_is_login_blocked_after_ten_attempts_a_minute(client, app_config):
    make_user(email="lena@example.org")
    statuses = _attempts(client, 11)
    assert statuses[:10] == [422] * 10
    assert statuses[10] == 429
    assert "Too many attempts" in client.post("/auth/login", data={}).text


@pytest.fixture
def redis_url():
    url = "redis://127.0.0.1:6379/0"
    redis.Redis.from_url(url).ping()  # Redis is part of the platform; fail loudly if absent
    return url


def test_is_the_limit_shared_between_processes_through_redis(database_url, redis_url):
    """Two app instances (as two gunicorn workers would be) share one Redis counter."""
    from tests.conftest import make_test_app

    prefix = f"horizon-test-{uuid.uuid4().hex}"
    config = {
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": redis_url,
        "RATELIMIT_KEY_PREFIX": prefix,
    }
    first, second = make_test_app(database_url, **config), make_test_app(database_url, **config)
    try:
        assert _attempts(first.test_client(), 6) == [422] * 6
        assert _attempts(second.test_client(), 5) == [422] * 4 + [429]
    finally:
        client = redis.Redis.from_url(redis_url)
        for key in client.scan_iter(f"*{prefix}*"):
            client.delete(key)
        for instance in (first, second):
            with instance.app_context():
                from portal.extensions import db

                db.engine.dispose()
