"""imported packages: other organisations' published figures, kept for comparison

Revision ID: c4a2e8f0d1b6
Revises: b6d2f8a4c1e7
Create Date: 2026-12-05 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4a2e8f0d1b6'
down_revision = 'b6d2f8a4c1e7'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('imported_packages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('publisher', sa.String(length=200), nullable=False),
    sa.Column('source', sa.String(length=1000), nullable=False),
    sa.Column('round_name', sa.String(length=200), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('k', sa.Integer(), nullable=False),
    sa.Column('license', sa.String(length=200), nullable=False),
    sa.Column('license_url', sa.String(length=1000), nullable=True),
    sa.Column('questionnaire_id', sa.String(length=64), nullable=False),
    sa.Column('questionnaire_version', sa.String(length=32), nullable=False),
    sa.Column('created', sa.String(length=40), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('imported_by', sa.String(length=320), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_imported_packages')),
    sa.UniqueConstraint('publisher', 'round_name', name='imported_publisher_round')
    )
    op.create_table('imported_figures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('package_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('index', sa.String(length=64), nullable=False),
    sa.Column('n', sa.Integer(), nullable=True),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('sd', sa.Float(), nullable=True),
    sa.Column('ci_low', sa.Float(), nullable=True),
    sa.Column('ci_high', sa.Float(), nullable=True),
    sa.Column('suppressed', sa.Boolean(), nullable=False),
    sa.Column('compare_round', sa.String(length=200), nullable=True),
    sa.Column('delta', sa.Float(), nullable=True),
    sa.Column('delta_ci_low', sa.Float(), nullable=True),
    sa.Column('delta_ci_high', sa.Float(), nullable=True),
    sa.Column('change', sa.String(length=20), nullable=True),
    sa.ForeignKeyConstraint(['package_id'], ['imported_packages.id'], name=op.f('fk_imported_figures_package_id_imported_packages'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_imported_figures')),
    sa.UniqueConstraint('package_id', 'role', 'index', name='imported_package_cell')
    )
    with op.batch_alter_table('imported_figures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_imported_figures_package_id'), ['package_id'], unique=False)



def downgrade():
    with op.batch_alter_table('imported_figures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_imported_figures_package_id'))

    op.drop_table('imported_figures')
    op.drop_table('imported_packages')
