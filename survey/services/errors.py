"""Every error a service raises is a :class:`MognadError`; this is where to find them all.

- :class:`ValidationError`: the input cannot be used; ``problems`` lists *every* problem found,
  each as (file, row, column) → reason. :class:`InputError` is the one-problem shorthand, and
  ``analysis.instruments.QuestionnaireError`` is the questionnaire file's kind.
- :class:`StateError`: the input is fine but the current state forbids the action (publishing
  an open round, purging a draft).

Services raise them before writing anything, so a caller that rolls back on
:class:`MognadError` leaves the database as it was. The root lives in :mod:`analysis.errors`
because the analysis library, which knows nothing of Flask, raises it too.
"""

from __future__ import annotations

from analysis.errors import MognadError, Problem, Problems, Text, ValidationError

__all__ = ["InputError", "MognadError", "Problem", "Problems", "StateError", "ValidationError"]


class InputError(ValidationError):
    """A single problem: ``file``, ``row`` (1-based, the header is row 1) and ``column``."""

    def __init__(
        self,
        message: str | Text,
        *,
        file: str | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        self.message = message
        self.file = file
        self.row = row
        self.column = column
        super().__init__([Problem(message, file, row, column)])


class StateError(MognadError):
    """An action that the current state does not allow (e.g. publishing an open round)."""
