"""Reaching the database, and telling an operator in one line when it cannot be reached.

A database that is down, restarting or refusing writes (a read-only SQLite file, a full disk)
is an operating condition, not a bug: the commands, gunicorn and ``mognad check`` say which
database (its URL without the password) and why, in one line, and exit non-zero, instead of a
traceback that buries the cause and may quote the connection string.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout

# Errors of the connection or the database file, not of the statement: a new connection (or
# a moment later) may succeed, and the request that met one can be answered "try again".
TRANSIENT: tuple[type[Exception], ...] = (OperationalError, InterfaceError, PoolTimeout)


def safe_url(url: str | URL) -> str:
    """The URL as an operator recognises it, with the password replaced by ``***``."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (sa.exc.ArgumentError, ValueError):
        return "(an unreadable database URL)"


def reason(error: BaseException) -> str:
    """The driver's first line (the cause: refused, no such file, read-only), without values.

    Engines are made with ``hide_parameters``, so a statement's values are not in it.
    """
    text = str(getattr(error, "orig", None) or error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def unreachable(engine: Engine) -> str | None:
    """One line saying that and why ``engine``'s database cannot be reached, or None."""
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except SQLAlchemyError as e:
        return f"cannot reach the database {safe_url(engine.url)}: {reason(e)}"
    return None


def unreachable_url(url: str) -> str | None:
    """:func:`unreachable` for a URL, with a short-lived engine of its own."""
    try:
        engine = sa.create_engine(url, hide_parameters=True)
    except (sa.exc.ArgumentError, ImportError, ValueError) as e:
        return f"cannot use the database URL {safe_url(url)}: {e}"
    try:
        return unreachable(engine)
    finally:
        engine.dispose()
