"""Analyst exports for admin and hr: a closed round's responses as CSV, XLSX or SPSS .sav.

The page lists closed and published rounds; each download is a POST (it writes an audit entry,
and a link that a crawler or a prefetching browser follows must not). The file is the one
``mognad export`` writes: the rules that keep it safe are in ``survey.services.exports``.
"""

from __future__ import annotations

from flask import Response, abort, current_app, render_template

from analysis.exports import EXPORT_FORMATS
from survey.access import Action, require
from survey.admin import bp
from survey.admin.org import actor
from survey.extensions import db
from survey.messages import staff_message
from survey.models import Round
from survey.services.errors import MognadError
from survey.services.exports import MEDIA_TYPES, export_file, exportable_rounds


@bp.get("/exports/")
def exports() -> str:
    require(Action.EXPORT)
    return render_template(
        "admin/exports/index.html", rounds=exportable_rounds(db.session()), formats=EXPORT_FORMATS
    )


@bp.post("/exports/<int:round_id>/<fmt>")
def export_download(round_id: int, fmt: str) -> Response | tuple[str, int]:
    require(Action.EXPORT)
    rnd = db.session.get(Round, round_id)
    if rnd is None or fmt not in EXPORT_FORMATS:
        abort(404)
    try:
        _, data = export_file(
            db.session(), rnd.name, int(current_app.config["K_ANONYMITY"]), fmt, actor()
        )
    except MognadError as e:
        db.session.rollback()
        page = render_template("admin/exports/refused.html", rnd=rnd, reason=staff_message(e))
        return page, 409
    db.session.commit()
    filename = f"mognad-export-{rnd.id}.{fmt}"
    return Response(
        data,
        mimetype=MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
