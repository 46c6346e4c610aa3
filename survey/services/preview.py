"""The preview shown before publishing: the report documents exactly as publishing will make
them, marked "utkast"/"draft" on every page.

Publishing cannot be undone, so the person about to publish first reads what the city will
read. The preview is built by the worker like publishing (the PDFs take seconds to minutes),
stored in ``preview_files`` (never served publicly: only to staff who may publish), replaced
by each new preview and deleted when the round is published. It is made from the same stored
figures by the same function as the published documents (:func:`build_files` with ``draft``),
so the two differ by the draft mark only.

The web's publish button counts a preview only while it is *current* and *read*
(:func:`preview_state`): every stored document carries the fingerprint of what it was made
from (:func:`preview_mark`: the stored figures' fingerprint — rounds, comparison, k,
reorganisations — and the settings and version that change the documents' words), and the
time staff first opened it. The command line publishes without a preview: an operator there
runs ``mognad report`` to read the documents first.

A browser's publish is a job that may run minutes after the click, so the job asks again
(:func:`preview_state` with the fingerprint the click saw, ``seen``): a figure, setting or
version that changed in between, or a preview rebuilt and not yet opened, stops it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from survey.models import PreviewFile, Round
from survey.models.audit import utcnow
from survey.models.enums import RoundStatus
from survey.services import stored
from survey.services.errors import StateError
from survey.services.publish import DocumentWriter, build_files, store_files
from survey.services.rounds import get_round
from survey.services.settings import FigureSettings


@dataclass(frozen=True)
class Previewed:
    """A preview document without its bytes (what the publish page lists)."""

    filename: str
    size: int
    created: datetime


def build_preview(
    session: Session,
    name: str,
    settings: FigureSettings,
    write_documents: DocumentWriter,
    words: Wording,
) -> list[str]:
    """Build and store round ``name``'s preview documents, written by ``write_documents``
    (flushes, never commits); their names. Only a closed round is previewed: a published one
    has its files already. ``settings`` and ``words``: the installation's (see
    :func:`preview_mark`)."""
    rnd = get_round(session, name)
    if rnd.status != RoundStatus.CLOSED:
        raise StateError(f"round '{name}' is {rnd.status}; only a closed round is previewed")
    files = build_files(session, name, settings, write_documents, data=None)  # documents only
    session.execute(delete(PreviewFile).where(PreviewFile.round_id == rnd.id))
    store_files(session, rnd, files, PreviewFile)
    mark = preview_mark(session, rnd, settings, words)
    session.execute(
        update(PreviewFile).where(PreviewFile.round_id == rnd.id).values(fingerprint=mark)
    )
    return sorted(files)


class PreviewNotCurrent(StateError):
    """A browser's publish found the preview no longer what staff read (``state``: why)."""

    def __init__(self, name: str, state: str) -> None:
        super().__init__(f"round '{name}' was not published: its preview is {state}")
        self.state = state


#: What :func:`preview_state` says: no preview, one of other figures, one nobody opened, ready.
MISSING, STALE, UNREAD, READY = "missing", "stale", "unread", "ready"
#: The settings that change the documents' words without changing a figure.
WORDING = ("ORGANISATION_NAME", "ROLE_MIX_SHIFT", "DATA_LICENSE")
#: Those settings' values, as :func:`wording` reads them from the configuration.
Wording = tuple[str, ...]


def wording(config: Mapping[str, Any]) -> Wording:
    """The :data:`WORDING` settings of ``config`` (the caller reads the app's configuration)."""
    return tuple(str(config.get(name)) for name in WORDING)


def preview_mark(session: Session, rnd: Round, settings: FigureSettings, words: Wording) -> str:
    """The fingerprint of what ``rnd``'s documents are made from now.

    The stored figures' fingerprint already follows every change after close (the finished
    rounds up to its year — so the default comparison round —, their k, purges and
    reorganisations) and the figures' ``settings``; the wording settings (``words``) and the
    installed version are added, since a new version may write the documents differently.
    """
    figures = stored.fingerprint_of(session, rnd, "figures", settings)
    try:
        installed = version("mognad")
    except PackageNotFoundError:
        installed = "unknown"
    text = repr((figures, list(words), installed))
    return hashlib.sha256(text.encode()).hexdigest()


def preview_state(
    session: Session,
    rnd: Round,
    settings: FigureSettings,
    words: Wording,
    seen: str | None = None,
) -> str:
    """Whether the preview allows publishing (:data:`READY`) or why not, under the
    installation's ``settings`` and ``words``; with ``seen`` (the fingerprint when staff chose
    to publish) a preview of anything else is :data:`STALE`."""
    rows = session.execute(
        select(PreviewFile.fingerprint, PreviewFile.opened_at).where(PreviewFile.round_id == rnd.id)
    ).all()
    if not rows:
        return MISSING
    mark = preview_mark(session, rnd, settings, words)
    if any(fingerprint != mark for fingerprint, _ in rows) or seen not in (None, mark):
        return STALE
    if all(opened is None for _, opened in rows):
        return UNREAD
    return READY


def mark_opened(session: Session, stored_file: PreviewFile) -> None:
    """Note that staff opened ``stored_file`` (the first time only; flushes, never commits)."""
    if stored_file.opened_at is None:
        stored_file.opened_at = utcnow()
        session.flush()


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
