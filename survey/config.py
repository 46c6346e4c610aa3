"""Defaults; the environment (``MOGNAD_*``) and the mapping given to create_app override them.

Also the one rule about the secret key, shared by the web app, the CLI and the gunicorn config:
outside debug and testing the installation must have its own long random key, because every
signed cookie and every unit link is only as unforgeable as that key is secret.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Mapping
from pathlib import Path

INSTANCE_DIR = Path(os.environ.get("MOGNAD_INSTANCE_PATH", Path.cwd() / "instance")).resolve()

DEV_SECRET_KEY = "dev-only-change-me"  # noqa: S105  (refused outside debug and tests)
MIN_SECRET_BYTES = 32
MAKE_A_KEY = "python3 -c 'import secrets; print(secrets.token_urlsafe(48))'"


def defaults(instance_path: str) -> dict[str, object]:
    """Return the default configuration for an app whose instance folder is ``instance_path``."""
    return {
        "DATABASE_URL": f"sqlite:///{Path(instance_path) / 'mognad.db'}",
        "SECRET_KEY": None,  # debug and tests fall back to DEV_SECRET_KEY; nothing else may
        # The secret key before a rotation: it still opens the ballots sealed under it, so
        # none is lost; nothing new is sealed with it (survey/sealing.py).
        "SECRET_KEY_PREVIOUS": None,
        "BASE_URL": "http://127.0.0.1:5000",
        "K_ANONYMITY": 5,
        "K_OPEN": 10,  # minimum group size of open-link rounds (lower assurance)
        "K_TEXT": 10,
        # Licence of the open-data package (an SPDX id, written into datapackage.json).
        "DATA_LICENSE": "CC0-1.0",
        # The fieldwork page marks units whose response rate (per cent) is below this.
        "FIELDWORK_THRESHOLD": 50,
        # After a close or purge: how many seconds to wait for older snapshots to end before the
        # tables are rewritten and checked for dead row versions (survey/traces.py).
        "CLOSE_VERIFY_WAIT": 60,
        # Open-link drafts untouched this long are deleted by `mognad expire-drafts`.
        "DRAFT_EXPIRY_DAYS": 30,
        # Personal data (e-mails, link hashes) of a round is due for purging this long after close.
        "RETENTION_DAYS": 90,
        "ORGANISATION_NAME": "Demo stad",
        "ORGANISATION_LOGO": "",
        "ACCESSIBILITY_CONTACT": "digitalisering@example.org",
        "BABEL_DEFAULT_LOCALE": "sv",
        "LANGUAGES": ("sv", "en"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,
        # Largest request body (staff uploads of organisation and respondent files); larger
        # uploads get a page saying so (413).
        "MAX_CONTENT_LENGTH": 10 * 1024 * 1024,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        # Open-link rounds: starts (unit link, role choice) and submissions per client address
        # and unit link. A person answers once; colleagues behind one address share a bucket.
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": "memory://",
        "RATELIMIT_OPEN_START": "30 per hour",
        "RATELIMIT_OPEN_SUBMIT": "10 per hour",
        # Mail (survey/mail.py): without SMTP_HOST, messages go to <instance>/outbox as .eml files.
        "SMTP_HOST": "",
        "SMTP_PORT": None,  # default: 587 for starttls, 465 for ssl, 25 for none
        "SMTP_USER": "",
        "SMTP_PASSWORD": "",
        "SMTP_TLS": "starttls",
        "MAIL_FROM": "",
        "MAIL_BATCH": 50,  # messages per SMTP connection (and per progress line)
        # How many proxies in front of the app set X-Forwarded-For/-Proto (0: none trusted).
        "TRUSTED_PROXIES": 0,
    }


def check_privacy(config: dict[str, object]) -> None:
    """Refuse settings that would weaken privacy, with a message naming the setting."""
    for key in ("DRAFT_EXPIRY_DAYS", "RETENTION_DAYS"):
        try:
            # Settings arrive as text or numbers from several sources; int() judges them all.
            config[key] = int(config[key])  # type: ignore[call-overload]
        except (TypeError, ValueError):
            raise ValueError(f"MOGNAD_{key} must be a whole number, got {config[key]!r}") from None
        if config[key] < 1:  # type: ignore[operator]  # an int since the line above
            raise ValueError(f"MOGNAD_{key} must be at least 1, got {config[key]}")
    try:
        config["CLOSE_VERIFY_WAIT"] = float(config["CLOSE_VERIFY_WAIT"])  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(
            f"MOGNAD_CLOSE_VERIFY_WAIT must be a number of seconds, got "
            f"{config['CLOSE_VERIFY_WAIT']!r}"
        ) from None
    if config["CLOSE_VERIFY_WAIT"] < 0:  # type: ignore[operator]  # a float since the line above
        raise ValueError("MOGNAD_CLOSE_VERIFY_WAIT must not be negative")


class SecretKeyError(RuntimeError):
    """The installation has no usable secret key; the message says how to make one."""


def secret_key_problem(key: object) -> str | None:
    """Why ``key`` cannot protect a real installation, or None if it can."""
    if key is None or key == "":
        return "MOGNAD_SECRET_KEY is not set"
    text = str(key)
    if text == DEV_SECRET_KEY:
        return "MOGNAD_SECRET_KEY is the development default, which anyone can read in the source"
    if len(text.encode()) < MIN_SECRET_BYTES:
        return f"MOGNAD_SECRET_KEY is shorter than {MIN_SECRET_BYTES} bytes"
    return None


def check_secret_key(config: Mapping[str, object]) -> None:
    """Refuse a missing, default or short key unless the app runs for debugging or tests."""
    if config.get("DEBUG") or config.get("TESTING"):
        return
    problem = secret_key_problem(config.get("SECRET_KEY"))
    if problem:
        raise SecretKeyError(
            f"{problem}. Make a key with\n    {MAKE_A_KEY}\nand set it in the environment as "
            "MOGNAD_SECRET_KEY (the same value for the web server and every `mognad` command; "
            "changing it invalidates unit links and signed-in sessions)."
        )


def derive_key(secret: str, purpose: str) -> bytes:
    """A 256-bit key for one purpose only, so that no two uses ever share the raw secret."""
    return hmac.new(secret.encode(), f"mognad {purpose}".encode(), hashlib.sha256).digest()
