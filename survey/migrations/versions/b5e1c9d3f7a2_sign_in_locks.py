"""sign-in locks: wrong-password lockout per account and client address

Revision ID: b5e1c9d3f7a2
Revises: d5e1a9c3f7b2
Create Date: 2026-12-04 23:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b5e1c9d3f7a2'
down_revision = 'd5e1a9c3f7b2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sign_in_locks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('client', sa.String(length=64), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('last_failure', sa.DateTime(timezone=True), nullable=True),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_sign_in_locks_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in_locks')),
    sa.UniqueConstraint('user_id', 'client', name='sign_in_lock')
    )
    with op.batch_alter_table('sign_in_locks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sign_in_locks_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('sign_in_locks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sign_in_locks_user_id'))

    op.drop_table('sign_in_locks')
