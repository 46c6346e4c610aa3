"""The bridge from the answer tables to the additive statistics that `analysis/` works on.

SQL does the heavy lifting (GROUP BY per response and category), then one streaming pass turns
each respondent's category sums into index scores and adds them to ``n, Σx, Σx²`` per unit,
role and index. No query loads every answer into Python.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

import pandas as pd
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from analysis.instruments import Questionnaire
from analysis.scoring import ScoringPlan, category_level
from survey.models import Round, Unit, UnitRemap

# Per response and category: Σ of answers rescaled to 0–100 (reverse keys reversed) and the
# number answered ("vet ej" is NULL and so neither summed nor counted).
CATEGORY_SUMS = text(
    """
    SELECT r.id, u.code, r.role, qi.category_id,
           SUM(CASE WHEN qi.reverse THEN a.scale_max - a.value ELSE a.value - a.scale_min END
               * 100.0 / (a.scale_max - a.scale_min)) AS total,
           COUNT(a.value) AS answered
    FROM responses r
    JOIN units u ON u.id = r.unit_id
    JOIN answers a ON a.response_id = r.id
    JOIN questionnaire_items qi ON qi.snapshot_id = :snapshot AND qi.item_id = a.item_id
    WHERE r.round_id = :round AND a.value IS NOT NULL
    GROUP BY r.id, u.code, r.role, qi.category_id
    ORDER BY r.id
    """
)

ITEM_COUNTS = text(
    """
    SELECT u.code AS unit, r.role, a.item_id AS item, a.value, COUNT(*) AS count
    FROM responses r
    JOIN units u ON u.id = r.unit_id
    JOIN answers a ON a.response_id = r.id
    WHERE r.round_id = :round
    GROUP BY u.code, r.role, a.item_id, a.value
    """
)

# Complete cases per category (every item of the category answered, "vet ej" excluded), with
# reverse-keyed items reversed so that α sees the intended direction.
_COMPLETE = """
    WITH cat AS (
        SELECT category_id, COUNT(*) AS m FROM questionnaire_items
        WHERE snapshot_id = :snapshot GROUP BY category_id
    ), val AS (
        SELECT a.response_id, qi.category_id, a.item_id,
               CASE WHEN qi.reverse THEN a.scale_min + a.scale_max - a.value ELSE a.value END AS x
        FROM answers a
        JOIN responses r ON r.id = a.response_id
        JOIN questionnaire_items qi ON qi.snapshot_id = :snapshot AND qi.item_id = a.item_id
        WHERE r.round_id = :round AND a.value IS NOT NULL
    ), complete AS (
        SELECT v.response_id, v.category_id, SUM(v.x) AS total
        FROM val v JOIN cat c ON c.category_id = v.category_id
        GROUP BY v.response_id, v.category_id, c.m
        HAVING COUNT(*) = c.m
    )
"""
RELIABILITY_ITEMS = text(
    _COMPLETE
    + """
    SELECT v.category_id AS category, v.item_id AS item, COUNT(*) AS n,
           SUM(v.x) AS sum, SUM(v.x * v.x) AS sumsq
    FROM val v JOIN complete c
      ON c.response_id = v.response_id AND c.category_id = v.category_id
    GROUP BY v.category_id, v.item_id
    """
)
RELIABILITY_TOTALS = text(
    _COMPLETE
    + """
    SELECT category_id AS category, COUNT(*) AS n, SUM(total) AS sum,
           SUM(total * total) AS sumsq
    FROM complete GROUP BY category_id
    """
)


def _category_rows(session: Session, rnd: Round) -> Iterator[tuple[str, str, str, dict]]:
    """Yield (unit code, role, response id, {category: (Σ, answered)}) per response."""
    result = session.execute(
        CATEGORY_SUMS.execution_options(yield_per=20_000),
        {"snapshot": rnd.snapshot_id, "round": rnd.id},
    )
    current: str | None = None
    unit = role = ""
    cats: dict[str, tuple[float, int]] = {}
    for rid, code, r_role, category, total, answered in result:
        if rid != current:
            if current is not None:
                yield unit, role, current, cats
            current, unit, role, cats = rid, code, r_role, {}
        cats[category] = (float(total), int(answered))
    if current is not None:
        yield unit, role, current, cats


def leaf_statistics(
    session: Session, rnd: Round, q: Questionnaire
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Sufficient statistics per recorded unit × role × index, and competence gap sums.

    Returns ``(scores, gaps)``: ``unit, role, index, n, sum, sumsq`` and
    ``unit, role, index, n, level_sum, below`` (competence categories only).
    """
    plan = ScoringPlan(q)
    competence = {c.id: c for c in q.categories if c.dimension == "competence"}
    acc: dict[tuple[str, str, str], list[float]] = defaultdict(lambda: [0, 0.0, 0.0])
    gap: dict[tuple[str, str, str], list[float]] = defaultdict(lambda: [0, 0.0, 0])
    for unit, role, _rid, cats in _category_rows(session, rnd):
        for index, score in plan.respondent_scores(role, cats).items():
            cell = acc[(unit, role, index)]
            cell[0] += 1
            cell[1] += score
            cell[2] += score * score
            cat = competence.get(index)
            if cat is not None and role in cat.target:
                level = category_level(score, cat.scale)
                g = gap[(unit, role, index)]
                g[0] += 1
                g[1] += level
                g[2] += level < cat.target[role]
    scores = pd.DataFrame(
        [(*k, int(v[0]), v[1], v[2]) for k, v in acc.items()],
        columns=["unit", "role", "index", "n", "sum", "sumsq"],
    )
    gaps = pd.DataFrame(
        [(*k, int(v[0]), v[1], int(v[2])) for k, v in gap.items()],
        columns=["unit", "role", "index", "n", "level_sum", "below"],
    )
    return scores, gaps


def item_counts(session: Session, rnd: Round) -> pd.DataFrame:
    """Answer counts per recorded unit × role × item × value ("vet ej" as value None)."""
    rows = session.execute(ITEM_COUNTS, {"round": rnd.id}).all()
    return pd.DataFrame(rows, columns=["unit", "role", "item", "value", "count"])


def reliability_statistics(session: Session, rnd: Round) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-item and per-total sums over each category's complete cases (for Cronbach's α)."""
    params = {"snapshot": rnd.snapshot_id, "round": rnd.id}
    items = pd.DataFrame(
        session.execute(RELIABILITY_ITEMS, params).all(),
        columns=["category", "item", "n", "sum", "sumsq"],
    )
    totals = pd.DataFrame(
        session.execute(RELIABILITY_TOTALS, params).all(),
        columns=["category", "n", "sum", "sumsq"],
    )
    return items.astype({"sum": float, "sumsq": float}), totals.astype(
        {"sum": float, "sumsq": float}
    )


def tree_frame(session: Session, year: int) -> pd.DataFrame:
    """The year's tree as ``unit, name, parent``, parents before children."""
    parent = Unit.__table__.alias("parent")
    rows = session.execute(
        select(Unit.code, Unit.name, parent.c.code)
        .outerjoin(parent, parent.c.id == Unit.parent_id)
        .where(Unit.year == year)
    ).all()
    frame = pd.DataFrame(rows, columns=["unit", "name", "parent"])
    children: dict[str | None, list[str]] = defaultdict(list)
    for unit, par in zip(frame["unit"], frame["parent"], strict=True):
        children[par if isinstance(par, str) else None].append(unit)
    order, stack = [], sorted(children[None], reverse=True)
    while stack:
        unit = stack.pop()
        order.append(unit)
        stack.extend(sorted(children[unit], reverse=True))
    return frame.set_index("unit").loc[order].reset_index()


def code_mapping(session: Session, from_year: int, to_year: int) -> dict[str, str]:
    """Map ``from_year``'s unit codes onto ``to_year``'s tree, following declared remaps.

    A unit kept under the same code maps to itself; a unit split into several maps to their
    nearest common ancestor; a unit that disappeared without a mapping maps where its parent
    went, so parent totals stay comparable.
    """
    mapping = {code: code for code in tree_frame(session, from_year)["unit"]}
    for year in range(from_year + 1, to_year + 1):
        old = tree_frame(session, year - 1)
        new = tree_frame(session, year)
        new_parent = _parents(new)
        old_parent = _parents(old)
        declared: dict[str, list[str]] = defaultdict(list)
        for o, n in session.execute(
            select(UnitRemap.old_code, UnitRemap.new_code).where(UnitRemap.year == year)
        ):
            declared[o].append(n)

        def step(code: str, declared=declared, new_parent=new_parent, old_parent=old_parent):
            while code is not None:
                if code in declared:
                    return _common_ancestor(declared[code], new_parent)
                if code in new_parent:
                    return code
                code = old_parent.get(code)
            return None

        mapping = {k: step(v) for k, v in mapping.items() if v is not None}
    return {k: v for k, v in mapping.items() if v is not None}


def _parents(tree: pd.DataFrame) -> dict[str, str | None]:
    return {
        u: (p if isinstance(p, str) else None)
        for u, p in zip(tree["unit"], tree["parent"], strict=True)
    }


def _common_ancestor(codes: list[str], parent: dict[str, str | None]) -> str | None:
    def chain(code: str | None) -> list[str]:
        out = []
        while code is not None:
            out.append(code)
            code = parent.get(code)
        return out

    chains = [chain(c) for c in codes]
    common = set(chains[0]).intersection(*map(set, chains[1:]))
    return next((c for c in chains[0] if c in common), None)


def previous_round(session: Session, rnd: Round) -> Round | None:
    """The latest earlier-year round of the same instrument that has been opened."""
    instrument = rnd.snapshot.instrument
    candidates = session.scalars(
        select(Round)
        .where(Round.year < rnd.year, Round.status != "draft")
        .order_by(Round.year.desc(), Round.id.desc())
    )
    return next((c for c in candidates if c.snapshot.instrument == instrument), None)
