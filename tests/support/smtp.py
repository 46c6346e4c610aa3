"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives, for the mail tests.

The server binds port 0 and reads its port back (as ``servers`` does), so parallel workers
never race for one; the ``smtp_server`` fixture in ``tests/conftest.py`` wraps ``loopback``.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

from aiosmtpd.controller import Controller

LINK = re.compile(r"http://mognad\.test/s/[A-Za-z0-9_-]+")


class Inbox:
    """The aiosmtpd handler: refuses some recipients with 550 and stores every accepted message."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.refuse: set[str] = set()
        self.on_message: Callable[[int], None] | None = None  # called with the count so far
        self.lock = threading.Lock()
        self.port = 0

    async def handle_RCPT(  # noqa: N802  (aiosmtpd's hook name)
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        msg = BytesParser(policy=policy.default).parsebytes(envelope.content)
        with self.lock:
            self.messages.append(msg)
            count = len(self.messages)
        if self.on_message is not None:
            self.on_message(count)
        return "250 Message accepted for delivery"

    def to(self) -> list[str]:
        """Recipients of the received messages, in order."""
        return [str(m["To"]) for m in self.messages]

    def by_recipient(self) -> dict[str, list[EmailMessage]]:
        out: dict[str, list[EmailMessage]] = {}
        for m in self.messages:
            out.setdefault(str(m["To"]), []).append(m)
        return out


def parts(msg: EmailMessage) -> tuple[str, str]:
    """The plain-text and HTML bodies of a message (both must be there)."""
    text = msg.get_body(preferencelist=("plain",))
    html = msg.get_body(preferencelist=("html",))
    assert text is not None and html is not None, msg.get_content_type()
    return text.get_content(), html.get_content()


def link_of(msg: EmailMessage) -> str:
    """The one personal link of a message, the same in its text and HTML parts."""
    text, html = parts(msg)
    links = set(LINK.findall(text)) | set(LINK.findall(html))
    assert len(links) == 1, links
    return links.pop()


class _LoopbackController(Controller):
    """Binds port 0 and reads the port the system chose back from the listening socket."""

    def _trigger_server(self) -> None:
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


@contextmanager
def loopback(**options: Any) -> Iterator[Inbox]:
    """A running server on 127.0.0.1 and the inbox it fills; stopped after the block.

    ``options`` go to aiosmtpd's ``Controller`` (``ssl_context``, ``tls_context``, ...).
    """
    inbox = Inbox()
    controller = _LoopbackController(inbox, hostname="127.0.0.1", port=0, **options)
    controller.start()
    inbox.port = controller.port
    try:
        yield inbox
    finally:
        controller.stop()


def use_smtp(app: Any, inbox: Inbox, **extra: object) -> None:
    """Point the app's mail at the loopback server, in plain SMTP (no TLS on loopback)."""
    settings: dict[str, object] = {
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": inbox.port,
        "SMTP_TLS": "none",
        "MAIL_FROM": "enkat@example.org",
        "MAIL_BATCH": 2,
        "SMTP_USER": "",
        "SMTP_PASSWORD": "",
    }
    app.config.update({**settings, **extra})
