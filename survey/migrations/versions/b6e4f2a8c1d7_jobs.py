"""jobs and round_reminders: background jobs (publish, close, mail), scheduled reminder dates

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
    op.create_table(
        'round_reminders',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('on', sa.Date(), nullable=False),
        sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('job_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_round_reminders_round_id_rounds'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_round_reminders')),
        sa.UniqueConstraint('round_id', 'on', name='round_reminder_date'),
    )
    op.create_index(op.f('ix_round_reminders_round_id'), 'round_reminders', ['round_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_round_reminders_round_id'), table_name='round_reminders')
    op.drop_table('round_reminders')
    op.drop_index('ix_jobs_kind_target', table_name='jobs')
    op.drop_table('jobs')
