"""Defaults; the environment (``MOGNAD_*``) and the mapping given to create_app override them.

Also the one rule about the secret key, shared by the web app, the CLI and the gunicorn config:
the installation must have its own long random key, because every signed cookie and every unit
link is only as unforgeable as that key is secret. Nothing in the environment can waive the
check (``MOGNAD_DEBUG`` and ``MOGNAD_TESTING`` are ordinary settings an attacker or a careless
unit file may set); only code that builds the app with an explicit test configuration may.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import os
import zlib
from collections import Counter
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from analysis.languages import LANGUAGES

INSTANCE_DIR = Path(os.environ.get("MOGNAD_INSTANCE_PATH", Path.cwd() / "instance")).resolve()

DEV_SECRET_KEY = "dev-only-change-me"  # noqa: S105  (refused outside tests)
MIN_SECRET_BYTES = 32
# A key typed by hand ("a" * 32, a word repeated) is long but guessable. A random key of 32
# hex digits or more has at least this many different characters, and ``secrets.token_urlsafe``
# keys far more; an estimated 128 bits of randomness is what a 256-bit derived key needs.
MIN_SECRET_DISTINCT = 12
MIN_SECRET_BITS = 128
_ZLIB_OVERHEAD = 11  # bytes zlib adds to any input (header, block header, checksum)
MAKE_A_KEY = "python3 -c 'import secrets; print(secrets.token_urlsafe(48))'"


def defaults(instance_path: str) -> dict[str, object]:
    """Return the default configuration for an app whose instance folder is ``instance_path``."""
    return {
        "DATABASE_URL": f"sqlite:///{Path(instance_path) / 'mognad.db'}",
        "SECRET_KEY": None,  # tests fall back to DEV_SECRET_KEY; nothing else may
        # The secret key before a rotation: it still opens the ballots sealed under it, so
        # none is lost; nothing new is sealed with it (survey/sealing.py).
        "SECRET_KEY_PREVIOUS": None,
        "BASE_URL": "http://127.0.0.1:5000",
        "K_ANONYMITY": 5,
        "K_OPEN": 10,  # minimum group size of open-link rounds (lower assurance)
        "K_TEXT": 10,
        # A shown cell in which every respondent answered alike (sd 0, a share below target of
        # 0 or 1, one answer option) needs at least this many: it tells what each one answered.
        "K_HOMOGENEOUS": 10,
        # A year-on-year test needs at least this many respondents in the cell in both years;
        # a smaller cell is shown untested (too_few_to_test). See docs/method.md.
        "MIN_TEST_N": 10,
        # Licence of the open-data package (an SPDX id, written into datapackage.json).
        "DATA_LICENSE": "CC0-1.0",
        # DCAT-AP-SE metadata beside the package (dcat.jsonld): the publisher (empty: the
        # organisation's name), its contact e-mail (empty: MAIL_FROM, else the site address)
        # and the place covered (a URI; default Sweden from the EU country list).
        "DATA_PUBLISHER": "",
        "DATA_CONTACT_EMAIL": "",
        "DATA_SPATIAL": "",
        # Below this response rate (0–1) a cell's figures carry a warning on reports and pages.
        "LOW_RESPONSE_RATE": 0.5,
        # A unit whose share of any role moved by more than this between the years compared
        # gets a note: its change may be a change of who works there, not of maturity.
        "ROLE_MIX_SHIFT": 0.10,
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
        "LANGUAGES": LANGUAGES,
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
        # Accessibility feedback (anyone, no link) per client address.
        "RATELIMIT_FEEDBACK": "10 per hour",
        # Mail (survey/mail.py): without SMTP_HOST, messages go to <instance>/outbox as .eml files.
        "SMTP_HOST": "",
        "SMTP_PORT": None,  # default: 587 for starttls, 465 for ssl, 25 for none
        "SMTP_USER": "",
        "SMTP_PASSWORD": "",
        "SMTP_TLS": "starttls",
        "MAIL_FROM": "",
        "MAIL_BATCH": 50,  # messages per SMTP connection (and per progress line)
        # Background jobs (survey/jobs): the queue `mognad worker` reads. Empty: a SQLite file
        # in the instance folder (queue.db); redis://… for Redis. QUEUE_IMMEDIATE true runs each
        # job at once in the web process instead, with no worker (unset: so under TESTING).
        "QUEUE_URL": "",
        "QUEUE_IMMEDIATE": None,
        # How many proxies in front of the app set X-Forwarded-For/-Proto (0: none trusted).
        "TRUSTED_PROXIES": 0,
        # Other organisations' open data (admin/federation.py): the download an admin starts
        # waits at most this many seconds per file and takes at most this many bytes; the
        # published report shows the comparison only when REPORT_FEDERATION is true.
        "FEDERATION_TIMEOUT": 10,
        "FEDERATION_MAX_BYTES": 20 * 1024 * 1024,
        "REPORT_FEDERATION": False,
    }


#: The numeric settings privacy and the figures rest on: the key, its type, what it must be
#: (said when it is not a number), its lowest and highest value and what to say outside them.
_NUMBERS: tuple[tuple[str, Callable[[Any], float], str, float, float, str], ...] = (
    ("DRAFT_EXPIRY_DAYS", int, "a whole number", 1, math.inf, "must be at least 1, got {}"),
    ("RETENTION_DAYS", int, "a whole number", 1, math.inf, "must be at least 1, got {}"),
    # Below a round's k it has no effect (a homogeneous cell is never shown below k anyway).
    ("K_HOMOGENEOUS", int, "a whole number", 3, math.inf, "must be at least 3, got {}"),
    ("MIN_TEST_N", int, "a whole number", 2, math.inf, "must be at least 2, got {}"),
    ("CLOSE_VERIFY_WAIT", float, "a number of seconds", 0, math.inf, "must not be negative"),
    ("LOW_RESPONSE_RATE", float, "a share 0–1", 0, 1, "must be a share 0–1, got {}"),
    ("ROLE_MIX_SHIFT", float, "a share 0–1", 0, 1, "must be a share 0–1, got {}"),
)


def check_privacy(config: dict[str, object]) -> None:
    """Refuse settings that would weaken privacy, with a message naming the setting.

    Settings arrive as text or numbers from several sources; ``int()`` or ``float()`` judges
    them all, and the setting is stored as the number it reads.
    """
    for key, kind, what, lowest, highest, out_of_range in _NUMBERS:
        try:
            value = kind(config[key])
        except (TypeError, ValueError):
            raise ValueError(f"MOGNAD_{key} must be {what}, got {config[key]!r}") from None
        if not lowest <= value <= highest:
            raise ValueError(f"MOGNAD_{key} {out_of_range.format(value)}")
        config[key] = value


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
    distinct = len(set(text))
    if distinct < MIN_SECRET_DISTINCT:
        return (
            f"MOGNAD_SECRET_KEY has only {distinct} different characters "
            f"(a random key has at least {MIN_SECRET_DISTINCT})"
        )
    bits = estimated_bits(text)
    if bits < MIN_SECRET_BITS:
        return (
            f"MOGNAD_SECRET_KEY looks typed or repeated: about {bits} bits of randomness "
            f"(at least {MIN_SECRET_BITS} are needed)"
        )
    return None


def estimated_bits(text: str) -> int:
    """A generous upper estimate of the randomness in ``text``, in bits.

    The smaller of two estimates: the character frequencies of the shortest unit that repeats
    to make ``text`` (so "abc…p" four times counts once), and what zlib cannot compress away
    (repeated words and runs). A random key scores far above the limit on both.
    """
    unit = text
    for period in range(1, len(text)):
        if all(text[i] == text[i + period] for i in range(len(text) - period)):
            unit = text[:period]
            break
    counts = Counter(unit)
    shannon = -sum(c * math.log2(c / len(unit)) for c in counts.values())
    compressed = 8 * (len(zlib.compress(text.encode(), 9)) - _ZLIB_OVERHEAD)
    return int(min(shannon, compressed))


def check_secret_key(config: Mapping[str, object]) -> None:
    """Refuse a missing, default, short or guessable key, whatever DEBUG or TESTING say.

    The one exemption, an explicit test configuration, is decided by ``create_app``'s caller.
    """
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
