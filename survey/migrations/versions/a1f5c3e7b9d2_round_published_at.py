"""round published_at: when a round's results were made public

Revision ID: a1f5c3e7b9d2
Revises: e7b3d9a1c5f2
Create Date: 2026-11-27 12:00:00

Nullable: rounds published before this revision have no date (the API then shows null).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a1f5c3e7b9d2'
down_revision = 'e7b3d9a1c5f2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('rounds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('published_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('rounds', schema=None) as batch_op:
        batch_op.drop_column('published_at')
