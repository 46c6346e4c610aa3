"""A round's suppressed figures and item tables, computed once and kept in the database.

Building a large city's figures takes seconds (roll-up, suppression, comparison). Kept only
in a process's memory, every newly started worker paid them again on its first page. They are
computed when the round closes or is published, stored in ``stored_figures``, and any worker
reads them back in a fraction of that; a round closed before this existed gets them on first
use, once. What is stored is exactly what the pages show: the figures after suppression and
the item tables with hidden cells blanked (``survey.services.items``).

A stored row is keyed by round, kind and the comparison round asked for, and carries a
fingerprint of everything that can change after the round closed (as
``survey.services.memo.state`` does for the memory): the closing and purge times and k of
the finished rounds up to the round's year, the declared reorganisations up to that year, and
the settings the figures were made with (:class:`survey.services.settings.FigureSettings`,
passed in by the callers, which read the app's configuration). A row whose fingerprint
differs is recomputed and replaced, never served. Whether a finished round is closed or
published is left out: the figures are made alike from either, and publishing one round must
not make every other round's figures cold again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from survey.models import Round, StoredFigures, UnitRemap
from survey.models.enums import FINISHED
from survey.services import figure_codec as codec
from survey.services.estimates import Estimates
from survey.services.fieldwork import FieldworkRow
from survey.services.items import ItemTable, item_table
from survey.services.report import RoundFigures, round_figures, round_k
from survey.services.rounds import get_round, snapshot_questionnaire
from survey.services.settings import FigureSettings

#: Raised whenever what is stored, or how, changes: rows of another version are recomputed.
VERSION = 2  # 2: columnar arrays instead of JSON values (figure_codec)
FRAMES = ("aggregates", "reliability", "gaps", "comparisons", "units")


def fingerprint(session: Session, rnd: Round, *params: Any) -> str:
    """What ``rnd``'s figures depend on that may change after close (see the module's
    docstring). Only rounds and reorganisations up to its year count: a round is compared
    with an earlier year's only, so closing next year's round leaves this one's rows valid."""
    rounds = session.execute(
        select(Round.id, Round.closed_at, Round.purged_at, Round.k_min)
        .where(Round.status.in_(FINISHED), Round.year <= rnd.year)
        .order_by(Round.id)
    ).all()
    remaps = session.execute(
        select(func.count(), func.max(UnitRemap.id)).where(UnitRemap.year <= rnd.year)
    ).one()
    text = repr((VERSION, rnd.id, params, [tuple(map(str, r)) for r in rounds], tuple(remaps)))
    return hashlib.sha256(text.encode()).hexdigest()


def _kept(
    session: Session,
    rnd: Round,
    kind: str,
    compare_key: int,
    mark: str,
    build: Callable[[], bytes],
) -> tuple[bytes, bool]:
    """The stored payload if its fingerprint is ``mark``; else ``build()`` stored (fresh=True).

    Two workers may build the same row at once; the second insert gives way to the first
    (both built the same figures) inside a savepoint, so the request's transaction lives on.
    """
    key = (StoredFigures.round_id == rnd.id, StoredFigures.kind == kind)
    row = session.scalars(
        select(StoredFigures).where(*key, StoredFigures.compare_key == compare_key)
    ).first()
    if row is not None and row.fingerprint == mark:
        return row.payload, False
    payload = build()
    try:
        with session.begin_nested():
            if row is None:
                row = StoredFigures(round_id=rnd.id, kind=kind, compare_key=compare_key)
                session.add(row)
            row.fingerprint, row.payload = mark, payload
    except IntegrityError:
        pass  # another worker stored the same figures first
    return payload, True


def fingerprint_of(
    session: Session, rnd: Round, kind: str, settings: FigureSettings, *more: Any
) -> str:
    """The fingerprint of ``rnd``'s stored ``kind`` made with ``settings`` (and ``more``)."""
    s = settings
    return fingerprint(session, rnd, kind, s.k, s.k_homogeneous, s.min_test_n, *more)


def current(session: Session, rnd: Round, settings: FigureSettings) -> bool:
    """Whether ``rnd``'s figures (default comparison) are stored and still valid, so that
    reading them takes milliseconds rather than a build of seconds."""
    mark = fingerprint_of(session, rnd, "figures", settings)
    found = select(func.count()).where(
        StoredFigures.round_id == rnd.id,
        StoredFigures.kind == "figures",
        StoredFigures.compare_key == 0,
        StoredFigures.fingerprint == mark,
    )
    return bool(session.scalar(found))


def figures(
    session: Session, name: str, settings: FigureSettings, compare_to: str | None = None
) -> RoundFigures:
    """``round_figures(...)`` from the stored row, computed and stored when missing or stale.

    The caller commits (a request that only reads may roll back: the row is then built again
    by the next one). ``settings``: the installation's (``FigureSettings.of`` its
    configuration); ``compare_to`` as :func:`survey.services.report.round_figures`.
    """
    rnd = get_round(session, name)
    compare = get_round(session, compare_to) if compare_to else None
    compare_key = compare.id if compare is not None else 0
    mark = fingerprint_of(session, rnd, "figures", settings)
    built: list[RoundFigures] = []

    def build() -> bytes:
        s = settings
        fig = round_figures(session, name, s.k, compare_to, s.k_homogeneous, s.min_test_n)
        built.append(fig)
        return codec.pack(encode(fig))

    payload, _ = _kept(session, rnd, "figures", compare_key, mark, build)
    if built:
        return built[0]
    return decode(session, rnd, codec.unpack(payload))


def encode(fig: RoundFigures) -> dict[str, Any]:
    """The figures as plain data; the rounds and questionnaire are named, not copied."""
    est = fig.estimates
    return {
        "compare": fig.compare.id if fig.compare else None,
        "k": fig.k,
        "frames": {name: codec.frame_data(getattr(fig, name)) for name in FRAMES},
        "fieldwork": [codec._plain(asdict(row)) for row in fig.fieldwork],
        "estimates": None
        if est is None
        else {
            "cells": codec.frame_data(est.cells),
            "source": est.source,
            "root": est.root,
            "headline": codec._plain(est.headline),
            "weights": est.weights,
        },
    }


def decode(session: Session, rnd: Round, data: dict[str, Any]) -> RoundFigures:
    compare = session.get(Round, data["compare"]) if data["compare"] is not None else None
    frames = {name: codec.data_frame(part) for name, part in data["frames"].items()}
    est = data["estimates"]
    estimates = None
    if est is not None:
        estimates = Estimates(
            codec.data_frame(est["cells"]),
            est["source"],
            est["root"],
            codec._back(est["headline"]),
            est["weights"],
        )
    return RoundFigures(
        rnd,
        compare,
        snapshot_questionnaire(session, rnd),
        k=data["k"],
        fieldwork=[FieldworkRow(**row) for row in data["fieldwork"]],
        estimates=estimates,
        **frames,
    )


def items(session: Session, rnd: Round, fig: RoundFigures, settings: FigureSettings) -> ItemTable:
    """The round's item table (``survey.services.items.item_table``) as :func:`figures` keeps
    figures: stored, computed when missing or stale. ``fig`` is the round's figures (its
    comparison round and hidden groups decide the table), made with ``settings``."""
    k, k_homogeneous = settings.k, settings.k_homogeneous
    compare = session.get(Round, fig.compare.id) if fig.compare else None
    compare_key = compare.id if compare is not None else 0
    mark = fingerprint_of(session, rnd, "items", settings, compare_key)
    built: list[ItemTable] = []

    def build() -> bytes:
        table = item_table(
            session,
            rnd,
            round_k(rnd, k),
            compare,
            round_k(compare, k) if compare else k,
            k_homogeneous,
            fig.hidden_groups,
        )
        built.append(table)
        return codec.pack(
            {
                "frame": codec.frame_data(table.frame),
                "hidden": codec.series_data(table.hidden),
                "compare": None if table.compare is None else codec.frame_data(table.compare),
                "compare_hidden": None
                if table.compare_hidden is None
                else codec.series_data(table.compare_hidden),
            }
        )

    payload, _ = _kept(session, rnd, "items", compare_key, mark, build)
    if built:
        return built[0]
    data = codec.unpack(payload)
    table = ItemTable(
        codec.data_frame(data["frame"]),
        codec.data_series(data["hidden"]),
        None if data["compare"] is None else codec.data_frame(data["compare"]),
        None if data["compare_hidden"] is None else codec.data_series(data["compare_hidden"]),
        snapshot_questionnaire(session, rnd),
    )
    table._counts_of  # built with the table, which is kept between requests  # noqa: B018
    return table


def store_round(session: Session, rnd: Round, settings: FigureSettings) -> None:
    """Compute and store a finished round's figures and item tables (default comparison) made
    with the installation's ``settings``, at close, so that no page has to build them."""
    fig = figures(session, rnd.name, settings)
    items(session, rnd, fig, settings)
