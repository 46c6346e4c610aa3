"""`mognad links`: personal links (fresh tokens) or an open round's unit links, as CSV."""

from __future__ import annotations

import contextlib
import csv
import os
import tempfile
from pathlib import Path
from typing import cast

import click
from flask import current_app

from analysis.safecell import neutralise_row
from survey.cli.common import command, transaction
from survey.services.audit import audit
from survey.services.errors import InputError


@click.command(
    "links",
    help="Write a round's links as CSV. Invited round: a NEW personal link for everyone who has "
    "not answered (older links stop working): email,unit_code,role,url. Open round: one shared "
    "link per unit: unit_code,unit_name,url. --unit limits either to a unit and its sub-units.",
)
@click.argument("name")
@click.option("--unit", "unit_code", default=None, help="Only this unit and its sub-units.")
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="CSV file to write.",
)
@command
def links(name: str, unit_code: str | None, out: Path) -> None:
    from survey.services.links import issue_links

    if not out.parent.is_dir():
        raise InputError("no such directory", file=str(out.parent))
    if out.is_symlink() or (out.exists() and not out.is_file()):
        raise InputError("exists and is not a regular file; choose another --out", file=str(out))
    config = current_app.config
    tmp: str | None = None
    try:
        with transaction() as session:
            table = issue_links(session, name, config["BASE_URL"], config["SECRET_KEY"], unit_code)
            # Write before the commit: if the file cannot be written, no token changes.
            try:
                fd, tmp = tempfile.mkstemp(prefix=".links-", suffix=".csv", dir=out.parent)
                with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
                    writer = csv.DictWriter(fh, fieldnames=table.header)
                    writer.writeheader()
                    # Unit names come from the organisation file: never let one run as a
                    # formula next to someone's personal link.
                    # A mapping row comes back as a dict (the helper's type covers lists too).
                    writer.writerows(
                        cast("dict[str, object]", neutralise_row(row)) for row in table.rows
                    )
            except OSError as e:
                raise InputError(
                    f"cannot write the file ({e.strerror or e})", file=str(out)
                ) from None
            audit(
                session,
                "links.issue",
                round=name,
                unit=unit_code,
                kind=table.kind,
                count=len(table.rows),
            )
        os.replace(tmp, out)
        tmp = None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    what = (
        "personal links (earlier links no longer work)"
        if table.kind == "personal"
        else "unit links"
    )
    click.echo(f"Wrote {len(table.rows)} {what} for '{name}' to {out}.")
