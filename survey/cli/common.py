"""The one way a command touches the database and reports failure.

:func:`command` wraps every command: any :class:`MognadError` (a service's or the edge's) rolls
the session back and is printed with all of its problems, up to :data:`MAX_SHOWN`, as
``file, rad R, kolumn C: reason`` in the installation's default language (Swedish), framed
in that language too (a refusal without problems stays the operator's English); the exit
code is 1 and no traceback is shown.
:func:`transaction` commits once when its block succeeds, so nothing is half-written.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from analysis.errors import Text, say
from survey.extensions import db
from survey.services.errors import MognadError, ValidationError

MAX_SHOWN = 50

F = TypeVar("F", bound=Callable[..., Any])

existing_file = click.Path(exists=True, dir_okay=False, path_type=Path)


@contextmanager
def transaction() -> Iterator[Session]:
    """Commit once if the block succeeds; roll back whatever happened otherwise."""
    try:
        yield db.session()  # the session of this app context, as a request would use
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


def command(f: F) -> F:
    """Run a command; on a MognadError or a refused change, roll back, print, exit 1."""

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return f(*args, **kwargs)
        except MognadError as e:
            db.session.rollback()
            for line in error_lines(e):
                click.echo(line, err=True)
        except SQLAlchemyError as e:
            db.session.rollback()
            reason = str(getattr(e, "orig", None) or e).splitlines()[0]
            click.echo(f"Error: the database refused the change: {reason}", err=True)
        sys.exit(1)

    return wrapper  # type: ignore[return-value]  # functools.wraps keeps the signature


def error_lines(error: MognadError) -> list[str]:
    """One line for one problem; a counted list (capped) for several."""
    from survey.i18n import localise

    problems = error.problems if isinstance(error, ValidationError) else ()
    count, hidden = len(problems), len(problems) - MAX_SHOWN
    if not any(isinstance(p.reason, Text) for p in problems):
        # The operator's English (a state error, an English reason), as the logs say it.
        if count <= 1:
            return [f"Error: {localise(problems[0]) if problems else error}"]
        frame = f"Error: {count} problems found; nothing was changed:"
        more = f"… and {hidden} more"
    else:  # the problems speak the installation's language, so the frame around them does too
        if count == 1:
            return [localise(say("Fel: %(problem)s", problem=localise(problems[0])))]
        frame = localise(say("Fel: %(count)s problem hittades; ingenting ändrades:", count=count))
        more = localise(say("… och %(count)s till", count=hidden))
    lines = [frame] + [f"  {localise(p)}" for p in problems[:MAX_SHOWN]]
    if hidden > 0:
        lines.append(f"  {more}")
    return lines


def importer(
    group: click.Group, name: str, help: str, target: Callable[[F], F]
) -> Callable[[F], F]:
    """Make ``f`` the command ``group name TARGET FILE`` that every file import is, run through
    :func:`command`; ``target`` is the click argument or option that says what is imported into."""

    def make(f: F) -> F:
        run = target(click.argument("file", type=existing_file)(command(f)))
        group.command(name, help=help)(run)
        return run

    return make


def import_file(
    service: Callable[[Session, Any, Any], int],
    target: Any,
    file: Path,
    action: str,
    **detail: Any,
) -> int:
    """Read ``file`` at the edge, hand its table to ``service`` and audit the count, at once.

    Every import command is this: the file is read (and refused whole) before the transaction,
    the service checks every row, and the audit entry names the file and the count, never data.
    """
    from survey.services.audit import audit
    from survey.services.tabular import read_table

    table = read_table(file)
    with transaction() as session:
        n = service(session, target, table)
        audit(session, action, file=file.name, count=n, **detail)
    return n
