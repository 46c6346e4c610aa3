"""Load a year's organisation tree and declare reorganisations between years.

Unit codes end up in links, URLs and every export, so they are limited to letters, digits,
``.``, ``_`` and ``-`` and must begin with a letter or digit (nothing a spreadsheet could take
for a formula). Names are free text, shown as written: a name that looks like a formula is
accepted and neutralised by every writer (:mod:`analysis.safecell`). The optional ``headcount``
is the number of people in the unit *and all its sub-units*; a report flags a unit whose
responses (its sub-units' included) exceed it. The optional ``headcount_employee``,
``headcount_manager`` and ``headcount_specialist`` count the same way, per role: they are the
population of the post-stratified estimates (:mod:`analysis.estimates`). Every problem is a
:class:`~analysis.errors.Text` (Swedish, translated where it is shown) at its row and column.
"""

from __future__ import annotations

from sqlalchemy import delete, exists, select
from sqlalchemy.orm import Session

from analysis import tree
from analysis.errors import Text, say
from survey.models import Ballot, Draft, Invitation, InvitationCount, Response, Unit, UnitRemap
from survey.services.errors import InputError, Problems
from survey.services.tabular import Table

MAX_CODE = 64
MAX_NAME = 200
DIGITS = "0123456789"
ORG_COLUMNS = ("code", "name", "parent_code")
ROLE_HEADCOUNTS = ("headcount_employee", "headcount_manager", "headcount_specialist")
REMAP_COLUMNS = ("old_code", "new_code")


def valid_code(code: str) -> bool:
    """Letters, digits, ``.``, ``_``, ``-``; the first a letter or digit."""
    first_ok = code[:1].isalpha() or code[:1] in tuple(DIGITS)
    return first_ok and all(c.isalpha() or c in DIGITS or c in "._-" for c in code)


def _headcount(raw: str, column: str, problems: Problems, row: int) -> int | None:
    """A headcount cell (``headcount`` or one role's): a whole number, or None when empty."""
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()):
        problems.add(
            say(
                "'%(value)s' är inte ett heltal (0 eller fler); lämna cellen tom om antalet inte "
                "är känt",
                value=raw,
            ),
            row,
            column,
        )
        return None
    return int(raw)


def _check_role_headcounts(
    root: str,
    parents: dict[str, str],
    heads: dict[str, dict[str, int | None]],
    seen: dict[str, int],
    problems: Problems,
) -> None:
    """Per role as for ``headcount``: never below the sub-units' added up; and the three roles
    add up to ``headcount`` when all four are given (each person has one role)."""
    order = list(reversed(_top_down(root, parents)))
    for column in ROLE_HEADCOUNTS:
        below: dict[str, int] = {}
        for code in order:
            total, head = below.get(code, 0), heads[code][column]
            if head is not None and head < total:
                problems.add(_below(code, head, total), seen[code], column)
            if code in parents:
                up = parents[code]
                below[up] = below.get(up, 0) + (total if head is None else head)
    for code, row in seen.items():
        given = [v for c in ROLE_HEADCOUNTS if (v := heads[code][c]) is not None]
        whole = heads[code]["headcount"]
        if whole is not None and len(given) == len(ROLE_HEADCOUNTS) and sum(given) != whole:
            problems.add(
                say(
                    "enheten '%(code)s' har headcount %(whole)s men rollernas antal "
                    "(headcount_employee, headcount_manager, headcount_specialist) blir "
                    "tillsammans %(sum)s",
                    code=code,
                    whole=whole,
                    sum=sum(given),
                ),
                row,
                "headcount",
            )


def _below(code: str, head: int, total: int) -> Text:
    return say(
        "enheten '%(code)s' har %(head)s men enheterna under den har tillsammans %(total)s; "
        "antalet räknar alla i enheten och i alla enheter under den",
        code=code,
        head=head,
        total=total,
    )


def _check_unit(code: str, name: str, problems: Problems, row: int) -> bool:
    """Whether the row's code can name a unit; every problem of the row is added."""
    ok = True
    if not code:
        problems.add(say("enhetskoden saknas"), row, "code")
        ok = False
    elif len(code) > MAX_CODE or not valid_code(code):
        problems.add(
            say(
                "'%(code)s' är ingen giltig enhetskod (bara bokstäver, siffror, '.', '_' och "
                "'-', den första en bokstav eller siffra, högst %(max)s tecken)",
                code=code,
                max=MAX_CODE,
            ),
            row,
            "code",
        )
        ok = False
    label = say("enheten '%(code)s'", code=code) if code else say("enheten")
    if not name:
        problems.add(say("%(unit)s saknar namn", unit=label), row, "name")
    elif len(name) > MAX_NAME or any(ord(c) < 32 or ord(c) == 127 for c in name):
        problems.add(
            say(
                "namnet på %(unit)s är längre än %(max)s tecken eller innehåller styrtecken "
                "(som tabbar eller radbrytningar)",
                unit=label,
                max=MAX_NAME,
            ),
            row,
            "name",
        )
    return ok


def import_org(session: Session, year: int, table: Table) -> int:
    """Replace ``year``'s tree with the table's (code,name,parent_code[,headcount]); return the
    unit count. Every problem in the table is reported at once and nothing is written."""
    table = table.conform(ORG_COLUMNS, optional=("headcount", *ROLE_HEADCOUNTS))
    problems = Problems(table.source)
    seen: dict[str, int] = {}
    parents: dict[str, str] = {}
    names: dict[str, str] = {}
    heads: dict[str, int | None] = {}
    by_role: dict[str, dict[str, int | None]] = {}
    root: tuple[str, int] | None = None
    for row, v in table.rows:
        code, name, parent = v["code"], v["name"], v["parent_code"]
        if not _check_unit(code, name, problems, row):
            continue
        if code in seen:
            problems.add(
                say(
                    "enhetskoden '%(code)s' finns redan (på rad %(row)s)",
                    code=code,
                    row=seen[code],
                ),
                row,
                "code",
            )
            continue
        seen[code] = row
        names[code] = name
        heads[code] = _headcount(v["headcount"], "headcount", problems, row)
        by_role[code] = {c: _headcount(v[c], c, problems, row) for c in ROLE_HEADCOUNTS}
        by_role[code]["headcount"] = heads[code]
        if parent:
            parents[code] = parent
        elif root:
            problems.add(
                say(
                    "en andra rot: '%(code)s' saknar parent_code, men '%(root)s' på rad %(row)s "
                    "är redan roten (ett års organisation har exakt en)",
                    code=code,
                    root=root[0],
                    row=root[1],
                ),
                row,
                "parent_code",
            )
        else:
            root = (code, row)
    if not table.rows:
        problems.add(say("filen innehåller inga enheter"))
    elif root is None and not problems:
        problems.add(say("ingen rot: exakt en enhet ska ha tom parent_code"))
    for code, parent in parents.items():
        if parent not in seen:
            problems.add(
                say("okänd överordnad enhetskod '%(code)s'", code=parent),
                seen[code],
                "parent_code",
            )
    known = {c: p for c, p in parents.items() if p in seen}
    _check_cycles(known, seen, problems)
    if not problems and root is not None:
        _check_headcounts(root[0], parents, heads, seen, problems)
        _check_role_headcounts(root[0], parents, by_role, seen, problems)
    problems.raise_any()
    assert root is not None  # no problems means exactly one root
    _replace_tree(session, year, table.source)
    units = {
        code: Unit(
            year=year,
            code=code,
            name=names[code],
            headcount=heads[code],
            **{c: by_role[code][c] for c in ROLE_HEADCOUNTS},
        )
        for code in seen
    }
    order = _top_down(root[0], parents)
    for code in order:
        unit = units[code]
        if code in parents:
            unit.parent = units[parents[code]]
        session.add(unit)
        session.flush()
    return len(units)


def _check_cycles(parents: dict[str, str], seen: dict[str, int], problems: Problems) -> None:
    """Every cycle once, at the row of the unit where the walk found it."""
    done: set[str] = set()
    for start in parents:
        path: list[str] = []
        code: str | None = start
        while code is not None and code not in done:
            if code in path:
                cycle = path[path.index(code) :] + [code]
                problems.add(
                    say(
                        "de överordnade enheterna bildar en slinga: %(cycle)s",
                        cycle=" → ".join(cycle),
                    ),
                    seen[code],
                    "parent_code",
                )
                break
            path.append(code)
            code = parents.get(code)
        done.update(path)


def _check_headcounts(
    root: str,
    parents: dict[str, str],
    heads: dict[str, int | None],
    seen: dict[str, int],
    problems: Problems,
) -> None:
    """A headcount covers the sub-units too, so it cannot be below theirs added up."""
    below: dict[str, int] = {}
    for code in reversed(_top_down(root, parents)):  # every unit after its sub-units
        total, head = below.get(code, 0), heads[code]
        if head is not None and head < total:
            problems.add(_below(code, head, total), seen[code], "headcount")
        if code in parents:
            below[parents[code]] = below.get(parents[code], 0) + (total if head is None else head)


def _top_down(root: str, parents: dict[str, str]) -> list[str]:
    return [code for code, _ in tree.preorder(tree.children_map(parents), [root])]


def _replace_tree(session: Session, year: int, f: str) -> None:
    ids = select(Unit.id).where(Unit.year == year)
    for model in (Response, Ballot, Invitation, InvitationCount, Draft):
        if session.scalar(select(exists().where(model.unit_id.in_(ids)))):
            raise InputError(
                say(
                    "organisationen för %(year)s används redan av en mätomgångs inbjudningar "
                    "eller svar och kan inte ersättas; ange förändringar till nästa år som en "
                    "omkodning av enheter",
                    year=year,
                ),
                file=f,
            )
    session.execute(delete(Unit).where(Unit.year == year))


def unit_codes(session: Session, year: int) -> dict[str, int]:
    """Map each unit code of ``year`` to its id."""
    return {
        code: uid
        for code, uid in session.execute(select(Unit.code, Unit.id).where(Unit.year == year))
    }


def import_remap(session: Session, year: int, table: Table) -> int:
    """Declare which of last year's units became which of this year's (old_code,new_code);
    every unknown code and duplicate is reported at once."""
    table = table.conform(REMAP_COLUMNS)
    f = table.source
    new = unit_codes(session, year)
    if not new:
        raise InputError(
            say("det finns ingen organisation för %(year)s; ladda upp den först", year=year),
            file=f,
        )
    old = unit_codes(session, year - 1)
    if not old:
        raise InputError(
            say("det finns ingen organisation för %(year)s att koda om från", year=year - 1),
            file=f,
        )
    problems = Problems(f)
    pairs: dict[tuple[str, str], int] = {}
    for row, v in table.rows:
        ok = True
        if v["old_code"] not in old:
            problems.add(_unknown(year - 1, v["old_code"]), row, "old_code")
            ok = False
        if v["new_code"] not in new:
            problems.add(_unknown(year, v["new_code"]), row, "new_code")
            ok = False
        key = (v["old_code"], v["new_code"])
        if ok and key in pairs:
            problems.add(say("samma rad som rad %(row)s", row=pairs[key]), row)
        elif ok:
            pairs[key] = row
    problems.raise_any()
    session.execute(delete(UnitRemap).where(UnitRemap.year == year))
    session.add_all(UnitRemap(year=year, old_code=o, new_code=n) for o, n in pairs)
    session.flush()
    return len(pairs)


def _unknown(year: int, code: str) -> Text:
    return say("okänd enhetskod '%(code)s' i organisationen för %(year)s", code=code, year=year)
