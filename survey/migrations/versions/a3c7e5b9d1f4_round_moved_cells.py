"""rounds.moved_cells: cells that k-anonymous storage changed at close, always hidden

Revision ID: a3c7e5b9d1f4
Revises: b5e1c9d3f7a2
Create Date: 2026-12-05 00:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a3c7e5b9d1f4'
down_revision = 'b5e1c9d3f7a2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('rounds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('moved_cells', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('rounds', schema=None) as batch_op:
        batch_op.drop_column('moved_cells')
