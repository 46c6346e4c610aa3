"""Who each cell speaks for, read from the database: invitations, headcounts and "vet ej".

The counts come from the invitations (or the counts a purge kept of them) and the stored
answers; :mod:`analysis.nonresponse` turns them into the response columns of the aggregates
(response rate, headcount, "vet ej" share), with the same suppression as the cells. The one
reader for the report, the open data, the API and the pages, so none of them can disagree.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from analysis.instruments import Questionnaire
from analysis.nonresponse import cell_response, dont_know_shares, with_response
from survey.models import Answer, Response, Round, Unit
from survey.models.enums import RoundMode
from survey.services.fieldwork import _role_counts


def _codes(session: Session, year: int) -> dict[int, str]:
    return dict(session.execute(select(Unit.id, Unit.code).where(Unit.year == year)).all())


def response_table(session: Session, rnd: Round, tree: pd.DataFrame, k: int) -> pd.DataFrame | None:
    """:func:`analysis.nonresponse.cell_response` for the round; None without invitations."""
    if rnd.mode != RoundMode.INVITED:
        return None
    code = _codes(session, rnd.year)
    own = pd.DataFrame(
        [(code[u], r, i, c) for u, r, i, _, c in _role_counts(session, rnd) if r],
        columns=["unit", "role", "invited", "completed"],
    )
    if own.empty or int(own["invited"].sum()) == 0:
        return None
    heads = dict(
        session.execute(select(Unit.code, Unit.headcount).where(Unit.year == rnd.year)).all()
    )
    return cell_response(own, tree, heads, k)


def dont_know_table(
    session: Session, rnd: Round, tree: pd.DataFrame, q: Questionnaire
) -> pd.DataFrame:
    """:func:`analysis.nonresponse.dont_know_shares` from the round's stored answers.

    A stored "vet ej" is an answer without a value (``Answer.value`` NULL).
    """
    code = _codes(session, rnd.year)
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
    return dont_know_shares(answers, tree, q)


def add_response_columns(
    session: Session,
    rnd: Round,
    aggregates: pd.DataFrame,
    tree: pd.DataFrame,
    q: Questionnaire,
    k: int,
) -> pd.DataFrame:
    """The aggregates with ``invited, headcount, response_rate, dont_know_share`` appended."""
    return with_response(
        aggregates, response_table(session, rnd, tree, k), dont_know_table(session, rnd, tree, q)
    )
