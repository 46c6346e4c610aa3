"""action plans: a unit's åtgärdsplan per round, followed up by the next round's figures

Revision ID: b3f1c7d9e2a5
Revises: a7c3e9f1b2d4
Create Date: 2026-12-05 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b3f1c7d9e2a5'
down_revision = 'a7c3e9f1b2d4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('action_plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('unit_code', sa.String(length=64), nullable=False),
    sa.Column('categories', sa.JSON(), nullable=False),
    sa.Column('quadrant', sa.String(length=32), nullable=True),
    sa.Column('goals', sa.Text(), nullable=False),
    sa.Column('measures', sa.Text(), nullable=False),
    sa.Column('owner', sa.String(length=200), nullable=False),
    sa.Column('due', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('in_report', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=200), nullable=False),
    sa.CheckConstraint("status IN ('planned', 'in_progress', 'done', 'cancelled')", name=op.f('ck_action_plans_status')),
    sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_action_plans_round_id_rounds'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_action_plans')),
    sa.UniqueConstraint('round_id', 'unit_code', name='plan_round_unit')
    )
    with op.batch_alter_table('action_plans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_action_plans_round_id'), ['round_id'], unique=False)


def downgrade():
    with op.batch_alter_table('action_plans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_action_plans_round_id'))
    op.drop_table('action_plans')
