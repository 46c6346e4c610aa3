"""k-anonymous data at rest: after close no (unit, role) group of a round holds fewer than k.

The attack: read the ``responses`` table of a closed round and find the only manager of a unit
as one row with that unit and role, 48 of 48 answers. Closing now stores every small group
under the nearest unit where its role reaches k (``analysis.atrest``); nothing is lost.
"""

from __future__ import annotations

import csv

import sqlalchemy as sa

from survey.models import Answer, Ballot, Response, Round, Unit
from tests.support.factory import QUESTIONNAIRE
from tests.support.results import ORG, answers

ROLES = {"employee": 0.6, "manager": 0.2, "specialist": 0.2}


def _groups(db_session, name: str) -> dict[tuple[str, str], int]:
    rows = db_session.execute(
        sa.select(Unit.code, Response.role, sa.func.count())
        .join(Unit, Unit.id == Response.unit_id)
        .join(Round, Round.id == Response.round_id)
        .where(Round.name == name)
        .group_by(Unit.code, Response.role)
    )
    return {(u, r): int(n) for u, r, n in rows}


def _imported(rows: list[list]) -> dict[tuple[str, str], int]:
    """(unit, role) groups of an answer file: what a round holds, sealed, until its close."""
    groups: dict[tuple[str, str], int] = {}
    for row in rows[1:]:  # the header first
        groups[(row[0], row[1])] = groups.get((row[0], row[1]), 0) + 1
    return groups


def _load(runner, write_csv, rows: list[list]) -> None:
    org = write_csv("org2025.csv", ORG)
    path = write_csv("answers.csv", rows)
    create = ["round", "create", "R2025", "--year", "2025", "--questionnaire", str(QUESTIONNAIRE)]
    for args in (
        ["org", "import", "--year", "2025", str(org)],
        create,
        ["responses", "import", "R2025", str(path)],
        ["round", "open", "R2025"],
    ):
        result = runner.invoke(args=args)
        assert result.exit_code == 0, result.output


def _count(db_session, model) -> int:
    return int(db_session.scalar(sa.select(sa.func.count()).select_from(model)))


def test_no_stored_group_is_below_k_after_close(runner, write_csv, db_session) -> None:
    rows = answers(3, 0.0, ROLES)
    manager = next(r for r in rows if r[1] == "manager")
    rows.append(["TINY", "manager", *manager[2:]])  # the only manager of a small unit
    _load(runner, write_csv, rows)
    assert _groups(db_session, "R2025") == {}  # no response exists before the close
    before = _imported(rows)
    assert min(before.values()) < 5  # the attack's precondition: small groups exist
    n_answers = sum(v not in ("", None) for row in rows[1:] for v in row[2:])  # dk counts too
    result = runner.invoke(args=["round", "close", "R2025"])
    assert result.exit_code == 0, result.output
    after = _groups(db_session, "R2025")
    assert min(after.values()) >= 5, after
    # Nothing lost: every response and answer is still there, each role keeps its total.
    for role in ROLES:
        assert sum(n for (_, r), n in after.items() if r == role) == sum(
            n for (_, r), n in before.items() if r == role
        )
    assert _count(db_session, Answer) == n_answers
    assert ("TINY", "employee") not in after  # its two employees are stored under CITY


def test_a_role_below_k_in_the_whole_round_is_stored_at_the_top(
    runner, write_csv, db_session, tmp_path
) -> None:
    """Two specialists in the whole round cannot reach k anywhere: both go to the top unit,
    the one group below k that remains, and every figure of that role stays hidden."""
    rows = answers(3, 0.0)
    specialist = next(r for r in answers(3, 0.0, ROLES) if r[1] == "specialist")
    rows += [["EDU-A", *specialist[1:]], ["CARE-A", *specialist[1:]]]
    _load(runner, write_csv, rows)
    assert runner.invoke(args=["round", "close", "R2025"]).exit_code == 0
    after = _groups(db_session, "R2025")
    assert after[("CITY", "specialist")] == 2
    assert [g for g, n in after.items() if n < 5] == [("CITY", "specialist")]
    result = runner.invoke(args=["report", "R2025", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    with (tmp_path / "out" / "aggregates.csv").open(encoding="utf-8") as fh:
        cells = [r for r in csv.DictReader(fh) if r["role"] == "specialist"]
    assert cells and all(r["suppressed"] == "true" and not r["score"] for r in cells)


def test_storage_leaves_open_rounds_alone(runner, write_csv, db_session) -> None:
    rows = answers(3, 0.0, ROLES)
    _load(runner, write_csv, rows)
    assert min(_imported(rows).values()) < 5
    # Only the close stores responses, coarsened; an open round holds sealed ballots, each
    # under the unit it was answered for, nothing else.
    assert _groups(db_session, "R2025") == {}
    ballots = db_session.execute(
        sa.select(Unit.code, sa.func.count())
        .select_from(Ballot)
        .join(Unit, Unit.id == Ballot.unit_id)
        .group_by(Unit.code)
    ).all()
    per_unit: dict[str, int] = {}
    for (unit, _), n in _imported(rows).items():
        per_unit[unit] = per_unit.get(unit, 0) + n
    assert dict(ballots) == per_unit
