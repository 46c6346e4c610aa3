"""The mixer's own transactions: after a submission that fills a batch, and for the commands.

Services never commit; these few functions do, because mixing must never share a transaction
with a submission (that is the whole point) and must never undo one when it fails.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from survey.extensions import db
from survey.models import Round
from survey.models.enums import RoundStatus
from survey.sealing import app_sealer
from survey.services.errors import StateError
from survey.services.mixer import expire_drafts, mix_round, pending_count, vacuum


def mix_after_submit(round_id: int) -> int:
    """Mix the round's ballots if a batch is full; call after the submission has committed.

    Any failure is logged (without data) and swallowed: the submission is already durable in
    the ballot box and the next submission, `mognad mix` or closing the round mixes it.
    """
    config = current_app.config
    session = db.session()
    try:
        mixed = 0
        closed = (
            session.scalar(select(Round.status).where(Round.id == round_id)) != RoundStatus.OPEN
        )
        if closed or pending_count(session, round_id) >= config["MIX_BATCH"]:
            mixed = mix_round(session, round_id, config["MIX_BATCH"], sealer=app_sealer())
            if mixed:
                expire_drafts(session, config["DRAFT_EXPIRY_DAYS"])
        session.commit()
    except StateError as e:  # ballots this installation cannot open: the message says why
        session.rollback()
        current_app.logger.warning("mixing after a submission refused: %s", e)
        return 0
    except Exception as e:  # noqa: BLE001 - the accepted submission must survive anything here
        session.rollback()
        current_app.logger.warning(
            "mixing after a submission failed (%s); the ballots stay pending", type(e).__name__
        )
        return 0
    if mixed:
        try:
            vacuum(db.engine)
        except Exception as e:  # noqa: BLE001 - mixed and committed; the next run vacuums
            current_app.logger.warning("vacuum after mixing failed (%s)", type(e).__name__)
    return mixed
