"""Staff dashboards of closed and published rounds: sign-in is checked for the whole blueprint,
so a page added later cannot forget it; each view still asks ``survey.access`` what it shows.
"""

from __future__ import annotations

from flask import Blueprint
from flask_login import current_user
from werkzeug.wrappers import Response

from survey.extensions import login_manager
from survey.i18n import template_helpers

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")
bp.context_processor(template_helpers)


@bp.before_request
def signed_in_staff_only() -> Response | None:
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    return None


@bp.after_request
def no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


from survey.results import gaps, suggestions  # noqa: E402,F401
