"""Every file a database keeps at rest, and a byte search through them (the attacker's view).

The attacker of docs/privacy.md reads the database's files, not its rows: relation files with
their TOAST tables, indexes and free space, dead row versions, the write-ahead log and the
server's own log. ``files_at_rest`` lists them for the test database; ``holding`` says which of
them contain a byte string anywhere.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from tests.support.postgres import PostgresServer


def files_at_rest(session: Session, database_url: str, server: PostgresServer | None) -> list[Path]:
    """The files to search: PostgreSQL's data directory and logs after a CHECKPOINT, or the
    SQLite file with its journal and WAL."""
    if database_url.startswith("sqlite"):
        path = Path(database_url.removeprefix("sqlite:///"))
        return sorted(p for p in path.parent.glob(path.name + "*") if p.is_file())
    try:
        # Every dirty page reaches its relation file, and the WAL holds everything since.
        session.execute(sa.text("CHECKPOINT"))
        data = Path(session.scalar(sa.text("SHOW data_directory")) or "")
        logfile = session.scalar(sa.text("SELECT pg_current_logfile()"))
    except sa.exc.DBAPIError:
        session.rollback()
        pytest.skip("CHECKPOINT and SHOW data_directory need a superuser")
    if not data.is_dir():
        pytest.skip(f"the data directory {data} is not readable here")
    roots = [data]
    if server is not None and server.process_dir is not None:
        roots.append(server.process_dir / "log")  # the throw-away cluster logs beside it
    if logfile:
        roots.append(data / logfile)
    files: list[Path] = []
    for root in roots:
        if root.is_file():
            files.append(root)
        elif root.is_dir():
            files += (p for p in root.rglob("*") if p.is_file())
    return files


def holding(files: list[Path], needle: bytes) -> list[Path]:
    """The files whose bytes contain ``needle``.

    A file the server removed since the listing (a recycled WAL segment, a dropped database)
    is skipped; a file that cannot be read fails the test, so the search never passes blind.
    """
    found = []
    for path in files:
        try:
            if needle in path.read_bytes():
                found.append(path)
        except FileNotFoundError:
            continue
    return found
