"""The installation's own copy of an instrument's improvement suggestions.

The instrument file's text stays the reference; a row here replaces one entry (a quadrant's or a
category's suggestions) for every round of that instrument, and deleting the row restores the
file's text. Keyed by instrument id, not snapshot, so an edit survives a new questionnaire
version.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import JSON, DateTime, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from survey.extensions import Model


def utcnow() -> datetime:
    return datetime.now(UTC)


class SuggestionText(Model):
    __tablename__ = "suggestion_texts"
    __table_args__ = (UniqueConstraint("instrument", "kind", "ident", name="suggestion_entry"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instrument: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))  # "quadrant" or "category"
    ident: Mapped[str] = mapped_column(String(64))
    texts: Mapped[dict[str, list[str]]] = mapped_column(JSON)  # {"sv": [...], "en": [...]}
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(200))
