"""The root of every error Mognad reports to a person, and the problem list they carry.

It lives here, in the library without Flask or a database, because the questionnaire loader
raises it too; the application reaches it as :mod:`survey.services.errors`. A
:class:`ValidationError` names *every* problem found, each at its place (file, row, column),
so that whoever fixes a file fixes it once instead of once per error.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["MognadError", "Problem", "Problems", "ValidationError"]


class MognadError(Exception):
    """Something a user can act on; the CLI and the pages show it without a traceback."""


@dataclass(frozen=True)
class Problem:
    """One reason at one place; ``row`` is 1-based with the header as row 1."""

    reason: str
    file: str | None = None
    row: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(self.file)
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column}")
        return f"{', '.join(where)}: {self.reason}" if where else self.reason


class ValidationError(MognadError):
    """Input that cannot be used, with every problem found in it (never an empty list)."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class Problems:
    """Collects problems while a service reads all of its input; raises them all at once."""

    def __init__(self, file: str | None = None) -> None:
        self.file = file
        self.items: list[Problem] = []

    def add(self, reason: str, row: int | None = None, column: str | None = None) -> None:
        self.items.append(Problem(reason, self.file, row, column))

    def extend(self, problems: Iterable[Problem]) -> None:
        self.items.extend(problems)

    def __bool__(self) -> bool:
        return bool(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def raise_any(self) -> None:
        """Raise a :class:`ValidationError` with everything collected, if anything was."""
        if self.items:
            raise ValidationError(self.items)
