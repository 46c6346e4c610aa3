"""Cached additive statistics of a round, so reports and dashboards need not rescan answers.

Responses are only ever added, so the number of responses identifies the state a cache entry
was computed from; a submission or import makes the entry stale and it is recomputed.
"""

from __future__ import annotations

from sqlalchemy import JSON, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from survey.extensions import Model


class RoundStatistics(Model):
    __tablename__ = "round_statistics"

    round_id: Mapped[int] = mapped_column(
        ForeignKey("rounds.id", ondelete="CASCADE"), primary_key=True
    )
    responses: Mapped[int]
    payload: Mapped[dict] = mapped_column(JSON)
