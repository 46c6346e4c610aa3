"""Our organisation beside the others whose published figures were imported (issue 19.5).

Called from the overview's and the report's own partial templates (registered as template
globals by ``survey.admin.federation``), so the page templates include one line each. The
figures are the stored ones (``survey.services.federation``): nothing is downloaded here, and
nothing is computed across organisations (``analysis.federation_compare``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
from flask import current_app
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from analysis.federation_compare import CELL_FIELDS, Column, over_years, side_by_side
from analysis.roles import ALL, ROLES
from survey.access import may_see
from survey.extensions import db
from survey.i18n import role_name
from survey.models import Round
from survey.models.enums import FINISHED
from survey.results.figures import change_word, index_label
from survey.results.numbers import number
from survey.services import federation
from survey.services.report import RoundFigures


def _signed(value: Any) -> str:
    text = number(value)
    return f"+{text}" if value is not None and round(float(value), 1) > 0 else text


def shown(cell: dict[str, Any] | None) -> dict[str, Any] | None:
    """A cell's figures as text: score, CI, n, change; None for no cell at all."""
    if cell is None:
        return None
    if cell["suppressed"] or cell["score"] is None:
        return {"suppressed": True}
    arrow, word = change_word(cell["change"])
    delta = None
    if cell["delta"] is not None:
        delta = _("%(delta)s mot %(round)s (95 %% KI %(low)s – %(high)s)",
                  delta=_signed(cell["delta"]), round=cell["compare_round"] or "–",
                  low=number(cell["delta_ci_low"]), high=number(cell["delta_ci_high"]))  # fmt: skip
    return {
        "suppressed": False,
        "score": number(cell["score"]),
        "ci": f"{number(cell['ci_low'])}–{number(cell['ci_high'])}",
        "n": number(cell["n"], 0),
        "arrow": arrow if cell["change"] else "",
        "change": word if cell["change"] else "",
        "delta": delta,
    }


def _root(fig: RoundFigures) -> tuple[str, str] | None:
    """The code and name of the round's whole organisation (the top of its tree)."""
    top = fig.units[fig.units["level"] == 0] if not fig.units.empty else fig.units
    return None if top.empty else (str(top["unit"].iloc[0]), str(top["name"].iloc[0]))


def _own(fig: RoundFigures) -> Column | None:
    root = _root(fig)
    if root is None:
        return None
    code, name = root
    rows = fig.aggregates[fig.aggregates["unit_code"] == code]
    rows = rows[["role", "index", *CELL_FIELDS]].astype(object)
    rows = rows.where(pd.notna(rows), None)
    return Column(name, fig.round.name, fig.round.year, rows, own=True)


def _earlier(fig: RoundFigures) -> list[Column]:
    """Our earlier closed rounds of the same instrument and version that this user may see
    whole (the overview's years; each round's own stored figures)."""
    from survey.results.dashboard import figures

    snapshot = fig.round.snapshot
    rounds = db.session.scalars(
        select(Round)
        .where(Round.year < fig.round.year, Round.status.in_(FINISHED))
        .order_by(Round.year, Round.id)
    ).all()
    out = []
    for other in rounds:
        if (other.snapshot.instrument, other.snapshot.version) != (
            snapshot.instrument,
            snapshot.version,
        ):
            continue
        theirs = figures(other)
        root = _root(theirs)
        column = _own(theirs)
        if root is not None and column is not None and may_see(current_user, other.year, root[0]):
            out.append(column)
    return out


def comparison(
    fig: RoundFigures,
    roles: tuple[str, ...] = (ALL,),
    earlier: Callable[[RoundFigures], list[Column]] | None = None,
) -> dict[str, Any] | None:
    """Side by side for ``roles``: our round and the newest imported round of each publisher
    with the same instrument and version; None when nothing was imported for it. ``earlier``
    gives our own earlier rounds, for the years (asked only when there is a comparison)."""
    snapshot = fig.round.snapshot
    imported = federation.columns(db.session(), snapshot.instrument, snapshot.version)
    own = _own(fig)
    if not imported or own is None:
        return None
    newest: dict[str, Column] = {}
    for column in imported:  # ordered by year: the last one of each publisher stays
        newest[column.organisation] = column
    columns = [own, *newest.values()]
    order = list(fig.questionnaire.indices)
    rows = side_by_side(columns, roles, order)
    for row in rows:
        row["label"] = index_label(fig.questionnaire, row["index"])
        if len(roles) > 1:
            who = _("alla roller") if row["role"] == ALL else role_name(row["role"]).lower()
            row["label"] = f"{row['label']} ({who})"
        row["cells"] = [shown(c) for c in row["cells"]]
    before = earlier(fig) if earlier else []
    years = over_years([*before, own, *imported], roles[0], "maturity")
    for year in years:
        year["cell"] = shown(year["cell"])
    names = {c.organisation for c in imported}
    packages = [
        p
        for p in federation.packages(db.session())
        if p.publisher in names
        and (p.questionnaire_id, p.questionnaire_version) == (snapshot.instrument, snapshot.version)
    ]
    return {"columns": columns, "rows": rows, "years": years, "packages": packages}


def overview_comparison(fig: RoundFigures, unit: str, role: str) -> dict[str, Any] | None:
    """The overview's comparison: only on the whole organisation's page, for its role."""
    root = _root(fig)
    if root is None or unit != root[0]:
        return None
    return comparison(fig, (role,), _earlier)


def report_comparison(fig: RoundFigures) -> dict[str, Any] | None:
    """The report's comparison (every role), when the installation's setting asks for it."""
    if not current_app.config.get("REPORT_FEDERATION"):
        return None
    return comparison(fig, (ALL, *ROLES))
