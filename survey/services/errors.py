"""Domain errors that name where the bad input is, so a user can fix the file."""

from __future__ import annotations


class InputError(Exception):
    """Bad input: ``file``, ``row`` (1-based, the header is row 1) and ``column`` when known."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        self.message = message
        self.file = file
        self.row = row
        self.column = column
        super().__init__(str(self))

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(self.file)
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column}")
        return f"{', '.join(where)}: {self.message}" if where else self.message


class StateError(Exception):
    """An action that the current state does not allow (e.g. publishing an open round)."""
