"""The files of a published round, stored as the bytes the public downloads serve.

Stored in the database, not on disk, so that every web worker (and a new one on another host)
serves the same bytes without a shared folder, and so that the files are part of the same
transaction as the round's move to published: a round is either closed without files or
published with all of them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from survey.extensions import Model
from survey.models.audit import utcnow


class StoredDocument:
    """The columns a stored file has, published or previewed: its round, name, type and bytes.

    The column is called "bytes"; the attribute is not, so that it does not hide the type. The
    size is kept beside the bytes so that a listing of the files never has to load them. These
    columns come first (``sort_order``), in the order the migrations made them.
    """

    id: Mapped[int] = mapped_column(primary_key=True, sort_order=-1)
    round_id: Mapped[int] = mapped_column(
        ForeignKey("rounds.id", ondelete="CASCADE"), index=True, sort_order=-1
    )
    filename: Mapped[str] = mapped_column(String(100), sort_order=-1)
    content_type: Mapped[str] = mapped_column(String(100), sort_order=-1)
    content: Mapped[bytes] = mapped_column("bytes", LargeBinary, sort_order=-1)
    size: Mapped[int] = mapped_column(Integer, sort_order=-1)
    created: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, sort_order=-1
    )


class PublishedFile(StoredDocument, Model):
    __tablename__ = "published_files"
    __table_args__ = (UniqueConstraint("round_id", "filename", name="round_filename"),)

    sha256: Mapped[str] = mapped_column(String(64))


class PreviewFile(StoredDocument, Model):
    """A document of the preview shown before publishing: the report as it will be published,
    marked as a draft. Never public (only staff who may publish read it); replaced by each new
    preview and deleted when the round is published."""

    __tablename__ = "preview_files"
    __table_args__ = (UniqueConstraint("round_id", "filename", name="preview_round_filename"),)

    # What the documents were made from (survey.services.preview.preview_mark): publishing
    # is offered only while it still matches, so a preview of other figures never counts.
    fingerprint: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # When staff first opened this document: a preview nobody read does not allow publishing.
    opened_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
