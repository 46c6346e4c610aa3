"""The fixed vocabularies of the database, each defined once: the models build their CHECK
constraints from these, and the code compares with the members instead of bare strings.

They are ``StrEnum``s, so a member equals its stored text and a value read back from the
database (a plain string) compares equal to the member. The respondent role lives in
``analysis.roles`` because the analysis library needs it too and never imports from here.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from analysis.roles import Role

__all__ = [
    "ROLE_CHECK",
    "InvitationStatus",
    "Role",
    "RoundMode",
    "RoundStatus",
    "UserRole",
    "check_in",
    "values",
]


class RoundStatus(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    PUBLISHED = "published"


#: Rounds whose fieldwork is over: reports run and personal data may be purged.
FINISHED = (RoundStatus.CLOSED, RoundStatus.PUBLISHED)


class RoundMode(StrEnum):
    INVITED = "invited"  # personal links
    OPEN = "open"  # shared unit links


class InvitationStatus(StrEnum):
    PENDING = "pending"
    STARTED = "started"
    COMPLETED = "completed"


class UserRole(StrEnum):
    ADMIN = "admin"
    HR = "hr"
    MANAGER = "manager"


def values(members: Iterable[str]) -> tuple[str, ...]:
    """The stored texts, in declaration order (``x in values(RoundMode)`` works for any str)."""
    return tuple(str(m) for m in members)


def check_in(column: str, members: Iterable[str]) -> str:
    """The SQL of a CHECK constraint limiting ``column`` to the given texts."""
    return f"{column} IN ({', '.join(repr(v) for v in values(members))})"


ROLE_CHECK = check_in("role", Role)
