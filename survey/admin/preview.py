"""The preview before publishing: build it (a job, like publishing) and read its documents.

The documents are served as the public ones are (HTML under the same sandboxing policy, PDF
inline) but only to staff who may publish, and with ``no-store``: a draft is not cached.
Opening one is noted (:func:`survey.services.preview.mark_opened`): publishing needs a
preview somebody has read (:mod:`survey.admin.publish_gate`).
"""

from __future__ import annotations

from typing import Any

from flask import Response, abort, current_app, redirect, url_for
from flask_login import current_user

from survey.access import Action, require
from survey.admin import bp
from survey.admin.rounds import load_round
from survey.auth.flow import actor
from survey.extensions import db
from survey.jobs.queue import enqueue
from survey.models.enums import RoundStatus
from survey.results.public import document_response
from survey.services.preview import mark_opened, preview_file


@bp.post("/rounds/<int:round_id>/preview")
def round_preview(round_id: int) -> Any:
    """Queue the preview's job and show its progress."""
    require(Action.MANAGE_ROUNDS)
    rnd = load_round(round_id)
    if rnd.status != RoundStatus.CLOSED:
        abort(404)
    job = enqueue(current_app, db.session(), "preview", rnd.name, actor(current_user))
    return redirect(url_for("admin.job_detail", job_id=job.id), 303)


@bp.get("/rounds/<int:round_id>/preview/<filename>")
def preview_download(round_id: int, filename: str) -> Response:
    """One preview document, as publishing would serve it (with its draft mark)."""
    require(Action.MANAGE_ROUNDS)
    rnd = load_round(round_id)
    stored = preview_file(db.session(), rnd, filename)
    if stored is None:
        abort(404)
    mark_opened(db.session(), stored)
    db.session.commit()
    response = document_response(stored.content, stored.content_type, f"utkast-{filename}")
    response.headers["Cache-Control"] = "no-store"
    return response
