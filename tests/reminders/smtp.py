"""A real local SMTP server (aiosmtpd) that keeps what it receives, or refuses it."""

from __future__ import annotations

import email
import socket
import threading
from email import policy

from aiosmtpd.controller import Controller


class Inbox:
    """Keeps every accepted message; refuses the first `refuse` deliveries with a 554."""

    def __init__(self, refuse: int = 0) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.refuse = refuse
        self.refused = 0
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        with self._lock:
            if self.refused < self.refuse:
                self.refused += 1
                return "554 Transaction failed: try again later"
            self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def to(self, address: str) -> list:
        return [m for m in self.messages if address in m["To"]]


def free_port() -> int:
    """A TCP port nobody listens on now (asked of the OS), so parallel runs never collide."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def smtp_config(port: int, base_url: str = "https://horizon.example.test") -> dict:
    return {
        "MAIL_BACKEND": "smtp",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": port,
        "MAIL_USE_TLS": False,
        "MAIL_TIMEOUT": 5,
        "BASE_URL": base_url,
    }


def start(handler: Inbox, port: int) -> Controller:
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    return controller
