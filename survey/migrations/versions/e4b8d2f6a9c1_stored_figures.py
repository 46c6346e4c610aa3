"""stored figures: a round's suppressed figures and item tables, computed once

Revision ID: e4b8d2f6a9c1
Revises: b6e4f2a8c1d7
Create Date: 2026-12-05 03:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e4b8d2f6a9c1'
down_revision = 'b6e4f2a8c1d7'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('stored_figures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('compare_key', sa.Integer(), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('payload', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_stored_figures_round_id_rounds'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stored_figures')),
    sa.UniqueConstraint('round_id', 'kind', 'compare_key', name=op.f('uq_stored_figures_round_id'))
    )


def downgrade():
    op.drop_table('stored_figures')
