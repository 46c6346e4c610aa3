"""round k_min and unit headcount

Revision ID: b7e3c1d9a4f2
Revises: a7b3c9d1e2f4
Create Date: 2026-11-27 09:15:00

Only columns are added (no table is rebuilt on SQLite, so existing CHECK constraints and the
partial unique index on units stay as they are). Existing open-link rounds get the open-round
minimum group size of 10; invited rounds 5. Reports never use less than the installation's k.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7e3c1d9a4f2'
down_revision = 'a7b3c9d1e2f4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('rounds', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('k_min', sa.SmallInteger(), server_default='5', nullable=False)
        )
    op.execute("UPDATE rounds SET k_min = 10 WHERE mode = 'open'")
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.add_column(sa.Column('headcount', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.drop_column('headcount')
    with op.batch_alter_table('rounds', schema=None) as batch_op:
        batch_op.drop_column('k_min')
