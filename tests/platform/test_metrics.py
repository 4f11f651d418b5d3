"""Is /metrics served to the operator's scrapers only, with bounded labels? (Prometheus)"""

from __future__ import annotations

import pytest

from tests.factories import make_user

TOKEN = {"METRICS_TOKEN": "s3cret-token"}


def _scrape(client, address="127.0.0.1", **headers):
    return client.get("/metrics", environ_base={"REMOTE_ADDR": address}, headers=headers)


def test_does_the_local_scraper_get_text_format_with_request_counts(client):
    client.get("/healthz")
    response = _scrape(client)
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    text = response.text
    assert 'horizon_http_requests_total{endpoint="main.health",method="GET",status="200"}' in text
    assert "horizon_http_request_duration_seconds_bucket" in text
    assert "horizon_queue_length" in text
    assert 'horizon_outbox_messages{status="uncertain"}' in text
    assert "horizon_workers_alive" in text


def test_does_a_remote_address_get_a_404(client):
    assert _scrape(client, "203.0.113.5").status_code == 404
    assert _scrape(client, "203.0.113.5", Authorization="Bearer guess").status_code == 404


@pytest.mark.parametrize("app_config", [TOKEN])
def test_does_the_configured_token_open_it_from_anywhere(client):
    assert _scrape(client, "203.0.113.5", Authorization="Bearer s3cret-token").status_code == 200
    assert _scrape(client, "203.0.113.5", Authorization="Bearer s3cret-toke").status_code == 404


@pytest.mark.parametrize("app_config", [{"METRICS_ALLOW": ("10.0.0.0/8",)}])
def test_does_the_allow_list_replace_localhost(client):
    assert _scrape(client, "10.1.2.3").status_code == 200
    assert _scrape(client, "127.0.0.1").status_code == 404


def test_are_labels_endpoint_names_never_paths_or_text(client, auth):
    marker = "ZQXJ-metrics-marker"
    user = make_user()
    auth.login(user)
    client.get(f"/journal/?q={marker}")
    client.get(f"/no-such-page-{marker}")
    text = _scrape(client).text
    assert marker not in text
    assert 'endpoint="unmatched"' in text
