"""Browser tests: a live Horizon with demo data, driven in Debian's Chromium by Playwright.

Each test gets its own server and SQLite database, a copy of the demo data, so tests
never see each other's changes. The demo database is migrated and seeded once per run
(per xdist worker): seeding took longer than most browser tests themselves. On failure a
screenshot goes to tests/e2e/artifacts/.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import threading
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from flask_migrate import upgrade
from playwright.sync_api import Browser, Page, expect, sync_playwright
from werkzeug.serving import make_server

from portal import MIGRATIONS_DIR, create_app
from portal.demo.seed import DEMO_PASSWORD, seed_demo
from portal.extensions import db

AXE = Path(__file__).parents[2] / "node_modules" / "axe-core" / "axe.min.js"
# The W3C Nu HTML checker, from npm (vnu-jar), run on the machine's Java.
VNU = Path(__file__).parents[2] / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
JAVA = os.environ.get("JAVA_PATH", "/usr/bin/java")
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).parent / "artifacts"
# Without the background-networking flags Chromium keeps dialling out, and this
# machine's network refuses every attempt.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@dataclass
class LiveServer:
    url: str
    app: Flask

    def __call__(self, path: str = "/") -> str:
        return self.url + path


# The settings of every live Horizon (a test may add its own, see `live_server`).
LIVE_SETTINGS = {
    "SECRET_KEY": "e2e-secret",
    "RATELIMIT_ENABLED": False,
    "NOTIFICATION_POLL_SECONDS": 2,
    # Background jobs and e-mail run inline in the server (no consumer process).
    "TASKS_IMMEDIATE": True,
    "MAIL_BACKEND": "locmem",
    # Real argon2id with its cheapest parameters (the demo's hash and every sign-in).
    "PASSWORD_HASH_PROFILE": "cheapest",
}


@pytest.fixture(scope="session")
def demo_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database with the newest schema and the demo data, built once per worker."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", **LIVE_SETTINGS})
    with app.app_context():
        upgrade(directory=MIGRATIONS_DIR, revision="heads")
        seed_demo()
        db.engine.dispose()
    return path


@pytest.fixture
def live_server(
    tmp_path: Path, demo_database: Path, request: pytest.FixtureRequest
) -> Iterator[LiveServer]:
    """A live Horizon on its own copy of the demo database; parametrize it indirectly with a
    dict to change its settings."""
    database = tmp_path / "e2e.db"
    with (
        closing(sqlite3.connect(demo_database)) as source,
        closing(sqlite3.connect(database)) as copy,
    ):
        source.backup(copy)
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
            **LIVE_SETTINGS,
            **getattr(request, "param", {}),
        }
    )
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveServer(url=f"http://127.0.0.1:{server.server_port}", app=app)
    finally:
        server.shutdown()
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is not at {CHROMIUM}: run 'apt-get install -y chromium'.")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def _artifact_name(nodeid: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid)[-150:]


@pytest.fixture
def new_page(browser: Browser, request: pytest.FixtureRequest):
    """`new_page(javascript=True, viewport=DESKTOP)` opens a page in a fresh browser context.

    `bypass_csp=True` lets a test inject its own tools (axe-core) into the page.

    Every page opened this way is screenshotted when the test fails.
    """
    contexts = []

    def open_page(
        javascript: bool = True, viewport: dict | None = None, bypass_csp: bool = False
    ) -> Page:
        context = browser.new_context(
            java_script_enabled=javascript, viewport=viewport or DESKTOP, bypass_csp=bypass_csp
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    failed = any(
        getattr(request.node, f"rep_{when}", None) is not None
        and getattr(request.node, f"rep_{when}").failed
        for when in ("setup", "call")
    )
    for index, context in enumerate(contexts):
        if failed:
            ARTIFACTS.mkdir(exist_ok=True)
            for page_index, page in enumerate(context.pages):
                name = f"{_artifact_name(request.node.nodeid)}-{index}-{page_index}.png"
                page.screenshot(path=str(ARTIFACTS / name), full_page=True)
        context.close()


@pytest.fixture
def page(new_page) -> Page:
    return new_page()


def sign_in(page: Page, server: LiveServer, email: str, password: str = DEMO_PASSWORD) -> None:
    """Sign in through the login form and wait for the dashboard."""
    page.goto(server("/auth/login"))
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/dashboard/$"))


def accessibility_violations(page: Page) -> list[dict]:
    """Serious and critical WCAG 2.1 A/AA problems that axe-core finds on the page."""
    if not AXE.exists():
        pytest.fail("axe-core is missing: run 'npm ci' (make test does).")
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate(
        """async () => {
            const result = await axe.run(document, {
                runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
                resultTypes: ["violations"],
            });
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(" ")),
            }));
        }"""
    )
    return [v for v in violations if v["impact"] in ("serious", "critical")]


def html_errors(documents: dict[str, str], workdir: Path) -> dict[str, list[str]]:
    """Errors the Nu HTML checker finds, by document name; one Java run for all of them."""
    if not VNU.exists():
        pytest.fail("vnu-jar is missing: run 'npm ci' (make test does).")
    if not Path(JAVA).exists():
        pytest.fail(f"Java is not at {JAVA}: run 'apt-get install -y default-jre-headless'.")
    files = {}
    for index, (name, html) in enumerate(documents.items()):
        path = workdir / f"doc-{index}.html"
        path.write_text(html, encoding="utf-8")
        files[path.name] = name
    result = subprocess.run(  # noqa: S603 (our own Java, jar and files)
        [
            JAVA,
            "-jar",
            str(VNU),
            "--format",
            "json",
            "--errors-only",
            *map(str, (workdir / f"doc-{i}.html" for i in range(len(files)))),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    found: dict[str, list[str]] = {}
    for message in json.loads(result.stderr or "{}").get("messages", []):
        if message.get("type") != "error":
            continue
        url = message.get("url", "")
        name = files.get(url.rsplit("/", 1)[-1], url)
        found.setdefault(name, []).append(
            f"line {message.get('lastLine')}: {message.get('message')}"
        )
    return found
