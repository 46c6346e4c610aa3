"""Security headers, hostile input and what reaches the logs.

- Every response: strict CSP (no inline script or style), no framing; HSTS when the public
  address is https (the session cookie is then ``Secure`` too, see ``configure``).
- Control characters in any form field or query value stop the request with a 400 before a
  view runs, so nothing half-way is stored and no database error can echo the text.
- Tokens and unit-link keys are secrets that identify a person or a link: log records of the
  development server, gunicorn and the app pass through ``RedactFilter`` so they never carry one.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import quote, unquote

from flask import Flask, Response, request
from flask_babel import gettext as _
from werkzeug.exceptions import BadRequest
from werkzeug.middleware.proxy_fix import ProxyFix

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
    """
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


class ControlCharacters(BadRequest):
    """A form field or query value holds a control character (NUL and the like)."""


def control_characters_message() -> str:
    return _(
        "Det du skickade innehåller otillåtna styrtecken (till exempel NUL). Ingenting har "
        "sparats. Gå tillbaka, skriv in texten igen utan styrtecknen och försök igen."
    )


def has_control_characters() -> bool:
    for values in (request.args, request.form):
        for key, value in values.items(multi=True):
            if CONTROL.search(key) or CONTROL.search(value):
                return True
    return False


def init_app(app: Flask) -> None:
    install_log_redaction(app.logger)
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies > 0:
        # Wrapping wsgi_app is how Flask documents middleware; mypy sees a method being replaced.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]
    https = str(app.config["BASE_URL"]).lower().startswith("https://")

    @app.before_request
    def refuse_control_characters() -> None:
        if has_control_characters():
            raise ControlCharacters(description=control_characters_message())

    @app.after_request
    def headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if https:
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        return response
