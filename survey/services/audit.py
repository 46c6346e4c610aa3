"""Record who changed what; the entry is part of the change's own transaction."""

from __future__ import annotations

import getpass
from typing import Any

from sqlalchemy.orm import Session

from survey.models import AuditLog


def cli_actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def audit(session: Session, action: str, actor: str | None = None, **detail: Any) -> None:
    """Add an audit entry; never include respondents' answers or personal data."""
    session.add(AuditLog(actor=actor or cli_actor(), action=action, detail=detail))
    session.flush()
