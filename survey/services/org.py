"""Load a year's organisation tree and declare reorganisations between years."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import delete, exists, select
from sqlalchemy.orm import Session

from analysis import tree
from survey.models import Draft, Invitation, Response, Unit, UnitRemap
from survey.services.errors import InputError
from survey.services.tabular import read_table

MAX_CODE = 64


def import_org(session: Session, year: int, path: str | Path) -> int:
    """Replace ``year``'s tree with the file's (code,name,parent_code); return the unit count."""
    table = read_table(path, ("code", "name", "parent_code"))
    f = table.name
    seen: dict[str, int] = {}
    parents: dict[str, str] = {}
    names: dict[str, str] = {}
    root: tuple[str, int] | None = None
    for row, v in table.rows:
        code, name, parent = v["code"], v["name"], v["parent_code"]
        if not code:
            raise InputError("a unit code is required", file=f, row=row, column="code")
        if len(code) > MAX_CODE or any(c.isspace() for c in code):
            raise InputError(
                f"'{code}' is not a valid unit code (no spaces, at most {MAX_CODE} characters)",
                file=f,
                row=row,
                column="code",
            )
        if code in seen:
            raise InputError(
                f"duplicate unit code '{code}' (also on row {seen[code]})",
                file=f,
                row=row,
                column="code",
            )
        if not name:
            raise InputError(f"unit '{code}' has no name", file=f, row=row, column="name")
        seen[code] = row
        names[code] = name
        if parent:
            parents[code] = parent
        elif root:
            raise InputError(
                f"a second root: '{code}' has no parent_code, but '{root[0]}' on row {root[1]} "
                "is already the root (a year's tree has exactly one)",
                file=f,
                row=row,
                column="parent_code",
            )
        else:
            root = (code, row)
    if not seen:
        raise InputError("the file has no units", file=f)
    if root is None:
        raise InputError("no root: exactly one unit must have an empty parent_code", file=f)
    for code, parent in parents.items():
        if parent not in seen:
            raise InputError(
                f"unknown parent unit code '{parent}'",
                file=f,
                row=seen[code],
                column="parent_code",
            )
    _check_cycles(parents, seen, f)
    _replace_tree(session, year, f)
    units = {code: Unit(year=year, code=code, name=names[code]) for code in seen}
    order = [code for code, _ in tree.preorder(tree.children_map(parents), [root[0]])]
    for code in order:
        unit = units[code]
        if code in parents:
            unit.parent = units[parents[code]]
        session.add(unit)
        session.flush()
    return len(units)


def _check_cycles(parents: dict[str, str], seen: dict[str, int], f: str) -> None:
    done: set[str] = set()
    for start in parents:
        path: list[str] = []
        code: str | None = start
        while code is not None and code not in done:
            if code in path:
                cycle = path[path.index(code) :] + [code]
                raise InputError(
                    f"the parent links form a cycle: {' → '.join(cycle)}",
                    file=f,
                    row=seen[code],
                    column="parent_code",
                )
            path.append(code)
            code = parents.get(code)
        done.update(path)


def _replace_tree(session: Session, year: int, f: str) -> None:
    ids = select(Unit.id).where(Unit.year == year)
    for model in (Response, Invitation, Draft):
        if session.scalar(select(exists().where(model.unit_id.in_(ids)))):
            raise InputError(
                f"the {year} tree is already used by a round's invitations or responses and "
                "cannot be replaced; declare changes for next year with 'mognad org remap'",
                file=f,
            )
    session.execute(delete(Unit).where(Unit.year == year))


def unit_codes(session: Session, year: int) -> dict[str, int]:
    """Map each unit code of ``year`` to its id."""
    return {
        code: uid
        for code, uid in session.execute(select(Unit.code, Unit.id).where(Unit.year == year))
    }


def import_remap(session: Session, year: int, path: str | Path) -> int:
    """Declare which of last year's units became which of this year's (old_code,new_code)."""
    table = read_table(path, ("old_code", "new_code"))
    f = table.name
    new = unit_codes(session, year)
    if not new:
        raise InputError(f"there is no organisation tree for {year}; import it first", file=f)
    old = unit_codes(session, year - 1)
    if not old:
        raise InputError(f"there is no organisation tree for {year - 1} to map from", file=f)
    pairs: dict[tuple[str, str], int] = {}
    for row, v in table.rows:
        if v["old_code"] not in old:
            raise InputError(
                f"unknown {year - 1} unit code '{v['old_code']}'",
                file=f,
                row=row,
                column="old_code",
            )
        if v["new_code"] not in new:
            raise InputError(
                f"unknown {year} unit code '{v['new_code']}'", file=f, row=row, column="new_code"
            )
        key = (v["old_code"], v["new_code"])
        if key in pairs:
            raise InputError(f"duplicate of row {pairs[key]}", file=f, row=row)
        pairs[key] = row
    session.execute(delete(UnitRemap).where(UnitRemap.year == year))
    session.add_all(UnitRemap(year=year, old_code=o, new_code=n) for o, n in pairs)
    session.flush()
    return len(pairs)
