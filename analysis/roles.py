"""The respondent roles: one definition for the questionnaire, the analysis and the database.

The order is the report order (and the order of every role column), so it is part of the
output contract. ``all`` is not a role anyone answers as: it marks output rows that pool every
role, which is why it is kept apart from :class:`Role` and only joins it in ``OUTPUT_ROLES``.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["ALL", "OUTPUT_ROLES", "ROLES", "Role"]


class Role(StrEnum):
    EMPLOYEE = "employee"
    MANAGER = "manager"
    SPECIALIST = "specialist"


# Plain strings, so that data frames, JSON and SQL parameters never carry enum objects.
ROLES: tuple[str, ...] = tuple(r.value for r in Role)
ALL = "all"
OUTPUT_ROLES: tuple[str, ...] = (ALL, *ROLES)
