"""A round's aggregate rows for the API: ``round_figures`` once, kept per process while valid.

The rows are ``analysis.opendata.to_records`` of ``survey.services.report.round_figures`` — the
same function and formatter as ``aggregates.json`` — so the API cannot drift from the open data.
Building them for a large city takes seconds (roll-up, suppression, comparison), more than a
read API may take per call; but a closed round's figures depend only on what the fingerprint
below reads, so they are kept in memory until one of those changes. Each row is also kept as
its JSON text, so a filtered answer is a join of texts, not a new serialisation.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from analysis.opendata import to_records
from survey.models import AuditLog, Round, UnitRemap
from survey.services.audit import audit
from survey.services.report import round_figures, round_k
from survey.services.statistics import previous_round

KEEP = 8  # rounds per process; a round's rows of a large city take some tens of MB


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


_lock = threading.Lock()


def fingerprint(session: Session, rnd: Round, k: int) -> tuple[Any, ...]:
    """Everything a closed round's figures depend on that can still change after it closed.

    Its answers cannot (a closed round takes none, and its year's tree cannot be replaced once
    used), nor can publishing change a figure. What can: the installation's k, the comparison
    round (an earlier round closed later) and reorganisations declared between the two years.
    """
    cmp = previous_round(session, rnd)
    remaps: list[tuple[Any, ...]] = []
    if cmp is not None:
        remaps = [
            tuple(r)
            for r in session.execute(
                select(UnitRemap.year, UnitRemap.old_code, UnitRemap.new_code)
                .where(UnitRemap.year > cmp.year, UnitRemap.year <= rnd.year)
                .order_by(UnitRemap.id)
            )
        ]
    return (
        str(session.get_bind().engine.url),
        rnd.id,
        round_k(rnd, k),
        cmp.id if cmp else None,
        round_k(cmp, k) if cmp else None,
        tuple(remaps),
    )


def round_rows(session: Session, rnd: Round) -> RoundRows:
    """The round's rows (already suppressed), from this process's cache when still valid."""
    k = int(current_app.config["K_ANONYMITY"])
    key = fingerprint(session, rnd, k)
    cache: OrderedDict[int, RoundRows] = current_app.extensions.setdefault(
        "mognad_api_rows", OrderedDict()
    )
    with _lock:
        found = cache.get(rnd.id)
        if found is not None and found.key == key:
            cache.move_to_end(rnd.id)
            return found
    figures = round_figures(session, rnd.name, k)
    rows = to_records(figures.aggregates)
    texts = [json.dumps(row, ensure_ascii=False) for row in rows]
    by_unit: dict[str, list[int]] = {}
    for i, row in enumerate(rows):
        by_unit.setdefault(row["unit_code"], []).append(i)
    every = ("[" + ", ".join(texts) + "]").encode()
    built = RoundRows(rows, texts, figures.k, key, by_unit, every)
    _note_shown(session, rnd, rows)
    with _lock:
        cache[rnd.id] = built
        cache.move_to_end(rnd.id)
        while len(cache) > KEEP:
            cache.popitem(last=False)
    return built


def _note_shown(session: Session, rnd: Round, rows: list[dict[str, Any]]) -> None:
    """Audit, once per round, that the API showed its figures (and its comparison round's).

    A closed round whose figures were shown must not reopen (``survey.services.rounds``): two
    answers, one response apart, would give that response away by subtraction.
    """
    shown = session.scalars(
        select(AuditLog.id).where(
            AuditLog.action == "api.read", AuditLog.detail["round"].as_string() == rnd.name
        )
    ).first()
    if shown is None:
        compare = next((r["compare_round"] for r in rows if r["compare_round"]), None)
        audit(session, "api.read", actor="api", round=rnd.name, compare_round=compare)
