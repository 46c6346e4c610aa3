"""Analyst exports: a closed round's responses, one row each, for admin and hr.

The rules that keep the file from singling anyone out (units coarsened to at least k
respondents, no comments, no order of answering) are :mod:`analysis.exports`; this module reads
the round and its tree, checks the request before anything is written, and writes the file in
one step, so a refused or failed export leaves nothing behind. Who exported which round in
which format is audit-logged; what the file held is not.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from analysis.exports import EXPORT_FORMATS, coarsen_units, export_bytes, export_frame
from analysis.instruments import Questionnaire
from survey.models import Answer, Response, Round, Unit
from survey.services.audit import audit
from survey.services.errors import InputError
from survey.services.report import require_closed, round_k
from survey.services.rounds import get_round, snapshot_questionnaire
from survey.services.statistics import tree_frame

MEDIA_TYPES = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "sav": "application/x-spss-sav",
}


@dataclass(frozen=True)
class Export:
    round: Round
    questionnaire: Questionnaire
    frame: pd.DataFrame  # unit_code (coarsened), role, one column per item
    k: int


def check_format(fmt: str) -> str:
    """The format, or an InputError naming the formats there are."""
    if fmt not in EXPORT_FORMATS:
        raise InputError(f"unknown export format '{fmt}' (available: {', '.join(EXPORT_FORMATS)})")
    return fmt


def export_rows(session: Session, rnd: Round, k: int) -> Export:
    """The round's responses as export rows (closed or published rounds only: StateError)."""
    require_closed(rnd)
    q = snapshot_questionnaire(session, rnd)
    k = round_k(rnd, k)
    tree = tree_frame(session, rnd.year)
    parent = {
        u: (None if pd.isna(p) else p) for u, p in zip(tree["unit"], tree["parent"], strict=True)
    }
    responses = pd.DataFrame(
        session.execute(
            select(Response.id, Unit.code, Response.role)
            .join(Unit, Unit.id == Response.unit_id)
            .where(Response.round_id == rnd.id)
        ).all(),
        columns=["response", "unit", "role"],
    )
    answers = pd.DataFrame(
        session.execute(
            select(Answer.response_id, Answer.item_id, Answer.value)
            .join(Response, Response.id == Answer.response_id)
            .where(Response.round_id == rnd.id)
        ).all(),
        columns=["response", "item", "value"],
    )
    counts = {str(u): int(n) for u, n in responses["unit"].value_counts().items()}
    try:
        labels = coarsen_units(parent, counts, k)
    except ValueError as e:
        raise InputError(f"round '{rnd.name}' cannot be exported: {e}") from None
    frame = export_frame(answers, responses, q, labels, list(tree["unit"]))
    return Export(rnd, q, frame, k)


def export_file(
    session: Session, name: str, k: int, fmt: str, actor: str | None = None
) -> tuple[Export, bytes]:
    """Check, build and audit-log one export; return it with the file's bytes."""
    check_format(fmt)
    rnd = get_round(session, name)
    export = export_rows(session, rnd, k)
    created = rnd.closed_at or datetime.now(UTC)
    data = export_bytes(export.frame, fmt, export.questionnaire, created)
    audit(session, "export.write", actor=actor, round=rnd.name, format=fmt)
    return export, data


def check_target(out: Path) -> Path:
    """Refuse a path that cannot take the file before anything is computed."""
    folder = out.parent if str(out.parent) else Path(".")
    if out.is_dir():
        raise InputError("the output path is a folder; give a file name", file=str(out))
    if not folder.is_dir():
        raise InputError("the folder for the output file does not exist", file=str(out))
    if not os.access(folder, os.W_OK):
        raise InputError("the folder for the output file is not writable", file=str(out))
    return out


def write_bytes(out: Path, data: bytes) -> None:
    """Write ``data`` to ``out`` in one step (a temporary file beside it, then renamed)."""
    try:
        fd, tmp = tempfile.mkstemp(dir=out.parent if str(out.parent) else ".", prefix=".export-")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, out)
    except OSError as e:
        raise InputError(f"cannot write the export ({e.strerror or e})", file=str(out)) from None


def exportable_rounds(session: Session) -> list[Round]:
    """Closed and published rounds, newest first, with at least one response."""
    from survey.models.enums import FINISHED

    has = select(func.count()).where(Response.round_id == Round.id).scalar_subquery()
    return list(
        session.scalars(
            select(Round)
            .where(Round.status.in_(FINISHED), has > 0)
            .order_by(Round.year.desc(), Round.name)
        )
    )
