"""Files that hold personal data are the server user's alone: 0600 files in 0700 folders.

The SQLite database, the upload previews (e-mail addresses) and the mail outbox (live personal
links) sit in the instance folder. A file made with the usual umask (022) is readable by every
local account, which would hand the database to anyone with a shell on the machine. The command
line and gunicorn start with the umask ``PRIVATE_UMASK``; the places that create such files also
set the mode explicitly, so a server started some other way (a WSGI host with its own umask)
keeps them private too.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

PRIVATE_UMASK = 0o077
FILE_MODE = 0o600
DIR_MODE = 0o700


def private_umask() -> None:
    """New files and folders of this process are its user's alone (a start-up step)."""
    os.umask(PRIVATE_UMASK)


def private_dir(folder: Path) -> Path:
    """Make ``folder`` (and missing parents) and keep it 0700; return it."""
    folder.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    with contextlib.suppress(OSError):  # a folder of another owner stays as it is
        folder.chmod(DIR_MODE)
    return folder


def write_private(path: Path, data: bytes) -> None:
    """Write a new file readable by this user only (refuses to overwrite one)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def _make_private(path: Path) -> None:
    if not path.exists():
        with contextlib.suppress(FileExistsError):
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    elif stat.S_IMODE(path.stat().st_mode) & 0o077:
        with contextlib.suppress(OSError):
            path.chmod(FILE_MODE)


def private_sqlite_file(engine: Engine) -> None:
    """Before SQLite opens (and so creates) the database file, create it 0600, or take group
    and other access away from one made earlier; its journal files follow its mode."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        return
    if database.startswith("file:"):
        return  # a URI filename: its owner decides
    path = Path(database)

    @event.listens_for(engine, "do_connect")
    def _private(*_args: Any) -> None:
        if path.parent.is_dir():
            _make_private(path)
