"""Direct database access from a test, each time in its own application context.

The test's requests and commands have their own contexts (as in production); a test that reads
or writes rows itself opens a short one, so no session or ``g`` outlives the block.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from flask import Flask

from survey.extensions import db


@contextmanager
def in_app(app: Flask) -> Iterator[None]:
    """An application context for a short block of direct database work (``db.session``)."""
    with app.app_context():
        try:
            yield
        finally:
            db.session.remove()


def table_snapshot(app: Flask | None = None) -> dict[str, list[tuple[str, ...]]]:
    """Every row of every table, to prove that a failed command changed nothing.

    Reads through ``app``'s engine, or the active application context's without it.
    """
    if app is not None:
        with in_app(app):
            return table_snapshot()
    out = {}
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            rows = conn.execute(sa.select(table)).all()
            out[table.name] = sorted(tuple(map(repr, r)) for r in rows)
    return out
