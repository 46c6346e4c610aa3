"""The bridge from the answer tables to the additive statistics that `analysis/` works on.

SQL does the heavy lifting (GROUP BY per response and category), then one streaming pass turns
each respondent's category sums into index scores and adds them to ``n, Σx, Σx²`` per unit,
role and index. No query loads every answer into Python.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import pandas as pd
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from analysis import tree
from analysis.instruments import Questionnaire
from analysis.rescale import rescale_sql
from analysis.sufficient import LeafStatistics, accumulate
from survey.models import Response, Round, RoundStatistics, Unit, UnitRemap
from survey.models.enums import FINISHED

#: One answer rescaled to 0–100 (reverse keys reversed) by the one rule, ``analysis.rescale``.
RESCALED = rescale_sql("a.value", "a.scale_min", "a.scale_max", "qi.reverse")
# Per response and category: Σ of answers rescaled to 0–100 (reverse keys reversed), the number
# answered ("vet ej" is NULL: neither summed nor counted), and the answered items' raw values
# (reverse keys reversed) packed as "item=value,…" so that Cronbach's α of complete cases comes
# from the same single scan of the answers.
CATEGORY_SUMS = """
    SELECT r.id, r.unit_id, r.role, qi.category_id,
           SUM({rescaled}) AS total,
           COUNT(a.value) AS answered,
           {concat}(a.item_id || '=' || CAST(CASE WHEN qi.reverse
               THEN a.scale_min + a.scale_max - a.value ELSE a.value END AS VARCHAR){sep}) AS packed
    FROM responses r
    JOIN answers a ON a.response_id = r.id
    JOIN questionnaire_items qi ON qi.snapshot_id = :snapshot AND qi.item_id = a.item_id
    WHERE r.round_id = :round AND a.value IS NOT NULL
    GROUP BY r.id, r.unit_id, r.role, qi.category_id
    ORDER BY r.id
"""

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


def _scan_rows(session: Session, sql: str, params: dict[str, int]) -> Iterator[tuple[Any, ...]]:
    """Stream a large result through the driver's own cursor, in batches.

    The scan is the report's hot loop; skipping SQLAlchemy's per-row processing and, on
    PostgreSQL, using a server-side cursor keeps both time and memory down.
    """
    connection = session.connection()
    raw = connection.connection.dbapi_connection
    if raw is None:  # only a connection that was closed or invalidated has none
        raise RuntimeError("the session's database connection is closed")
    if connection.dialect.name == "postgresql":
        for name in params:
            sql = sql.replace(f":{name}", f"%({name})s")
        cursor = raw.cursor(name="mognad_scan")
    else:
        cursor = raw.cursor()
    try:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(20_000):
            yield from rows
    finally:
        cursor.close()


def _category_rows(
    session: Session, round_id: int, snapshot_id: int
) -> Iterator[tuple[int, str, dict[str, tuple[float, int]], dict[str, str]]]:
    """Yield (unit id, role, {category: (Σ, answered)}, {category: packed values}) per response."""
    if session.get_bind().dialect.name == "postgresql":
        sql = CATEGORY_SUMS.format(concat="string_agg", sep=", ','", rescaled=RESCALED)
    else:
        sql = CATEGORY_SUMS.format(concat="group_concat", sep="", rescaled=RESCALED)
    result = _scan_rows(session, sql, {"snapshot": snapshot_id, "round": round_id})
    current: str | None = None
    unit, role = 0, ""
    cats: dict[str, tuple[float, int]] = {}
    packed: dict[str, str] = {}
    for rid, unit_id, r_role, category, total, answered, values in result:
        if rid != current:
            if current is not None:
                yield unit, role, cats, packed
            current, unit, role, cats, packed = rid, unit_id, r_role, {}, {}
        cats[category] = (float(total), int(answered))
        packed[category] = values
    if current is not None:
        yield unit, role, cats, packed


def leaf_statistics(
    session: Session, round_id: int, snapshot_id: int, q: Questionnaire
) -> LeafStatistics:
    """One scan of a round's answers: scores, competence-gap sums and reliability sums.

    SQL groups the answers per response and category; :func:`analysis.sufficient.accumulate`
    turns each respondent's category sums into index scores and adds them to ``n, Σx, Σx²``.
    Memory is bounded by the number of cells, not of answers.
    """
    codes = {uid: code for uid, code in session.execute(select(Unit.id, Unit.code))}
    rows = _category_rows(session, round_id, snapshot_id)
    return accumulate(((codes[u], r, cats, packed) for u, r, cats, packed in rows), q)


def item_counts(session: Session, rnd: Round) -> pd.DataFrame:
    """Answer counts per recorded unit × role × item × value ("vet ej" as value None)."""
    rows = [tuple(r) for r in session.execute(ITEM_COUNTS, {"round": rnd.id})]
    # Plain tuples: pandas inspects each SQLAlchemy Row for named fields, ten times slower.
    return pd.DataFrame.from_records(rows, columns=["unit", "role", "item", "value", "count"])


def tree_frame(session: Session, year: int) -> pd.DataFrame:
    """The year's tree as ``unit, name, parent``, parents before children."""
    parent = Unit.__table__.alias("parent")
    rows = session.execute(
        select(Unit.code, Unit.name, parent.c.code)
        .outerjoin(parent, parent.c.id == Unit.parent_id)
        .where(Unit.year == year)
    ).all()
    frame = pd.DataFrame(rows, columns=["unit", "name", "parent"])
    order = tree.ordered(tree.parent_map(frame["unit"], frame["parent"]), key=str)
    return frame.set_index("unit").loc[order].reset_index()


def code_mapping(session: Session, from_year: int, to_year: int) -> dict[str, str]:
    """Map ``from_year``'s unit codes onto ``to_year``'s tree, following declared remaps.

    The rules (renames, splits, merges, vanished units) are :func:`analysis.tree.code_mapping`;
    this reads each year's tree and declared remaps for it.
    """
    years = range(from_year, max(from_year, to_year) + 1)
    trees = [
        tree.parent_map(frame["unit"], frame["parent"])
        for frame in (tree_frame(session, year) for year in years)
    ]
    remaps: list[dict[str, list[str]]] = []
    for year in years[1:]:
        declared: dict[str, list[str]] = defaultdict(list)
        for old, new in session.execute(
            select(UnitRemap.old_code, UnitRemap.new_code).where(UnitRemap.year == year)
        ):
            declared[old].append(new)
        remaps.append(declared)
    return tree.code_mapping(trees, remaps)


def previous_round(session: Session, rnd: Round) -> Round | None:
    """The latest earlier-year closed or published round of the same instrument.

    A round still open is never compared with: its figures may still change.
    """
    instrument = rnd.snapshot.instrument
    candidates = session.scalars(
        select(Round)
        .where(Round.year < rnd.year, Round.status.in_(FINISHED))
        .order_by(Round.year.desc(), Round.id.desc())
    )
    return next((c for c in candidates if c.snapshot.instrument == instrument), None)


def _to_payload(stats: LeafStatistics) -> dict[str, Any]:
    return {
        name: getattr(stats, name).to_dict(orient="split", index=False)
        for name in ("scores", "gaps", "reliability_items", "reliability_totals", "partial")
    }


def _from_payload(payload: dict[str, Any]) -> LeafStatistics:
    frames = {
        name: pd.DataFrame(part["data"], columns=part["columns"]) for name, part in payload.items()
    }
    return LeafStatistics(**frames)


def response_count(session: Session, round_id: int) -> int:
    return (
        session.scalar(
            select(func.count()).select_from(Response).where(Response.round_id == round_id)
        )
        or 0
    )


def cached(session: Session, round_id: int) -> LeafStatistics | None:
    """The cached statistics of a round, unless a response was added since they were stored."""
    entry = session.get(RoundStatistics, round_id)
    if entry is None or entry.responses != response_count(session, round_id):
        return None
    if "partial" not in entry.payload:  # stored before the rule counted partial respondents
        return None
    totals = entry.payload.get("reliability_totals", {})
    if "role" not in totals.get("columns", ()):
        return None  # stored before α was computed per role: recompute
    return _from_payload(entry.payload)


def store(session: Session, round_id: int, stats: LeafStatistics, responses: int) -> None:
    """Keep a round's statistics computed from ``responses`` responses (the caller commits)."""
    entry = session.get(RoundStatistics, round_id)
    if entry is None:
        entry = RoundStatistics(round_id=round_id, responses=responses, payload={})
        session.add(entry)
    entry.responses = responses
    entry.payload = _to_payload(stats)
    session.flush()
