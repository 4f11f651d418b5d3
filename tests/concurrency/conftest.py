"""A live server and two browsers that press the same button at the same moment.

These tests commit their data (the live server reads it through its own connections), so
they rely on the `app` fixture emptying every table afterwards. Each race sends its requests
from threads that wait on one `threading.Barrier`, so both land on the server together.
"""

from __future__ import annotations

import http.client
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from urllib.parse import urlencode

import pytest
from werkzeug.serving import make_server

from portal.extensions import db
from tests.conftest import make_test_app
from tests.factories import DEFAULT_PASSWORD


@dataclass
class Answer:
    status: int
    location: str
    body: str


@dataclass
class Browser:
    """One person's browser: a cookie jar and plain form posts, no redirects followed."""

    port: int
    cookies: dict[str, str] = field(default_factory=dict)

    def request(self, method: str, path: str, form: dict | None = None) -> Answer:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Host": "localhost"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            for name, value in response.getheaders():
                if name.lower() == "set-cookie":
                    key, _, rest = value.partition("=")
                    self.cookies[key] = rest.split(";", 1)[0]
            text = response.read().decode("utf-8", "replace")
            return Answer(response.status, response.getheader("Location") or "", text)
        finally:
            connection.close()

    def get(self, path: str) -> Answer:
        return self.request("GET", path)

    def post(self, path: str, form: dict | None = None) -> Answer:
        return self.request("POST", path, form or {})

    def flashes(self) -> str:
        """The next page's text, where a flash from the last POST shows."""
        return self.get("/dashboard/").body


@dataclass
class LiveServer:
    port: int

    def browser(self, user=None) -> Browser:
        """A new browser, signed in as `user` through the real login form."""
        browser = Browser(self.port)
        if user is not None:
            answer = browser.post(
                "/auth/login", {"email": user.email, "password": DEFAULT_PASSWORD}
            )
            assert answer.status == 303, answer.body[:500]
        return browser


@pytest.fixture
def live(app, database_url) -> Iterator[LiveServer]:
    """The app served by a threaded werkzeug server on a free port, on the test database."""
    served = make_test_app(database_url)
    server = make_server("127.0.0.1", 0, served, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveServer(server.server_port)
    finally:
        server.shutdown()
        thread.join(10)
        server.server_close()
        with served.app_context():
            db.engine.dispose()
        # The test's own session saw the data before the race: read it afresh.
        db.session.rollback()


def at_once(*calls: Callable[[], Answer]) -> list[Answer]:
    """Run each call in its own thread, all released together by one barrier."""
    barrier = threading.Barrier(len(calls))
    answers: list[Answer | BaseException | None] = [None] * len(calls)

    def run(index: int, call: Callable[[], Answer]) -> None:
        barrier.wait()
        try:
            answers[index] = call()
        except BaseException as error:  # reported below, in the test's thread
            answers[index] = error

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    for answer in answers:
        if isinstance(answer, BaseException):
            raise answer
    # The test's own session read the world before the race: forget it, read afresh.
    db.session.rollback()
    return answers  # type: ignore[return-value]


def statuses(answers: list[Answer]) -> list[int]:
    return sorted(a.status for a in answers)
