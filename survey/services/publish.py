"""Publishing a round: the move to published and the public files, in one transaction.

The files are made by the very functions ``mognad report`` uses (``write_report`` for the open
data, ``write_documents`` for the report), written to a temporary folder and read back, so a
public download is byte for byte what ``mognad report`` writes for the same round. The report
documents are rendered by the results pages' templates, a layer above the services: the caller
(the job, the command, the demo's command) passes that writer in, and this module only names
the documents (:func:`document_name`). They are
stored in ``published_files``: the web tier keeps no files of its own, and a round is either
closed without files or published with all of them — if any file cannot be made, the caller
rolls back and the round stays closed.
"""

from __future__ import annotations

import hashlib
import logging
import mimetypes
import tempfile
import traceback
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from analysis.languages import LANGUAGES
from analysis.opendata import FORMATS
from survey.models import PreviewFile, PublishedFile, Round
from survey.models.enums import RoundStatus
from survey.services import stored
from survey.services.audit import audit
from survey.services.errors import MognadError, StateError
from survey.services.report import RoundFigures, write_report
from survey.services.settings import DataSettings, FigureSettings
from survey.services.transitions import move_round

DOCUMENT_FORMATS: tuple[str, ...] = ("html", "pdf")
# The documents a published round carries: the report in Swedish and in English, each as HTML
# and PDF (the PDF no longer carries the cell grid, so both languages build in seconds).
DOCUMENTS: tuple[tuple[str, tuple[str, ...]], ...] = tuple(
    (lang, DOCUMENT_FORMATS) for lang in LANGUAGES
)
CONTENT_TYPES = {
    ".csv": "text/csv; charset=utf-8",
    ".json": "application/json",
    ".jsonld": "application/ld+json",
    ".html": "text/html; charset=utf-8",
    ".pdf": "application/pdf",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


log = logging.getLogger(__name__)


class DocumentWriter(Protocol):
    """What writes a round's report documents into a folder and returns their paths
    (``survey.results.report.write_documents``), passed in by the caller."""

    def __call__(
        self,
        figures: RoundFigures,
        out: Path,
        formats: Sequence[str],
        lang: str = ...,
        draft: bool = ...,
    ) -> list[Path]: ...


def document_name(fmt: str, lang: str = LANGUAGES[0]) -> str:
    """``report.html`` / ``report.pdf`` in Swedish, ``report.en.html`` and so on otherwise."""
    return f"report.{fmt}" if lang == LANGUAGES[0] else f"report.{lang}.{fmt}"


class PublishError(StateError):
    """The round's files could not be made; nothing was published."""


@dataclass(frozen=True)
class Listed:
    """A stored file without its bytes (what a listing shows)."""

    filename: str
    content_type: str
    size: int
    sha256: str


def data_formats() -> tuple[str, ...]:
    """Every open-data format ``mognad report`` knows, the report documents apart."""
    return tuple(f for f in FORMATS if f not in DOCUMENT_FORMATS)


def content_type(filename: str) -> str:
    suffix = Path(filename).suffix.lower()
    return (
        CONTENT_TYPES.get(suffix) or mimetypes.guess_type(filename)[0] or "application/octet-stream"
    )


def build_files(
    session: Session,
    name: str,
    settings: FigureSettings,
    write_documents: DocumentWriter,
    data: DataSettings | None,
) -> dict[str, bytes]:
    """Every public file of a closed or published round, by file name, as ``mognad report``
    writes them (its default comparison round: the previous year's) with the installation's
    ``settings``, the documents by ``write_documents``, the open data under ``data`` (the
    licence and catalogue facts). ``data`` None: only the report documents, marked as the
    preview (:mod:`survey.services.preview`)."""
    figures = stored.figures(session, name, settings)
    draft = data is None
    with tempfile.TemporaryDirectory(prefix="mognad-publish-") as tmp:
        out = Path(tmp)
        paths = [] if data is None else list(write_report(figures, out, data_formats(), data))
        for lang, formats in DOCUMENTS:
            paths += write_documents(figures, out, formats, lang, draft)
        return {p.name: p.read_bytes() for p in paths}


def publish_round(
    session: Session,
    name: str,
    settings: FigureSettings,
    write_documents: DocumentWriter,
    data: DataSettings,
    actor: str | None = None,
) -> tuple[Round, list[Listed]]:
    """Move a closed round to published and store its public files made with the
    installation's ``settings`` and ``data``, the report documents written by
    ``write_documents`` (flushes, never commits).

    Raises StateError when the round cannot move (as ``move_round``) and PublishError when its
    files cannot be made; either way the caller rolls back and the round stays as it was. The
    audit entry names the files and their SHA-256, never a figure.
    """
    rnd = move_round(session, name, "publish")
    try:
        files = build_files(session, name, settings, write_documents, data)
    except MognadError as e:
        raise PublishError(f"round '{name}' was not published, it stays closed: {e}") from None
    except Exception as e:  # WeasyPrint, the file system: any failure keeps the round closed
        # By type and place only, as survey.errors logs: a message may quote stored values.
        log.error(
            "Publishing failed: %s\n%s",
            type(e).__name__,
            "".join(traceback.format_tb(e.__traceback__)),
        )
        raise PublishError(
            f"round '{name}' was not published, it stays closed: its report could not be made "
            f"({type(e).__name__}; the server log has the details)"
        ) from None
    store_files(session, rnd, files)
    session.execute(delete(PreviewFile).where(PreviewFile.round_id == rnd.id))
    listed = published_files(session, rnd.id)
    audit(session, "publish.files", actor=actor, round=name,
          files={f.filename: f.sha256 for f in listed})  # fmt: skip
    return rnd, listed


def store_files(
    session: Session,
    rnd: Round,
    files: dict[str, bytes],
    model: type[PublishedFile] | type[PreviewFile] = PublishedFile,
) -> None:
    """The round's documents as rows of ``model``; a published file keeps its SHA-256 (the
    audit log names it), a preview is replaced before it could be cited."""
    for filename in sorted(files):
        data = files[filename]
        digest = {"sha256": hashlib.sha256(data).hexdigest()} if model is PublishedFile else {}
        session.add(
            model(
                round_id=rnd.id,
                filename=filename,
                content_type=content_type(filename),
                content=data,
                size=len(data),
                **digest,
            )
        )
    session.flush()


def published_round(session: Session, round_id: int) -> Round | None:
    """The round if it is published, else None (an unpublished round is as good as unknown)."""
    rnd = session.get(Round, round_id)
    return rnd if rnd is not None and rnd.status == RoundStatus.PUBLISHED else None


def published_rounds(session: Session) -> Sequence[Round]:
    return session.scalars(
        select(Round)
        .where(Round.status == RoundStatus.PUBLISHED)
        .order_by(Round.year.desc(), Round.name)
    ).all()


def published_files(session: Session, round_id: int) -> list[Listed]:
    rows = session.execute(
        select(
            PublishedFile.filename,
            PublishedFile.content_type,
            PublishedFile.size,
            PublishedFile.sha256,
        )
        .where(PublishedFile.round_id == round_id)
        .order_by(PublishedFile.filename)
    ).all()
    return [Listed(*row) for row in rows]


def published_file(session: Session, round_id: int, filename: str) -> PublishedFile | None:
    """A stored file of a *published* round, or None."""
    if published_round(session, round_id) is None:
        return None
    return session.scalar(
        select(PublishedFile).where(
            PublishedFile.round_id == round_id, PublishedFile.filename == filename
        )
    )


def planned_files(session: Session, name: str, settings: FigureSettings) -> list[str]:
    """The names of the files publishing would make public (the open data written for real,
    the documents by name), for the confirmation page. Only the names are kept, and the
    licence and catalogue facts change none of them: the package is written without them."""
    figures = stored.figures(session, name, settings)
    with tempfile.TemporaryDirectory(prefix="mognad-plan-") as tmp:
        names = [p.name for p in write_report(figures, Path(tmp), data_formats(), DataSettings())]
    names += [document_name(f, lang) for lang, formats in DOCUMENTS for f in formats]
    return sorted(names)
