"""Uploaded tables between the preview and the confirmation, and the preview itself.

A staff member sees every problem of a file (or what it would change) before anything is saved,
then confirms. The file must survive between those two requests without travelling in the
session cookie (which is signed, not encrypted, and small), so it waits in the instance folder
under a random name that only this session knows. It holds e-mail addresses, so it is readable
by the server's user only (0600, in a 0700 folder), deleted at once when the preview is
cancelled, replaced or confirmed, and otherwise after an hour: at the next upload or preview,
and by the daily `mognad expire-drafts`.

The preview runs the real service in its own database session that is always rolled back: the
checks are exactly the ones the confirmation will run, and nothing of the request's own session
(the signed-in user) is disturbed.
"""

from __future__ import annotations

import io
import re
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from survey.admin import bp
from survey.auth.flow import safe_next
from survey.extensions import db
from survey.files import private_dir, write_private
from survey.forms import FormErrors
from survey.services.audit import audit
from survey.services.errors import MognadError, Problem, ValidationError
from survey.services.tabular import Table, read_as, read_table

STALE_SECONDS = 3600
KINDS = ("org", "remap", "respondents")
KEY = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm")
T = TypeVar("T")


@dataclass(frozen=True)
class Stashed:
    data: bytes
    name: str
    meta: dict[str, Any]

    def table(self) -> Table:
        return read_table(io.BytesIO(self.data), self.name)


def preview_folder(config: Any, instance_path: str) -> Path:
    """``UPLOAD_DIR`` if configured (tests), else ``uploads`` in the instance folder."""
    configured = config.get("UPLOAD_DIR")
    return Path(configured) if configured else Path(instance_path) / "uploads"


def _folder() -> Path:
    return private_dir(preview_folder(current_app.config, current_app.instance_path))


def sweep(folder: Path, now: float | None = None) -> int:
    """Delete previews older than STALE_SECONDS; return how many (none if no folder)."""
    if not folder.is_dir():
        return 0
    now = time.time() if now is None else now
    gone = 0
    for old in folder.iterdir():
        if old.is_file() and now - old.stat().st_mtime > STALE_SECONDS:
            old.unlink(missing_ok=True)
            gone += 1
    return gone


def _session_key(kind: str) -> str:
    return f"upload_{kind}"


def stash(kind: str, data: bytes, name: str, **meta: Any) -> None:
    """Keep the file for the confirmation; an earlier one of the same kind is dropped."""
    discard(kind)
    folder = _folder()
    sweep(folder)
    key = secrets.token_urlsafe(24)
    write_private(folder / key, data)
    session[_session_key(kind)] = {"key": key, "name": name, "meta": meta}


def unstash(kind: str) -> Stashed | None:
    """The file kept by :func:`stash` in this session, or None (expired, or never uploaded)."""
    entry = session.get(_session_key(kind))
    if not isinstance(entry, dict) or not KEY.match(str(entry.get("key", ""))):
        return None
    folder = _folder()
    sweep(folder)  # a stale preview is gone even if nobody uploaded since
    path = folder / entry["key"]
    if not path.is_file():
        return None
    return Stashed(path.read_bytes(), str(entry.get("name", "upload.csv")), entry.get("meta", {}))


def discard(kind: str) -> None:
    entry = session.pop(_session_key(kind), None)
    if isinstance(entry, dict) and KEY.match(str(entry.get("key", ""))):
        (_folder() / entry["key"]).unlink(missing_ok=True)


def uploaded(field: str, errors: FormErrors) -> tuple[bytes, str] | None:
    """The posted file's bytes and name, or None with the reason added to ``errors``."""
    file = request.files.get(field)
    if file is None or not file.filename:
        errors.add(_("Välj en fil att ladda upp"), f"#{field}", field)
        return None
    name = Path(file.filename.replace("\\", "/")).name or "upload.csv"
    if Path(name).suffix.lower() not in SUFFIXES:
        errors.add(
            _("Filen måste vara en CSV-fil (.csv) eller en Excel-arbetsbok (.xlsx)"),
            f"#{field}",
            field,
        )
        return None
    data = file.read()
    if not data:
        errors.add(_("Filen är tom"), f"#{field}", field)
        return None
    return data, name


@contextmanager
def scratch() -> Iterator[Session]:
    """A database session whose every change is rolled back."""
    s = Session(bind=db.engine)
    try:
        yield s
    finally:
        s.rollback()
        s.close()


def dry_run(work: Callable[[Session], T]) -> tuple[T | None, list[Problem]]:
    """Run ``work`` in a session that is rolled back: its result, or every problem found."""
    try:
        with scratch() as s:
            return work(s), []
    except ValidationError as e:
        return None, list(e.problems)
    except MognadError as e:
        return None, [Problem(str(e))]


def expired(endpoint: str, **values: Any) -> Response:
    """The stashed file is gone (timed out, or confirmed in another tab): upload it again."""
    flash(_("Förhandsgranskningen har gått ut. Ladda upp filen igen."), "error")
    return redirect(url_for(endpoint, **values))


def save(
    kind: str,
    stashed: Stashed,
    work: Callable[[Session], int],
    event: str,
    count: str,
    **fields: Any,
) -> int | None:
    """Save a confirmed upload and its audit entry in one commit.

    None when the file no longer passes (someone changed the data since the preview): nothing is
    saved and the caller shows the preview again, with the new problems.
    """
    try:
        n = work(db.session())
        actor = f"web:{current_user.email}"
        details = fields | {"file": stashed.name, count: n}
        audit(db.session(), event, actor=actor, **details)
        db.session.commit()
    except MognadError:
        db.session.rollback()
        return None
    discard(kind)
    return n


def problem_errors(problems: list[Problem], anchor: str = "#problems") -> FormErrors:
    """The error summary of a refused file: how many problems, pointing at the full list."""
    errors = FormErrors()
    if problems:
        errors.add(
            _(
                "Filen har %(count)s problem. Inget har sparats. Rätta filen och ladda upp "
                "den igen.",
                count=len(problems),
            ),
            anchor,
        )
    return errors


def parse_year(raw: str, errors: FormErrors, field: str = "year") -> int | None:
    raw = raw.strip()
    if not raw:
        errors.add(_("Ange vilket år organisationen gäller"), f"#{field}", field)
        return None
    if not (raw.isascii() and raw.isdigit() and len(raw) == 4 and 2000 <= int(raw) <= 2100):
        errors.add(_("Året ska vara fyra siffror, till exempel 2026"), f"#{field}", field)
        return None
    return int(raw)


def read_note(stashed: Stashed) -> dict[str, Any] | None:
    """How a CSV file was read (encoding, separator), for the preview; None for a workbook or
    a file that could not be read at all (its problem says why)."""
    try:
        return read_as(stashed.table())
    except MognadError:
        return None


def render_preview(
    template: str,
    kind: str,
    stashed: Stashed,
    result: Any,
    problems: list[Problem],
    **context: Any,
) -> str | tuple[str, int]:
    """An upload's preview: every problem (400, the stored file dropped) or what would be saved;
    either way it says how a CSV file was read, so that a wrong guess is seen at once."""
    name = stashed.name
    context["read_as"] = read_note(stashed)
    if problems:
        discard(kind)
        errors = problem_errors(problems)
        page = render_template(
            template, name=name, problems=problems, errors=errors, result=None, **context
        )
        return page, 400
    return render_template(template, name=name, problems=[], errors=None, result=result, **context)


@bp.post("/uploads/<kind>/cancel")
def upload_cancel(kind: str) -> Response:
    """Delete this session's preview file now and go back to the upload form."""
    if kind in KINDS:
        discard(kind)
    return redirect(safe_next(request.form.get("next")) or url_for("admin.home"))
