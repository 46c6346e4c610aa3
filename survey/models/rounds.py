"""Questionnaire snapshots, rounds and the invitations that belong to them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    SmallInteger,
    String,
    UniqueConstraint,
    select,
)
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from survey.extensions import Model
from survey.models.audit import utcnow
from survey.models.enums import (
    ROLE_CHECK,
    InvitationStatus,
    RoundMode,
    RoundStatus,
    check_in,
    values,
)

# The stored texts, for callers that check a mode given on the command line.
ROUND_MODES = values(RoundMode)
# Invitation mail: not yet (NULL), in flight, delivered, refused, or unknown (in flight when a
# run stopped: never resent, reported for checking). Reminder of the current run: due, in flight.
MAIL_STATES = ("sending", "sent", "failed", "unknown")
REMINDER_STATES = ("due", "sending")
# Round.traces_problem from a close or purge until survey/traces.py has checked after its commit.
TRACES_NOT_CHECKED = "unverifiable: not yet checked"


class QuestionnaireSnapshot(Model):
    """The questionnaire exactly as a round uses it; files may change, snapshots never do."""

    __tablename__ = "questionnaire_snapshots"
    __table_args__ = (UniqueConstraint("instrument", "version", "sha256", name="instr_ver_sha"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instrument: Mapped[str] = mapped_column(String(64))
    version: Mapped[str] = mapped_column(String(32))
    sha256: Mapped[str] = mapped_column(String(64))
    document: Mapped[dict[str, Any]] = mapped_column(JSON)

    items: Mapped[list[QuestionnaireItem]] = relationship(
        back_populates="snapshot", cascade="all, delete-orphan"
    )


class QuestionnaireItem(Model):
    """One item of a snapshot, flattened so SQL can rescale and group answers by category."""

    __tablename__ = "questionnaire_items"
    __table_args__ = (CheckConstraint("scale_min < scale_max", name="scale_order"),)

    snapshot_id: Mapped[int] = mapped_column(
        ForeignKey("questionnaire_snapshots.id", ondelete="CASCADE"), primary_key=True
    )
    item_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    category_id: Mapped[str] = mapped_column(String(64))
    dimension: Mapped[str] = mapped_column(String(16))
    scale_min: Mapped[int] = mapped_column(SmallInteger)
    scale_max: Mapped[int] = mapped_column(SmallInteger)
    reverse: Mapped[bool] = mapped_column(Boolean, default=False)
    dont_know: Mapped[bool] = mapped_column(Boolean, default=False)

    snapshot: Mapped[QuestionnaireSnapshot] = relationship(back_populates="items")


class Round(Model):
    __tablename__ = "rounds"
    __table_args__ = (
        CheckConstraint(check_in("status", RoundStatus), name="status"),
        CheckConstraint(check_in("mode", RoundMode), name="mode"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    year: Mapped[int] = mapped_column(index=True)
    mode: Mapped[str] = mapped_column(String(16), default=RoundMode.INVITED.value)
    status: Mapped[str] = mapped_column(String(16), default=RoundStatus.DRAFT.value)
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("questionnaire_snapshots.id"))
    # The round's minimum group size, fixed at creation: an open-link round can be stuffed with
    # made-up answers, so it defaults higher. Reports use at least the installation's k.
    k_min: Mapped[int] = mapped_column(SmallInteger, default=5, server_default="5")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # When fieldwork ended (retention of personal data counts from here) and when it was purged.
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    purged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # When the results became public (the read API and the public pages show it).
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # After a close or purge: when it was verified that no dead row version of the deleted
    # ballots, drafts or invitations survives (survey/traces.py), or why that is not verified.
    # Both empty while nothing needs verifying.
    traces_verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    traces_problem: Mapped[str | None] = mapped_column(String(500))
    # The round's own mail texts ({kind: {lang: {"subject", "body"}}}, survey/services/
    # round_texts.py); None or a missing entry means the bundled templates. Planned dates are
    # information for the mail ({closes}); opening and closing stay deliberate actions.
    mail_texts: Mapped[dict[str, dict[str, dict[str, str]]] | None] = mapped_column(JSON)
    opens_on: Mapped[date | None] = mapped_column(Date)
    closes_on: Mapped[date | None] = mapped_column(Date)
    # [unit code, role] cells whose stored respondents differ from the people who answered
    # there, because k-anonymous storage moved a small group above them at close
    # (analysis.atrest.changed_cells): always hidden, so no shown figure describes other people.
    moved_cells: Mapped[list[list[str]] | None] = mapped_column(JSON)

    snapshot: Mapped[QuestionnaireSnapshot] = relationship()
    # The snapshot's digest, read with the round (a subquery on its primary key): every
    # respondent page needs it to find the parsed questionnaire, and a separate query per page
    # was one more round trip to the database on the respondent path.
    snapshot_sha256: Mapped[str] = column_property(
        select(QuestionnaireSnapshot.sha256)
        .where(QuestionnaireSnapshot.id == snapshot_id)
        .correlate_except(QuestionnaireSnapshot)
        .scalar_subquery()
    )


class Invitation(Model):
    """A personal link; only the SHA-256 of its token is stored, and only *that* it was used."""

    __tablename__ = "invitations"
    __table_args__ = (
        CheckConstraint(check_in("status", InvitationStatus), name="status"),
        CheckConstraint(ROLE_CHECK, name="role"),
        UniqueConstraint("round_id", "email", name="round_email"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    email: Mapped[str | None] = mapped_column(String(254))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    role: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(16), default=InvitationStatus.PENDING.value)
    reminders: Mapped[int] = mapped_column(default=0)
    # Idempotent mail (survey/services/mail.py): each state is committed before the SMTP call.
    mail_state: Mapped[str | None] = mapped_column(String(16))
    invited_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reminder_state: Mapped[str | None] = mapped_column(String(16))

    round: Mapped[Round] = relationship()


class InvitationCount(Model):
    """What is left of a purged round's invitations: anonymous counts per unit and role.

    Response rates stay available after `mognad purge-personal-data` has deleted every
    invitation row (e-mail, token hash and whether that particular person answered).
    """

    __tablename__ = "invitation_counts"

    round_id: Mapped[int] = mapped_column(
        ForeignKey("rounds.id", ondelete="CASCADE"), primary_key=True
    )
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(16), primary_key=True)
    invited: Mapped[int]
    started: Mapped[int]
    completed: Mapped[int]
