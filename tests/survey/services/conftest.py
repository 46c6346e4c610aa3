"""Services called directly with plain data: a session and tables, no files and no CLI."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from survey.extensions import db
from survey.services.org import ORG_COLUMNS, import_org
from survey.services.rounds import create_round
from survey.services.tabular import Table

ORG = [
    ("CITY", "Staden", ""),
    ("EDU", "Utbildning", "CITY"),
    ("EDU-A", "Skola A", "EDU"),
    ("EDU-B", "Skola B", "EDU"),
    ("CARE", "Omsorg", "CITY"),
]


@pytest.fixture
def session(app: Flask) -> Iterator[Session]:
    """A plain session on the app's database, outside any application context.

    Transactional like a request's or a command's: the services flush, the test commits (or
    not); whatever it left uncommitted is rolled back at the end.
    """
    with app.app_context():
        engine = db.engine
    with Session(engine) as session:
        yield session
        session.rollback()


@pytest.fixture
def org_2025(session: Session) -> None:
    import_org(session, 2025, Table.of("org", ORG_COLUMNS, ORG))
    session.commit()


@pytest.fixture
def new_round(session: Session, org_2025: None) -> Callable[..., str]:
    def make(name: str = "R2025", mode: str = "invited") -> str:
        create_round(session, name, 2025, "malmo-digital", mode)
        session.commit()
        return name

    return make
