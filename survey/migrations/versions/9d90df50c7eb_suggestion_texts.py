"""suggestion_texts: the installation's edited copy of an instrument's improvement suggestions

Revision ID: 9d90df50c7eb
Revises: a1f5c3e7b9d2
Create Date: 2026-11-27 12:00:00

One row per edited entry (instrument, quadrant or category); no row means the instrument
file's own text applies, so deleting a row is "restore".
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9d90df50c7eb'
down_revision = 'a1f5c3e7b9d2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'suggestion_texts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('instrument', sa.String(length=64), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('ident', sa.String(length=64), nullable=False),
        sa.Column('texts', sa.JSON(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_by', sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_suggestion_texts')),
        sa.UniqueConstraint('instrument', 'kind', 'ident', name='suggestion_entry'),
    )


def downgrade():
    op.drop_table('suggestion_texts')
