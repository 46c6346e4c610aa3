"""staff accounts: second factor, recovery codes, set-up links, lockout, several units

Revision ID: c4a8e2f6b1d3
Revises: c4d8e2f6a1b3
Create Date: 2026-11-27 09:50:00

The single ``users.unit_code`` becomes rows of ``user_units`` (a manager may own several
units). Dropping the column rebuilds the table on SQLite; the named role CHECK is reflected
and survives the rebuild.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4a8e2f6b1d3'
down_revision = 'c4d8e2f6a1b3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('user_units',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('unit_code', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_units_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_units')),
    sa.UniqueConstraint('user_id', 'unit_code', name='user_unit')
    )
    with op.batch_alter_table('user_units', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_units_user_id'), ['user_id'], unique=False)

    op.create_table('recovery_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_recovery_codes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recovery_codes'))
    )
    with op.batch_alter_table('recovery_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recovery_codes_user_id'), ['user_id'], unique=False)

    op.execute(
        "INSERT INTO user_units (user_id, unit_code) "
        "SELECT id, unit_code FROM users WHERE unit_code IS NOT NULL"
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('totp_secret', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('totp_enrolled', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('totp_last_step', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('failed_attempts', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('setup_token_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('setup_expires', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_users_setup_token_hash'), ['setup_token_hash'])
        batch_op.drop_column('unit_code')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('totp_enrolled', server_default=None)
        batch_op.alter_column('failed_attempts', server_default=None)


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unit_code', sa.String(length=64), nullable=True))
        batch_op.drop_constraint(batch_op.f('uq_users_setup_token_hash'), type_='unique')
        batch_op.drop_column('setup_expires')
        batch_op.drop_column('setup_token_hash')
        batch_op.drop_column('locked_until')
        batch_op.drop_column('failed_attempts')
        batch_op.drop_column('totp_last_step')
        batch_op.drop_column('totp_enrolled')
        batch_op.drop_column('totp_secret')
    op.execute(
        "UPDATE users SET unit_code = (SELECT min(unit_code) FROM user_units "
        "WHERE user_units.user_id = users.id)"
    )
    with op.batch_alter_table('recovery_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recovery_codes_user_id'))
    op.drop_table('recovery_codes')
    with op.batch_alter_table('user_units', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_units_user_id'))
    op.drop_table('user_units')
