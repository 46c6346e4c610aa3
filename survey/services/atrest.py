"""k-anonymous storage: a closing round's responses move to units where each (unit, role) has k.

The rule is :mod:`analysis.atrest`; this applies it inside the close transaction
(:func:`survey.services.closing.at_rest`), after the ballots are opened into responses and before
the statistics are frozen, so that every figure and export of the round is made from the
coarsened units. Only the responses' unit changes: answers and comments belong to their response
and ride along. Nothing is deleted, so no answer is lost.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from analysis.atrest import Storage, changed_cells, storage_units
from survey.models import InvitationCount, Response, Round, Unit
from survey.models.enums import RoundMode


def store_k_anonymous(session: Session, rnd: Round) -> Storage:
    """Move the round's small (unit, role) groups up the tree; return where each went.

    Uses the round's own minimum group size (``rounds.k_min``). The groups that stay below k
    (a role with fewer than k responses in the whole tree) are in ``below_k`` of the result.
    """
    units = session.execute(select(Unit.id, Unit.code, Unit.parent_id).where(Unit.year == rnd.year))
    code: dict[int, str] = {}
    parent_id: dict[int, int | None] = {}
    for uid, ucode, par in units:
        code[uid], parent_id[uid] = ucode, par
    ident = {c: uid for uid, c in code.items()}
    parent = {code[u]: (None if p is None else code[p]) for u, p in parent_id.items()}
    counts = {
        (code[uid], role): int(n)
        for uid, role, n in session.execute(
            select(Response.unit_id, Response.role, func.count())
            .where(Response.round_id == rnd.id)
            .group_by(Response.unit_id, Response.role)
        )
    }
    if rnd.mode == RoundMode.OPEN:
        _keep_counts(session, rnd, {(ident[u], r): n for (u, r), n in counts.items()})
    storage = storage_units(parent, counts, rnd.k_min)
    rnd.moved_cells = [list(cell) for cell in changed_cells(parent, storage)]
    moves: dict[tuple[str, str], list[str]] = defaultdict(list)
    for (unit, role), target in storage.target.items():
        if target != unit:
            moves[(target, role)].append(unit)
    for (target, role), sources in sorted(moves.items()):
        session.execute(
            update(Response)
            .where(
                Response.round_id == rnd.id,
                Response.role == role,
                Response.unit_id.in_([ident[u] for u in sources]),
            )
            .values(unit_id=ident[target])
        )
    session.flush()
    return storage


def _keep_counts(session: Session, rnd: Round, counts: dict[tuple[int, str], int]) -> None:
    """Keep an open-link round's responses per unit and role as counts, before they move.

    They say how many answered where, never what: the headcount check that shows a stuffed
    link needs them after close (``survey.services.fieldwork``), as an invited round has its
    invitations. A round closed again after a reopen counts the earlier responses where the
    first close stored them.
    """
    session.execute(delete(InvitationCount).where(InvitationCount.round_id == rnd.id))
    session.add_all(
        InvitationCount(round_id=rnd.id, unit_id=uid, role=role, invited=0, started=0, completed=n)
        for (uid, role), n in sorted(counts.items())
    )
