"""units.headcount_employee/_manager/_specialist: people per role for population estimates

Revision ID: c8f2a6d4e1b9
Revises: a3c7e5b9d1f4
Create Date: 2026-12-05 02:15:00

Only nullable columns are added (no table rebuild on SQLite); existing units have no
per-role headcount, so their cells fall back to respondent means until a file gives one.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c8f2a6d4e1b9'
down_revision = 'a3c7e5b9d1f4'
branch_labels = None
depends_on = None

COLUMNS = ('headcount_employee', 'headcount_manager', 'headcount_specialist')


def upgrade():
    with op.batch_alter_table('units', schema=None) as batch_op:
        for name in COLUMNS:
            batch_op.add_column(sa.Column(name, sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('units', schema=None) as batch_op:
        for name in reversed(COLUMNS):
            batch_op.drop_column(name)
