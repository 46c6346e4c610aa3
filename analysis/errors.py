"""The root of every error Mognad reports to a person, and the problem list they carry.

It lives here, in the library without Flask or a database, because the questionnaire loader
raises it too; the application reaches it as :mod:`survey.services.errors`. A
:class:`ValidationError` names *every* problem found, each at its place (file, row, column),
so that whoever fixes a file fixes it once instead of once per error.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["MognadError", "Problem", "Problems", "Text", "ValidationError", "say"]


class MognadError(Exception):
    """Something a user can act on; the CLI and the pages show it without a traceback."""


@dataclass(frozen=True)
class Text:
    """A message in Swedish (the source language) with its values kept apart.

    The library knows no Flask and no catalogue, yet its messages reach people in Swedish and
    in English; so it says *what* to say and the application translates ``msgid`` when it
    shows it (``survey.i18n.localise``), in the reader's language. A value may itself be a
    Text (a place in a document), translated the same way. ``str()`` is the Swedish.
    """

    msgid: str
    values: Mapping[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.render(lambda msgid: msgid)

    def render(self, translate: Any) -> str:
        """The message through ``translate`` (msgid -> text), its Text values too."""
        values = {
            k: v.render(translate) if isinstance(v, Text) else v for k, v in self.values.items()
        }
        return str(translate(self.msgid)) % values if values else str(translate(self.msgid))


def say(msgid: str, **values: Any) -> Text:
    """A :class:`Text`; the name the message extraction looks for (``-k say``)."""
    return Text(msgid, values)


@dataclass(frozen=True)
class Problem:
    """One reason at one place; ``row`` is 1-based with the header as row 1 (as Excel counts)."""

    reason: str | Text
    file: str | None = None
    row: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        return self.render(lambda msgid: msgid)

    def render(self, translate: Any) -> str:
        """``file, rad R, kolumn C: reason`` with every word through ``translate``."""
        reason = self.reason.render(translate) if isinstance(self.reason, Text) else self.reason
        where = []
        if self.file:
            where.append(self.file)
        if self.row is not None:
            where.append(str(translate("rad %(row)s")) % {"row": self.row})
        if self.column:
            where.append(str(translate("kolumn %(column)s")) % {"column": self.column})
        return f"{', '.join(where)}: {reason}" if where else reason


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

    def add(self, reason: str | Text, row: int | None = None, column: str | None = None) -> None:
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
