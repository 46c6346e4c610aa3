"""published files: the report and open-data files of a published round, as served

Revision ID: 976ecc08474e
Revises: 9d90df50c7eb
Create Date: 2026-11-27 12:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '976ecc08474e'
down_revision = '9d90df50c7eb'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('published_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=100), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('bytes', sa.LargeBinary(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('created', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_published_files_round_id_rounds'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_published_files')),
    sa.UniqueConstraint('round_id', 'filename', name='round_filename')
    )
    with op.batch_alter_table('published_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_published_files_round_id'), ['round_id'], unique=False)


def downgrade():
    with op.batch_alter_table('published_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_published_files_round_id'))
    op.drop_table('published_files')
