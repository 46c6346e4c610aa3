"""preview files: the draft report documents shown before a round is published

Revision ID: a7c3e9f1b2d4
Revises: e4b8d2f6a9c1
Create Date: 2026-12-05 06:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7c3e9f1b2d4'
down_revision = 'e4b8d2f6a9c1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('preview_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=100), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('bytes', sa.LargeBinary(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('created', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_preview_files_round_id_rounds'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_preview_files')),
    sa.UniqueConstraint('round_id', 'filename', name='preview_round_filename')
    )
    with op.batch_alter_table('preview_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_preview_files_round_id'), ['round_id'], unique=False)


def downgrade():
    with op.batch_alter_table('preview_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_preview_files_round_id'))
    op.drop_table('preview_files')
