"""The migrations build exactly the schema the models declare, on SQLite and PostgreSQL.

A model changed without a migration (or a migration that drifts from its model) passes every
other test, because the tests build their databases from the migrations; this one compares a
freshly migrated database with the models, the way ``mognad db migrate`` would.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import survey.models  # noqa: F401  (registers every table on the metadata)
from survey.extensions import db


def _differences(url: str) -> list[object]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"compare_type": True, "compare_server_default": True}
            )
            return list(compare_metadata(context, db.metadata))
    finally:
        engine.dispose()


def test_migrated_schema_matches_the_models(database_url: str) -> None:
    differences = _differences(database_url)
    assert not differences, "models and migrations differ (add a migration):\n" + "\n".join(
        map(repr, differences)
    )


def test_the_check_notices_a_model_without_migration(database_url: str) -> None:
    """The comparison above can fail: a table only the models know is reported."""
    extra = sa.Table("not_migrated", db.metadata, sa.Column("id", sa.Integer, primary_key=True))
    try:
        differences = _differences(database_url)
    finally:
        db.metadata.remove(extra)
    assert [d for d in differences if d[0] == "add_table" and d[1].name == "not_migrated"]
