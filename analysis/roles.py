"""The respondent roles: one definition for the questionnaire, the analysis and the database.

The order is the report order (and the order of every role column), so it is part of the
output contract. ``all`` is not a role anyone answers as: it marks output rows that pool every
role, which is why it is kept apart from :class:`Role` and only joins it in ``OUTPUT_ROLES``.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["ALL", "OUTPUT_ROLES", "ROLES", "ROLE_WORDS", "Role", "read_role"]


class Role(StrEnum):
    EMPLOYEE = "employee"
    MANAGER = "manager"
    SPECIALIST = "specialist"


# Plain strings, so that data frames, JSON and SQL parameters never carry enum objects.
ROLES: tuple[str, ...] = tuple(r.value for r in Role)
ALL = "all"
OUTPUT_ROLES: tuple[str, ...] = (ALL, *ROLES)

#: The roles as a Swedish file names them (the interface's words), beside the English codes.
ROLE_WORDS: dict[str, str] = {
    "medarbetare": Role.EMPLOYEE.value,
    "chef": Role.MANAGER.value,
    "specialist": Role.SPECIALIST.value,
}


def read_role(raw: str) -> str | None:
    """The role code a file's cell means, or None.

    HR keeps its lists in Swedish, so ``Medarbetare``, ``chef`` and ``SPECIALIST`` are read as
    well as the codes; case and surrounding spaces do not matter.
    """
    word = raw.strip().lower()
    if word in ROLES:
        return word
    return ROLE_WORDS.get(word)
