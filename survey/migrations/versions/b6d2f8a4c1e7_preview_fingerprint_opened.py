"""preview files: what they were made from and when staff opened them (publish needs both)

Revision ID: b6d2f8a4c1e7
Revises: b3f1c7d9e2a5
Create Date: 2026-12-05 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b6d2f8a4c1e7'
down_revision = 'b3f1c7d9e2a5'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('preview_files', schema=None) as batch_op:
        batch_op.add_column(sa.Column('fingerprint', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('opened_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('preview_files', schema=None) as batch_op:
        batch_op.drop_column('opened_at')
        batch_op.drop_column('fingerprint')
