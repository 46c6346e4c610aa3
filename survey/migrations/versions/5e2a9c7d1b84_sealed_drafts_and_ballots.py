"""sealed drafts and ballots: answers at rest only as ciphertext during fieldwork

A draft's answers become one value sealed with the respondent's own secret (``drafts.sealed``;
the per-answer ``draft_answers`` table goes), and a ballot's role moves inside its sealed
payload. Pending ballots are sealed here for their round with the installation's secret key,
so none is lost. Saved drafts cannot be converted: their key is the respondent's link, which
the server never holds. The upgrade therefore refuses while any draft holds answers, and says
how to finish those rounds first; it never drops them.

Revision ID: 5e2a9c7d1b84
Revises: 33bc0212ec42
Create Date: 2026-12-04 23:50:00.000000

"""
import json

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5e2a9c7d1b84'
down_revision = '33bc0212ec42'
branch_labels = None
depends_on = None


def _count(table: str) -> int:
    return int(op.get_bind().execute(sa.text(f"SELECT count(*) FROM {table}")).scalar() or 0)


def upgrade():
    drafts = _count('draft_answers')
    if drafts:
        raise RuntimeError(
            f"{drafts} saved draft answers are stored in plaintext and can only be sealed with "
            "their respondents' links, which the server does not keep. Close the rounds in "
            "fieldwork first ('mognad round close NAME' deletes their unsubmitted drafts), or "
            "run this upgrade between rounds. Nothing was changed."
        )
    _seal_pending_ballots()
    with op.batch_alter_table('ballots', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_ballots_role'), type_='check')
        batch_op.drop_column('role')
    with op.batch_alter_table('drafts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sealed', sa.Text(), nullable=True))
    with op.batch_alter_table('draft_answers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_draft_answers_draft_id'))
    op.drop_table('draft_answers')


def _seal_pending_ballots() -> None:
    """Seal each pending ballot's role and answers for its round (nothing stays in clear)."""
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, round_id, unit_id, role, payload FROM ballots")).all()
    if not rows:
        return
    from flask import current_app

    from survey.sealing import Sealer
    from survey.services.ballots import seal_ballot

    sealer = Sealer.from_config(current_app.config)
    for row in rows:
        content = json.loads(row.payload)
        payload = seal_ballot(
            sealer, row.id, row.round_id, row.unit_id, row.role,
            content["answers"], content["comments"],
        )  # fmt: skip
        bind.execute(
            sa.text("UPDATE ballots SET payload = :payload WHERE id = :id"),
            {"payload": payload, "id": row.id},
        )


def downgrade():
    if _count('ballots') or _count('drafts WHERE sealed IS NOT NULL'):
        raise RuntimeError(
            "sealed ballots or drafts exist; the older version cannot read them. Close the "
            "rounds in fieldwork first. Nothing was changed."
        )
    op.create_table('draft_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('draft_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.String(length=64), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['draft_id'], ['drafts.id'], name=op.f('fk_draft_answers_draft_id_drafts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_draft_answers')),
    sa.UniqueConstraint('draft_id', 'item_id', name='draft_item')
    )
    with op.batch_alter_table('draft_answers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_draft_answers_draft_id'), ['draft_id'], unique=False)
    with op.batch_alter_table('drafts', schema=None) as batch_op:
        batch_op.drop_column('sealed')
    with op.batch_alter_table('ballots', schema=None) as batch_op:
        batch_op.add_column(sa.Column('role', sa.String(length=16), nullable=False))
        batch_op.create_check_constraint(
            'role', "role IN ('employee', 'manager', 'specialist')"
        )
