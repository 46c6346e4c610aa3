"""Cached additive statistics of a round, so reports and dashboards need not rescan answers.

Responses are only ever added, so the number of responses identifies the state a cache entry
was computed from; a submission or import makes the entry stale and it is recomputed.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from survey.extensions import Model


class RoundStatistics(Model):
    __tablename__ = "round_statistics"

    round_id: Mapped[int] = mapped_column(
        ForeignKey("rounds.id", ondelete="CASCADE"), primary_key=True
    )
    responses: Mapped[int]
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)


class StoredFigures(Model):
    """A round's suppressed figures (``kind="figures"``) or item tables (``kind="items"``),
    computed once at close or publish and read by every worker (``survey.services.stored``).

    ``compare_key`` is the comparison round asked for (0: the default, last year's);
    ``fingerprint`` names everything the figures depend on that may change after the round
    closed, so a stale row is recomputed, never served.
    """

    __tablename__ = "stored_figures"
    __table_args__ = (UniqueConstraint("round_id", "kind", "compare_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    compare_key: Mapped[int]
    fingerprint: Mapped[str] = mapped_column(String(64))
    payload: Mapped[bytes] = mapped_column(LargeBinary)
