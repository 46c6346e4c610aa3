"""jobs: background jobs (publish, close, mail) and their outcome

Revision ID: b6e4f2a8c1d7
Revises: c8f2a6d4e1b9
Create Date: 2026-12-05 03:20:00

A new table only; nothing existing changes.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b6e4f2a8c1d7'
down_revision = 'c8f2a6d4e1b9'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'jobs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('target', sa.String(length=200), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('progress', sa.String(length=200), nullable=True),
        sa.Column('actor', sa.String(length=200), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('detail', sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_jobs')),
    )
    op.create_index('ix_jobs_kind_target', 'jobs', ['kind', 'target'], unique=False)


def downgrade():
    op.drop_index('ix_jobs_kind_target', table_name='jobs')
    op.drop_table('jobs')
