"""import_respondents / import_responses with plain tables, no files."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from survey.models import Answer, Ballot, Invitation, Response, ResponseComment
from survey.sealing import Sealer
from survey.services.closing import open_ballots
from survey.services.errors import InputError, ValidationError
from survey.services.imports import RESPONDENT_COLUMNS, import_respondents, import_responses
from survey.services.rounds import get_round
from survey.services.tabular import Table

ANSWER_COLUMNS = (
    "unit_code",
    "role",
    "cap_workplace_1",
    "cap_workplace_2",
    "comp_safety_1",
    "cap_governance_1",
    "comment_learning",
)
SEALER = Sealer(["a test installation's secret key"])


def _count(session: Session, model: type) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def test_respondents_from_plain_rows(session, new_round):
    name = new_round()
    rows = [("Anna@Example.TEST", "EDU-A", "employee"), ("bo@example.test", "CARE", "manager")]
    assert import_respondents(session, name, Table.of("people", RESPONDENT_COLUMNS, rows)) == 2
    emails = set(session.scalars(sa.select(Invitation.email)))
    assert emails == {"anna@example.test", "bo@example.test"}


def test_every_respondent_problem_is_reported_and_nothing_is_written(session, new_round):
    name = new_round()
    rows = [
        ("not-an-address", "EDU-A", "employee"),  # row 2
        ("a@example.test", "EDU-A", "employee"),
        ("A@example.test", "EDU-B", "manager"),  # row 4: the same address
        ("c@example.test", "NOPE", "boss"),  # row 5: unknown unit and role
    ]
    with pytest.raises(ValidationError) as err:
        import_respondents(session, name, Table.of("people.csv", RESPONDENT_COLUMNS, rows))
    places = [(p.row, p.column) for p in err.value.problems]
    assert places == [(2, "email"), (4, "email"), (5, "unit_code"), (5, "role")]
    assert "e-postadressen finns redan på rad 3" in str(err.value.problems[1].reason)
    assert _count(session, Invitation) == 0


def test_an_open_round_takes_no_respondents(session, new_round):
    name = new_round(mode="open")
    table = Table.of("people", RESPONDENT_COLUMNS, [("a@example.test", "EDU", "employee")])
    with pytest.raises(InputError, match="öppen för alla"):
        import_respondents(session, name, table)


def test_responses_from_plain_rows(session, new_round):
    name = new_round()
    rows = [
        ("EDU-A", "employee", 5, "dk", 3, None, "Mer tid"),
        ("EDU-B", "manager", None, None, 4, 6, None),
    ]
    table = Table.of("answers", ANSWER_COLUMNS, rows)
    assert import_responses(session, name, table, sealer=SEALER) == 2
    # Paper answers wait, sealed, in the ballot box like any submission until the close.
    assert _count(session, Response) == 0 and _count(session, Ballot) == 2
    assert open_ballots(session, get_round(session, name), SEALER) == 2
    assert _count(session, Response) == 2
    assert _count(session, Answer) == 5
    assert session.scalar(sa.select(ResponseComment.text)) == "Mer tid"
    values = dict(
        session.execute(
            sa.select(Answer.item_id, Answer.value).where(Answer.item_id == "cap_workplace_2")
        ).all()
    )
    assert values == {"cap_workplace_2": None}  # dk, vet ej


def test_every_response_problem_is_reported_and_nothing_is_written(session, new_round):
    name = new_round()
    rows = [
        ("EDU-A", "employee", 9, "x", 3, None, None),  # row 2: two values off the scale
        ("NOPE", "employee", 5, None, None, None, None),  # row 3: unknown unit
        ("EDU-A", "employee", None, None, None, None, "only a comment"),  # row 4: no answers
        ("CARE", "specialist", None, None, 2, "dk", None),  # row 5: fine
        ("CARE", "specialist", 4, None, None, None, None),  # row 6: not asked of specialists
    ]
    with pytest.raises(ValidationError) as err:
        import_responses(
            session, name, Table.of("answers.csv", ANSWER_COLUMNS, rows), sealer=SEALER
        )
    places = [(p.row, p.column) for p in err.value.problems]
    assert places == [
        (2, "cap_workplace_1"),
        (2, "cap_workplace_2"),
        (3, "unit_code"),
        (4, None),
        (6, "cap_workplace_1"),
    ]
    assert str(err.value.problems[3].reason) == "raden har inga svar"
    assert (
        str(err.value.problems[4].reason)
        == "frågan 'cap_workplace_1' ställs inte till rollen 'specialist'"
    )
    assert _count(session, Response) == 0
    assert _count(session, Answer) == 0
    assert _count(session, ResponseComment) == 0


def test_unknown_item_columns_are_all_named(session, new_round):
    name = new_round()
    table = Table.of(
        "answers", ("unit_code", "role", "nope_1", "nope_2"), [("EDU", "manager", 1, 1)]
    )
    with pytest.raises(ValidationError) as err:
        import_responses(session, name, table, sealer=SEALER)
    assert [(p.row, p.column) for p in err.value.problems] == [(1, "nope_1"), (1, "nope_2")]


def test_table_of_numbers_rows_like_a_file_and_skips_blank_ones():
    table = Table.of("t", ("a", "b"), [(" x ", 1), (None, ""), ("y", None)])
    assert table.rows == ((2, {"a": "x", "b": "1"}), (4, {"a": "y", "b": ""}))
    with pytest.raises(ValidationError) as err:
        Table.of("t", ("a", "a"), [(1, 2, 3)])
    assert [str(p) for p in err.value.problems] == [
        "t, rad 1, kolumn a: kolumnen 'a' finns två gånger",
        "t, rad 2: raden har 3 värden men rubrikraden har 2 kolumner",
    ]
