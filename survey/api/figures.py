"""A round's aggregate rows for the API: ``round_figures`` once, kept per process while valid.

The rows are ``analysis.opendata.to_records`` of ``survey.services.report.round_figures`` — the
same function and formatter as ``aggregates.json`` — so the API cannot drift from the open data.
Building them for a large city takes seconds (roll-up, suppression, comparison), more than a
read API may take per call, so they are kept in the memory the dashboards share
(``survey.services.memo``). Each row is also kept as its JSON text, so a filtered answer is a
join of texts, not a new serialisation.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy.orm import Session

from analysis.opendata import to_records
from survey.models import Round
from survey.services import memo, stored
from survey.services.rounds import note_results_shown
from survey.services.settings import FigureSettings


@dataclass(frozen=True)
class RoundRows:
    rows: list[dict[str, Any]]
    texts: list[str]  # each row as JSON text, in the same order
    k: int
    key: tuple[Any, ...]
    by_unit: dict[str, list[int]]  # unit code → positions of its rows, in order
    every: bytes  # the JSON array of all rows, encoded (the most common answer)

    def array(self, picked: list[int]) -> bytes:
        return ("[" + ", ".join(self.texts[i] for i in picked) + "]").encode()


def round_rows(session: Session, rnd: Round) -> RoundRows:
    """The round's rows (already suppressed), noted as shown (see :func:`kept_rows`)."""
    built = kept_rows(session, rnd)
    _note_shown(session, rnd, built.rows)
    return built


def kept_rows(session: Session, rnd: Round) -> RoundRows:
    """The round's rows from this process's memory while still valid; nothing noted."""
    settings = FigureSettings.of(current_app.config)
    k = settings.k
    key = memo.state(session, k)

    def build() -> RoundRows:
        figures = stored.figures(session, rnd.name, settings)
        rows = to_records(figures.aggregates)
        texts = [json.dumps(row, ensure_ascii=False) for row in rows]
        by_unit: dict[str, list[int]] = {}
        for i, row in enumerate(rows):
            by_unit.setdefault(row["unit_code"], []).append(i)
        every = ("[" + ", ".join(texts) + "]").encode()
        return RoundRows(rows, texts, figures.k, (rnd.id, key), by_unit, every)

    return memo.remembered(session, k, "api-rows", rnd.id, build)


def _note_shown(session: Session, rnd: Round, rows: list[dict[str, Any]]) -> None:
    compare = next((r["compare_round"] for r in rows if r["compare_round"]), None)
    note_results_shown(session, "api.read", rnd.name, compare, "api")
