"""import_org / import_remap with plain tables: every problem at once, nothing half-written."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from survey.models import Unit, UnitRemap
from survey.services.errors import MognadError, Problem, ValidationError
from survey.services.org import ORG_COLUMNS, REMAP_COLUMNS, import_org, import_remap
from survey.services.tabular import Table
from tests.survey.services.conftest import ORG


def _units(session: Session, year: int) -> dict[str, str | None]:
    rows = session.execute(
        sa.select(Unit.code, Unit.parent_id, Unit.id).where(Unit.year == year)
    ).all()
    codes = {uid: code for code, _, uid in rows}
    return {code: codes.get(parent) for code, parent, _ in rows}


def _places(error: ValidationError) -> set[tuple[int | None, str | None]]:
    return {(p.row, p.column) for p in error.problems}


def test_import_org_from_plain_rows(session):
    n = import_org(session, 2025, Table.of("org", ORG_COLUMNS, ORG))
    assert n == 5
    assert _units(session, 2025) == {
        "CITY": None,
        "EDU": "CITY",
        "EDU-A": "EDU",
        "EDU-B": "EDU",
        "CARE": "CITY",
    }


def test_three_different_problems_are_all_reported_and_nothing_is_written(session):
    rows = [
        ("CITY", "Staden", ""),
        ("EDU", "Utbildning", "NOWHERE"),  # row 3: unknown parent
        ("EDU", "Utbildning igen", "CITY"),  # row 4: duplicate code
        ("=BAD", "Formel", "CITY"),  # row 5: bad characters in the code
    ]
    with pytest.raises(ValidationError) as err:
        import_org(session, 2025, Table.of("org.csv", ORG_COLUMNS, rows))
    problems = err.value.problems
    assert len(problems) == 3, problems
    assert _places(err.value) == {(3, "parent_code"), (4, "code"), (5, "code")}
    assert all(p.file == "org.csv" for p in problems)
    reasons = " | ".join(str(p.reason) for p in problems)
    assert "okänd överordnad enhetskod 'NOWHERE'" in reasons
    assert "enhetskoden 'EDU' finns redan (på rad 3)" in reasons
    assert "'=BAD' är ingen giltig enhetskod" in reasons
    assert isinstance(err.value, MognadError)
    assert _units(session, 2025) == {}


def test_row_problems_and_headcounts_and_second_root(session):
    rows = [
        ("CITY", "Staden", "", "10"),
        ("EDU", "", "CITY", "x"),  # row 3: no name, bad headcount
        ("CARE", "Omsorg", "", ""),  # row 4: a second root
    ]
    table = Table.of("org", (*ORG_COLUMNS, "headcount"), rows)
    with pytest.raises(ValidationError) as err:
        import_org(session, 2025, table)
    assert _places(err.value) == {(3, "name"), (3, "headcount"), (4, "parent_code")}


def test_headcount_below_the_sub_units_is_named_for_every_unit(session):
    rows = [("CITY", "Staden", "", "3"), ("A", "A", "CITY", "2"), ("B", "B", "CITY", "2")]
    with pytest.raises(ValidationError) as err:
        import_org(session, 2025, Table.of("org", (*ORG_COLUMNS, "headcount"), rows))
    assert _places(err.value) == {(2, "headcount")}
    assert "enheterna under den har tillsammans 4" in str(err.value.problems[0].reason)


def test_every_column_problem_is_named(session):
    table = Table.of("org", ("code", "name", "parent", "extra"), [("A", "A", "", "")])
    with pytest.raises(ValidationError) as err:
        import_org(session, 2025, table)
    assert [str(p) for p in err.value.problems] == [
        "org, rad 1: kolumnen 'parent_code' saknas "
        "(första raden ska vara: code,name,parent_code[,headcount][,headcount_employee]"
        "[,headcount_manager][,headcount_specialist])",
        "org, rad 1, kolumn parent: okänd kolumn 'parent'",
        "org, rad 1, kolumn extra: okänd kolumn 'extra'",
    ]


def test_cycles_are_reported_with_unknown_parents(session):
    rows = [("CITY", "Staden", ""), ("A", "A", "B"), ("B", "B", "A"), ("C", "C", "ZZ")]
    with pytest.raises(ValidationError) as err:
        import_org(session, 2025, Table.of("org", ORG_COLUMNS, rows))
    reasons = [str(p.reason) for p in err.value.problems]
    assert "okänd överordnad enhetskod 'ZZ'" in reasons
    assert any(r.startswith("de överordnade enheterna bildar en slinga: ") for r in reasons)


def test_problem_text_names_file_row_and_column():
    assert str(Problem("bad", "o.csv", 3, "code")) == "o.csv, rad 3, kolumn code: bad"
    assert str(Problem("bad", "o.csv")) == "o.csv: bad"
    assert str(Problem("bad")) == "bad"


def test_remap_reports_every_unknown_code(session, org_2025):
    import_org(
        session, 2026, Table.of("org", ORG_COLUMNS, [("CITY", "Staden", ""), ("N", "N", "CITY")])
    )
    rows = [("EDU", "N"), ("GONE", "N"), ("EDU-A", "MISSING"), ("EDU", "N")]
    with pytest.raises(ValidationError) as err:
        import_remap(session, 2026, Table.of("remap", REMAP_COLUMNS, rows))
    assert _places(err.value) == {(3, "old_code"), (4, "new_code"), (5, None)}
    assert session.scalar(sa.select(sa.func.count()).select_from(UnitRemap)) == 0
    assert import_remap(session, 2026, Table.of("remap", REMAP_COLUMNS, rows[:1])) == 1
