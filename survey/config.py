"""Defaults; the environment (``MOGNAD_*``) and the mapping given to create_app override them."""

from __future__ import annotations

import os
from pathlib import Path

INSTANCE_DIR = Path(os.environ.get("MOGNAD_INSTANCE_PATH", Path.cwd() / "instance")).resolve()


def defaults(instance_path: str) -> dict[str, object]:
    """Return the default configuration for an app whose instance folder is ``instance_path``."""
    return {
        "DATABASE_URL": f"sqlite:///{Path(instance_path) / 'mognad.db'}",
        "SECRET_KEY": "dev-only-change-me",
        "BASE_URL": "http://127.0.0.1:5000",
        "K_ANONYMITY": 5,
        "K_OPEN": 10,  # minimum group size of open-link rounds (lower assurance)
        "K_TEXT": 10,
        # Submissions are mixed into the responses in shuffled batches of at least this many.
        "MIX_BATCH": 10,
        # Open-link drafts untouched this long are deleted by the mixer.
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
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    }


def check_privacy(config: dict[str, object]) -> None:
    """Refuse settings that would weaken unlinkability, with a message naming the setting.

    A batch smaller than k would let a mixed batch be smaller than the smallest group that
    reports may show, so MOGNAD_MIX_BATCH below K_ANONYMITY is refused rather than raised.
    """
    for key in ("MIX_BATCH", "DRAFT_EXPIRY_DAYS", "RETENTION_DAYS"):
        try:
            config[key] = int(config[key])  # type: ignore[call-overload]
        except (TypeError, ValueError):
            raise ValueError(f"MOGNAD_{key} must be a whole number, got {config[key]!r}") from None
        if config[key] < 1:  # type: ignore[operator]
            raise ValueError(f"MOGNAD_{key} must be at least 1, got {config[key]}")
    k = int(config["K_ANONYMITY"])  # type: ignore[call-overload]
    if config["MIX_BATCH"] < k:  # type: ignore[operator]
        raise ValueError(
            f"MOGNAD_MIX_BATCH must be at least K_ANONYMITY ({k}), got {config['MIX_BATCH']}"
        )
