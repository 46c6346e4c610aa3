"""Sending mail: an SMTP adapter, or an outbox folder when no SMTP server is configured.

This module only carries finished messages: what a message says (its templates, the round's
own texts, the database queries behind them) is composed in :mod:`survey.services.mail`.

Configured by ``MOGNAD_SMTP_HOST``, ``MOGNAD_SMTP_PORT``, ``MOGNAD_SMTP_USER``,
``MOGNAD_SMTP_PASSWORD``, ``MOGNAD_SMTP_TLS`` (``starttls``, ``ssl`` or ``none``) and
``MOGNAD_MAIL_FROM``. Without a host every message becomes one ``.eml`` file in
``<instance>/outbox``, written atomically (a reader never sees half a message) and readable only
by the owner, because each message carries a live personal link.

The adapter tells the caller two kinds of failure apart: ``Refused`` (the server said no to this
recipient or message for good, so the others can still get theirs) and ``MailError`` (the
server cannot be reached or dropped the connection, so the run must stop).
"""

from __future__ import annotations

import os
import smtplib
import ssl
import tempfile
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any, Protocol

from survey.files import private_dir

TLS_MODES = ("starttls", "ssl", "none")
DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}
OUTBOX_SENDER = "mognad@localhost"
TIMEOUT = 30  # seconds per SMTP operation; a hung server must not hang a run forever


class MailConfigError(ValueError):
    """The mail settings cannot work; the message names the setting to fix."""


class Refused(Exception):
    """The server permanently refused this recipient or message; the next one may still go."""


class MailError(Exception):
    """The server cannot be reached or broke off; nothing more can be sent in this run."""


@dataclass(frozen=True)
class MailSettings:
    host: str
    port: int
    user: str
    password: str
    tls: str
    sender: str
    outbox: Path
    batch: int = 50

    @property
    def uses_outbox(self) -> bool:
        return not self.host

    def describe(self) -> str:
        """Where mail goes, for the operator (never the password)."""
        if self.uses_outbox:
            return f"the outbox folder {self.outbox}"
        return f"SMTP server {self.host}:{self.port} ({self.tls})"


def settings_from_config(config: Mapping[str, Any], instance_path: str) -> MailSettings:
    """Read and check the ``MOGNAD_SMTP_*`` settings, or raise MailConfigError saying which."""
    host = str(config.get("SMTP_HOST") or "").strip()
    tls = str(config.get("SMTP_TLS") or "starttls").strip().lower()
    if tls not in TLS_MODES:
        raise MailConfigError(
            f"MOGNAD_SMTP_TLS must be one of {', '.join(TLS_MODES)}, got {config.get('SMTP_TLS')!r}"
        )
    raw_port = config.get("SMTP_PORT")
    if raw_port in (None, ""):
        port = DEFAULT_PORTS[tls]
    else:
        try:
            port = int(str(raw_port))
        except (TypeError, ValueError):
            raise MailConfigError(
                f"MOGNAD_SMTP_PORT must be a port number, got {raw_port!r}"
            ) from None
        if not 0 < port < 65536:
            raise MailConfigError(f"MOGNAD_SMTP_PORT must be between 1 and 65535, got {port}")
    user, password = _raw(config, "SMTP_USER"), _raw(config, "SMTP_PASSWORD")
    if password and not user:
        raise MailConfigError("MOGNAD_SMTP_PASSWORD is set but MOGNAD_SMTP_USER is not")
    sender = str(config.get("MAIL_FROM") or "").strip()
    if host and not sender:
        raise MailConfigError("MOGNAD_MAIL_FROM must be set when MOGNAD_SMTP_HOST is set")
    if sender and ("@" not in sender or any(c in sender for c in "\r\n")):
        raise MailConfigError(f"MOGNAD_MAIL_FROM must be an e-mail address, got {sender!r}")
    try:
        batch = int(str(config.get("MAIL_BATCH", 50)))
    except ValueError:
        batch = 0
    if batch < 1:
        raise MailConfigError(
            "MOGNAD_MAIL_BATCH must be a whole number of at least 1, "
            f"got {config.get('MAIL_BATCH')!r}"
        )
    return MailSettings(
        batch=batch,
        host=host,
        port=port,
        user=user,
        password=password,
        tls=tls,
        sender=sender or OUTBOX_SENDER,
        outbox=Path(instance_path) / "outbox",
    )


def _raw(config: Mapping[str, Any], key: str) -> str:
    """The setting as typed: Flask reads ``MOGNAD_*`` as JSON, so a password ``123`` or
    ``true`` would otherwise arrive as a number or a boolean and be sent wrongly."""
    value = config.get(key)
    if value is None or isinstance(value, str):
        return value or ""
    return os.environ.get(f"MOGNAD_{key}", str(value))


def build_message(sender: str, to: str, subject: str, text: str, html: str) -> EmailMessage:
    """A plain-text message with an HTML alternative, as every mail client can show one."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(datetime.now(UTC))
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    return msg


class Sender(Protocol):
    def send(self, msg: EmailMessage) -> None: ...


class SmtpSender:
    """One open SMTP connection; ``send`` maps the server's answers to Refused or MailError."""

    def __init__(self, smtp: smtplib.SMTP) -> None:
        self.smtp = smtp

    def send(self, msg: EmailMessage) -> None:
        try:
            self.smtp.send_message(msg)
        except smtplib.SMTPRecipientsRefused as e:
            codes = "; ".join(f"{c} {_text(m)}" for c, m in e.recipients.values())
            raise Refused(codes) from None
        except smtplib.SMTPDataError as e:  # this message only; it is retried on the next run
            raise Refused(f"{e.smtp_code} {_text(e.smtp_error)}") from None
        except smtplib.SMTPNotSupportedError:
            raise Refused("the server cannot take this address (no SMTPUTF8)") from None
        except smtplib.SMTPSenderRefused as e:
            raise MailError(
                f"the SMTP server refused the sender address {e.sender} "
                f"({e.smtp_code} {_text(e.smtp_error)}); check MOGNAD_MAIL_FROM"
            ) from None
        except (smtplib.SMTPException, OSError) as e:
            raise MailError(f"the connection to the SMTP server broke off: {e}") from None


class OutboxSender:
    """Writes each message as one ``.eml`` file, atomically and readable by the owner only."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def send(self, msg: EmailMessage) -> None:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        target = self.folder / f"{stamp}-{uuid.uuid4().hex[:12]}.eml"
        fd, tmp = tempfile.mkstemp(prefix=".mail-", suffix=".tmp", dir=self.folder)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(msg.as_bytes(policy=policy.SMTP))
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        except OSError as e:
            with suppress(OSError):
                os.unlink(tmp)
            raise MailError(
                f"cannot write to the outbox {self.folder}: {e.strerror or e}"
            ) from None


def _text(value: bytes | str) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


@contextmanager
def connect(settings: MailSettings) -> Iterator[Sender]:
    """An open sender for one batch: an SMTP session (closed afterwards) or the outbox."""
    if settings.uses_outbox:
        try:
            private_dir(settings.outbox)
        except OSError as e:
            raise MailError(f"cannot create the outbox {settings.outbox}: {e.strerror}") from None
        yield OutboxSender(settings.outbox)
        return
    smtp = _open_smtp(settings)
    try:
        yield SmtpSender(smtp)
    finally:
        with suppress(smtplib.SMTPException, OSError):
            smtp.quit()
        with suppress(OSError):
            smtp.close()


def _open_smtp(settings: MailSettings) -> smtplib.SMTP:
    """Connect, secure and log in, or raise MailError having closed whatever was opened."""
    where = f"{settings.host}:{settings.port}"
    context = ssl.create_default_context()
    smtp: smtplib.SMTP | None = None
    try:
        if settings.tls == "ssl":
            smtp = smtplib.SMTP_SSL(settings.host, settings.port, timeout=TIMEOUT, context=context)
        else:
            smtp = smtplib.SMTP(settings.host, settings.port, timeout=TIMEOUT)
            if settings.tls == "starttls":
                smtp.starttls(context=context)
        if settings.user:
            smtp.login(settings.user, settings.password)
        return smtp
    except smtplib.SMTPAuthenticationError:
        problem = "refused the login; check MOGNAD_SMTP_USER and MOGNAD_SMTP_PASSWORD"
    except smtplib.SMTPNotSupportedError:
        problem = "does not offer STARTTLS or login; check MOGNAD_SMTP_TLS"
    except ssl.SSLError as e:
        problem = f"failed the TLS handshake (is its certificate trusted?): {e}"
    except (smtplib.SMTPException, OSError) as e:
        problem = f"cannot be reached or refused the connection: {e}"
    if smtp is not None:
        smtp.close()
    raise MailError(f"the SMTP server {where} {problem}")


@dataclass(frozen=True)
class OutboxMessage:
    """One message of the outbox, as an admin page lists it."""

    name: str
    date: str
    to: str
    subject: str
    text: str
    html: str


def outbox_messages(folder: Path, limit: int | None = None) -> list[OutboxMessage]:
    """The outbox's messages, newest first; half-written files (``.tmp``) are never listed."""
    if not folder.is_dir():
        return []
    paths = sorted(folder.glob("*.eml"), reverse=True)
    out = []
    for path in paths[:limit] if limit is not None else paths:
        with path.open("rb") as fh:
            msg = BytesParser(policy=policy.default).parse(fh)
        text = msg.get_body(preferencelist=("plain",))
        html = msg.get_body(preferencelist=("html",))
        out.append(
            OutboxMessage(
                name=path.name,
                date=str(msg["Date"] or ""),
                to=str(msg["To"] or ""),
                subject=str(msg["Subject"] or ""),
                text=text.get_content() if text is not None else "",
                html=html.get_content() if html is not None else "",
            )
        )
    return out
