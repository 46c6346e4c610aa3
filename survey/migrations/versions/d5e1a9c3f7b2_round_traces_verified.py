"""round traces: whether a close or purge was verified to leave no dead row versions

Revision ID: d5e1a9c3f7b2
Revises: 5e2a9c7d1b84
Create Date: 2026-12-04 23:40:00

Both nullable: rounds closed before this revision were never verified and show as such only
once a verification (`mognad round verify`) has run; until then nothing is recorded.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd5e1a9c3f7b2'
down_revision = '5e2a9c7d1b84'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('rounds', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('traces_verified_at', sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column('traces_problem', sa.String(length=500), nullable=True))


def downgrade():
    with op.batch_alter_table('rounds', schema=None) as batch_op:
        batch_op.drop_column('traces_problem')
        batch_op.drop_column('traces_verified_at')
