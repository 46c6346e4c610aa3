"""Submitted responses (anonymous by construction) and drafts (per invitation or browser).

A response row carries no invitation, token or timestamp, and its id is random: nothing in the
schema can join an answer back to a person. Drafts are the only per-person answer store, hold
their answers sealed and are deleted in the transaction that submits them; a submission then
waits, sealed, in the ballot box until the round closes, when every ballot becomes a response
in one shuffled transaction.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    SmallInteger,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey.extensions import Model
from survey.models.audit import utcnow
from survey.models.enums import ROLE_CHECK

VALUE_CHECK = "value IS NULL OR value BETWEEN scale_min AND scale_max"


def random_id() -> str:
    return secrets.token_hex(16)


class Response(Model):
    __tablename__ = "responses"
    __table_args__ = (CheckConstraint(ROLE_CHECK, name="role"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_id)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    role: Mapped[str] = mapped_column(String(16))

    answers: Mapped[list[Answer]] = relationship(cascade="all, delete-orphan")
    comments: Mapped[list[ResponseComment]] = relationship(cascade="all, delete-orphan")


class Answer(Model):
    """One item's answer; NULL value means "vet ej" (an unanswered item has no row)."""

    __tablename__ = "answers"
    __table_args__ = (
        CheckConstraint(VALUE_CHECK, name="value_on_scale"),
        CheckConstraint("scale_min < scale_max", name="scale_order"),
    )

    response_id: Mapped[str] = mapped_column(
        ForeignKey("responses.id", ondelete="CASCADE"), primary_key=True
    )
    item_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int | None] = mapped_column(SmallInteger)
    scale_min: Mapped[int] = mapped_column(SmallInteger)
    scale_max: Mapped[int] = mapped_column(SmallInteger)


class ResponseComment(Model):
    __tablename__ = "response_comments"

    response_id: Mapped[str] = mapped_column(
        ForeignKey("responses.id", ondelete="CASCADE"), primary_key=True
    )
    comment_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    text: Mapped[str] = mapped_column(Text)


class Ballot(Model):
    """A submission waiting for the close: random id, no invitation, time or sequence.

    It exists so that the transaction that marks an invitation completed never writes a
    response row: on PostgreSQL that transaction's id (``xmin``) and the physical position of
    whatever it inserts would otherwise tie the response to the person. Its content (role,
    answers, comments) travels sealed for the round (``survey.sealing``), so neither the row,
    its dead versions nor the write-ahead log hold it in clear; only the round and the unit
    stay readable, for the open-round counts during fieldwork.
    """

    __tablename__ = "ballots"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_id)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    payload: Mapped[str] = mapped_column(Text)


class Draft(Model):
    """Answers saved page by page until submit, keyed by invitation or by a browser key hash.

    The answers and comments are one value sealed with the respondent's own secret (their link
    token or browser key, ``survey.sealing``), which the database never holds: reading the
    table, its dead versions or the write-ahead log gives who is answering, never what.
    """

    __tablename__ = "drafts"
    __table_args__ = (
        CheckConstraint(ROLE_CHECK, name="role"),
        CheckConstraint("(invitation_id IS NULL) <> (browser_key IS NULL)", name="one_owner"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    invitation_id: Mapped[int | None] = mapped_column(
        ForeignKey("invitations.id", ondelete="CASCADE"), unique=True
    )
    browser_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    role: Mapped[str] = mapped_column(String(16))
    page: Mapped[int] = mapped_column(default=0)
    # item or comment id → "dk", the number as text, or the comment, sealed; NULL until saved.
    sealed: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
