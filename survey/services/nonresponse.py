"""Who each cell speaks for, read from the database: invitations, headcounts and "vet ej".

The counts come from the invitations (or the counts a purge kept of them) and the stored
answers; :mod:`analysis.nonresponse` turns them into the response columns of the aggregates
(response rate, headcount, "vet ej" share), with the same suppression as the cells, inside
:func:`analysis.figures.figures`. The one reader for the report, the open data, the API and
the pages, so none of them can disagree.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from analysis.nonresponse import Responses
from survey.models import Answer, Response, Round, Unit
from survey.models.enums import RoundMode
from survey.services.fieldwork import _role_counts


def _codes(session: Session, year: int) -> dict[int, str]:
    return dict(session.execute(select(Unit.id, Unit.code).where(Unit.year == year)).all())


def response_inputs(session: Session, rnd: Round) -> Responses:
    """Who the round's cells speak for, as :func:`analysis.figures.figures` takes it: each
    unit's own invitations per role (None without invitations), headcounts per unit, and
    answers and "vet ej" per unit, role and item. A stored "vet ej" is an answer without a
    value (``Answer.value`` NULL)."""
    code = _codes(session, rnd.year)
    invited: pd.DataFrame | None = None
    if rnd.mode == RoundMode.INVITED:
        own = pd.DataFrame(
            [(code[u], r, i, c) for u, r, i, _, c in _role_counts(session, rnd) if r],
            columns=["unit", "role", "invited", "completed"],
        )
        if not own.empty and int(own["invited"].sum()) != 0:
            invited = own
    heads = dict(
        session.execute(select(Unit.code, Unit.headcount).where(Unit.year == rnd.year)).all()
    )
    rows = session.execute(
        select(
            Response.unit_id, Response.role, Answer.item_id, func.count(), func.count(Answer.value)
        )
        .join(Answer, Answer.response_id == Response.id)
        .where(Response.round_id == rnd.id)
        .group_by(Response.unit_id, Response.role, Answer.item_id)
    ).all()
    answers = pd.DataFrame(
        [(code[u], r, i, int(n), int(n) - int(v)) for u, r, i, n, v in rows],
        columns=["unit", "role", "item", "answered", "dont_know"],
    )
    return Responses(invited, heads, answers)
