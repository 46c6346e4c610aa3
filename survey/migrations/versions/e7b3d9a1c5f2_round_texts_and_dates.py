"""round mail texts and dates: a round's own invitation and reminder texts, opens/closes dates

Revision ID: e7b3d9a1c5f2
Revises: c4a8e2f6b1d3
Create Date: 2026-11-27 10:15:00

Nullable columns only: a round without texts keeps using the bundled mail templates.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e7b3d9a1c5f2'
down_revision = 'c4a8e2f6b1d3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('rounds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mail_texts', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('opens_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('closes_on', sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table('rounds', schema=None) as batch_op:
        batch_op.drop_column('closes_on')
        batch_op.drop_column('opens_on')
        batch_op.drop_column('mail_texts')
