"""invitation mail state

Revision ID: c4d8e2f6a1b3
Revises: b7e3c1d9a4f2
Create Date: 2026-11-27 09:50:00

Only nullable columns are added (no table is rebuilt on SQLite). Existing invitations count as
not yet mailed: links handed out earlier with `mognad links` went through someone else's mail.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4d8e2f6a1b3'
down_revision = 'b7e3c1d9a4f2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mail_state', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('invited_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('reminder_state', sa.String(length=16), nullable=True))


def downgrade():
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.drop_column('reminder_state')
        batch_op.drop_column('invited_at')
        batch_op.drop_column('mail_state')
