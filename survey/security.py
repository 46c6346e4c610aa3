"""Security headers, hostile input and what reaches the logs.

- Every response: strict CSP (no inline script or style), no framing; HSTS when the public
  address is https (the session cookie is then ``Secure`` too, see ``configure``).
- Control characters in any form field or query value stop the request with a 400 before a
  view runs, so nothing half-way is stored and no database error can echo the text. So does
  text that is not UTF-8: Werkzeug decodes it with U+FFFD in place of each bad byte, and the
  replacement character is refused wherever it stands (no keyboard types it), rather than stored
  as a silently altered answer.
- Integer path variables are bounded (``BoundedInt``): a 30-digit round id is a 404 like any
  unknown id, not an overflow in the database driver.
- Tokens and unit-link keys are secrets that identify a person or a link: log records of the
  development server, gunicorn and the app pass through ``RedactFilter`` so they never carry one.
"""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import quote, unquote, unquote_to_bytes

from flask import Flask, Response, request
from flask_babel import gettext as _
from werkzeug.exceptions import BadRequest
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter, Map

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
HSTS = "max-age=31536000; includeSubDomains"

# C0 controls and DEL, except tab and newline; a carriage return only right before a newline.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|\r(?!\n)")

# /s/<token>, the key of /o/<round>/<unit>/<key> (raw or percent-encoded slashes alike),
# staff set-up links /auth/setup/<token>, and API tokens wherever an Authorization header is
# written out (an access-log format with %({authorization}i), a dumped request).
_SECRET_PATHS = (
    (re.compile(r"(/s/)[^\s\"'?#]+"), r"\1[redacted]"),
    (re.compile(r"(/o/[^/\s\"'?#]+/[^\s\"'?#]+/)[^/\s\"'?#]+"), r"\1[redacted]"),
    (re.compile(r"(/auth/setup/)[^\s\"'?#]+"), r"\1[redacted]"),
    (re.compile(r"(\bBearer\s+)[^\s\"',;]+", re.IGNORECASE), r"\1[redacted]"),
)


# What every pattern above and every percent-encoded run needs to match: without any of these
# fixed parts, nothing in a text can be a secret path or key.
_MAYBE_SECRET = re.compile(r"/s/|/o/|/auth/setup/|bearer|%[0-9A-Fa-f]{2}", re.IGNORECASE)
# A run of text holding at least one percent escape: a path or query as the client sent it.
_ENCODED = re.compile(r"[^\s\"']*%[0-9A-Fa-f]{2}[^\s\"']*")
# Characters kept as they are when a decoded, redacted path is written back in escaped form.
_PATH_SAFE = "/[]?&=:;,@+!$*()~-._"
_DECODE_ROUNDS = 3


def redact(text: str) -> str:
    """``text`` with every personal token and unit-link key replaced by ``[redacted]``.

    The raw text first, then every percent-encoded run decoded as the server decodes a path:
    ``/%73/<token>`` and ``/s%2F<token>`` reach the link route although the raw request line
    shows no ``/s/``. A run that hides a secret once (or twice, thrice) decoded is written
    back decoded, redacted and escaped again, so a ``%0A`` cannot start a new log line.
    Text holding none of the patterns' fixed parts is returned at once: gunicorn passes every
    header of every request through here (twice), and most hold nothing to redact.
    """
    if _MAYBE_SECRET.search(text) is None:
        return text
    return _ENCODED.sub(_redact_encoded, _redact_plain(text))


def _redact_plain(text: str) -> str:
    for pattern, replacement in _SECRET_PATHS:
        text = pattern.sub(replacement, text)
    return text


def _redact_encoded(match: re.Match[str]) -> str:
    raw = current = match.group(0)
    for _round in range(_DECODE_ROUNDS):
        decoded = unquote(current)
        if decoded == current:
            break
        current = decoded
        redacted = _redact_plain(current)
        if redacted != current:
            return quote(redacted, safe=_PATH_SAFE)
    return raw


class RedactFilter(logging.Filter):
    """Rewrite a record so that neither its message, its arguments nor its traceback holds a secret.

    A filter, not a formatter: it works whatever handler or format the operator configures.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, dict):
            record.args = {k: _redact_arg(v) for k, v in record.args.items()}
        elif isinstance(record.args, tuple):
            record.args = tuple(_redact_arg(a) for a in record.args)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


def _redact_arg(value: object) -> object:
    return redact(value) if isinstance(value, str) else value


LOGGERS = ("werkzeug", "gunicorn.error", "gunicorn.access", "flask-limiter")


def install_log_redaction(*extra: logging.Logger) -> None:
    """Put one RedactFilter on the web servers' loggers (idempotent: safe for every app)."""
    for logger in [logging.getLogger(name) for name in LOGGERS] + list(extra):
        if not any(isinstance(f, RedactFilter) for f in logger.filters):
            logger.addFilter(RedactFilter())


# The largest id an id column holds: PostgreSQL's INTEGER (SQLAlchemy binds the value cast to
# it, so a larger one is an error, not a miss). SQLite's driver overflows only past 2**63 - 1.
LARGEST_ID = 2**31 - 1


class BoundedInt(IntegerConverter):
    """``<int:…>`` that matches only what a database integer can hold.

    Werkzeug's converter takes any run of digits; PostgreSQL then refuses an id past its INTEGER
    range and SQLite's driver overflows on a 20-digit one, which would be a 500. Beyond the bound
    the rule does not match, so the request is the ordinary 404 of an unknown page.
    """

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", LARGEST_ID)
        super().__init__(url_map, *args, **kwargs)


class RefusedText(BadRequest):
    """A form field or query value holds text that is refused before any view runs."""


class ControlCharacters(RefusedText):
    """A form field or query value holds a control character (NUL and the like)."""


class NotUtf8(RefusedText):
    """A form field or query value was not valid UTF-8 (decoded with U+FFFD in its place)."""


def control_characters_message() -> str:
    return _(
        "Det du skickade innehåller otillåtna styrtecken (till exempel NUL). Ingenting har "
        "sparats. Gå tillbaka, skriv in texten igen utan styrtecknen och försök igen."
    )


def not_utf8_message() -> str:
    return _(
        "Det du skickade innehåller tecken som inte kunde läsas (ogiltig UTF-8). Ingenting har "
        "sparats. Gå tillbaka, skriv in texten igen och försök igen."
    )


REPLACEMENT = "\ufffd"


def _posted() -> list[tuple[str, str]]:
    return [pair for values in (request.args, request.form) for pair in values.items(multi=True)]


def has_control_characters() -> bool:
    return any(CONTROL.search(key) or CONTROL.search(value) for key, value in _posted())


def _not_utf8(raw: bytes) -> bool:
    """Whether a query string or form body holds a name or value that is not UTF-8.

    Werkzeug keeps a percent escape it cannot decode as the literal text ("%FF") and drops the
    whole body when raw bytes are not UTF-8, so the decoded form cannot tell; the bytes can.
    """
    for pair in raw.split(b"&"):
        for part in pair.split(b"=", 1):
            try:
                unquote_to_bytes(part.replace(b"+", b" ")).decode("utf-8")
            except UnicodeDecodeError:
                return True
    return False


def has_undecodable_text() -> bool:
    if _not_utf8(request.query_string):
        return True
    if request.mimetype == "application/x-www-form-urlencoded" and _not_utf8(
        request.get_data(cache=True)
    ):
        return True
    # Multipart fields are decoded with U+FFFD in place of each bad byte.
    return any(REPLACEMENT in key or REPLACEMENT in value for key, value in _posted())


def init_app(app: Flask) -> None:
    install_log_redaction(app.logger)
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies > 0:
        # Wrapping wsgi_app is how Flask documents middleware; mypy sees a method being replaced.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]
    https = str(app.config["BASE_URL"]).lower().startswith("https://")

    def refuse_unreadable_text() -> None:
        if has_undecodable_text():
            raise NotUtf8(description=not_utf8_message())
        if has_control_characters():
            raise ControlCharacters(description=control_characters_message())

    # First of all request hooks: a body that is not UTF-8 reaches the form-token check as an
    # empty form, and would be refused there with a message about the wrong problem.
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_unreadable_text)

    @app.after_request
    def headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if https:
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        return response
