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
