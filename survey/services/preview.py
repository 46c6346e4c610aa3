"""The preview shown before publishing: the report documents exactly as publishing will make
them, marked "utkast"/"draft" on every page.

Publishing cannot be undone, so the person about to publish first reads what the city will
read. The preview is built by the worker like publishing (the PDFs take seconds to minutes),
stored in ``preview_files`` (never served publicly: only to staff who may publish), replaced
by each new preview and deleted when the round is published. It is made from the same stored
figures by the same function as the published documents (:func:`build_files` with ``draft``),
so the two differ by the draft mark only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from survey.models import PreviewFile, Round
from survey.models.enums import RoundStatus
from survey.services.errors import StateError
from survey.services.publish import DocumentWriter, build_files, store_files
from survey.services.report import K_HOMOGENEOUS
from survey.services.rounds import get_round


@dataclass(frozen=True)
class Previewed:
    """A preview document without its bytes (what the publish page lists)."""

    filename: str
    size: int
    created: datetime


def build_preview(
    session: Session,
    name: str,
    k: int,
    write_documents: DocumentWriter,
    k_homogeneous: int = K_HOMOGENEOUS,
) -> list[str]:
    """Build and store round ``name``'s preview documents, written by ``write_documents``
    (flushes, never commits); their names. Only a closed round is previewed: a published one
    has its files already."""
    rnd = get_round(session, name)
    if rnd.status != RoundStatus.CLOSED:
        raise StateError(f"round '{name}' is {rnd.status}; only a closed round is previewed")
    files = build_files(session, name, k, write_documents, k_homogeneous, draft=True)
    session.execute(delete(PreviewFile).where(PreviewFile.round_id == rnd.id))
    store_files(session, rnd, files, PreviewFile)
    return sorted(files)


def preview_files(session: Session, rnd: Round) -> list[Previewed]:
    rows = session.execute(
        select(PreviewFile.filename, PreviewFile.size, PreviewFile.created)
        .where(PreviewFile.round_id == rnd.id)
        .order_by(PreviewFile.filename)
    ).all()
    return [Previewed(*row) for row in rows]


def preview_file(session: Session, rnd: Round, filename: str) -> PreviewFile | None:
    return session.scalar(
        select(PreviewFile).where(PreviewFile.round_id == rnd.id, PreviewFile.filename == filename)
    )
