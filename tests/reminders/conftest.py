"""Guide test fixtures: a real local SMTP server per test, on a port the test chooses."""

import pytest

from tests.reminders.smtp import Inbox, start


@pytest.fixture
def inbox_factory():
    controllers = []

    def make(port: int, refuse: int = 0) -> Inbox:
        handler = Inbox(refuse)
        controllers.append(start(handler, port))
        return handler

    yield make
    for controller in controllers:
        controller.stop()
