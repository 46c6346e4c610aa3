"""Staff pages. Every view is for signed-in staff only and asks ``survey.access`` what it may
show; this module checks sign-in for the whole blueprint, so a page added later cannot forget it.
"""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user
from werkzeug.wrappers import Response

from survey.access import ROLE_ACTIONS, Action
from survey.extensions import login_manager

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def signed_in_staff_only() -> Response | None:
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    return None


@bp.after_request
def no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/")
def home() -> str:
    """Who is signed in, in which role, and what that role may do."""
    actions = sorted(ROLE_ACTIONS[current_user.role], key=list(Action).index)
    return render_template(
        "admin/home.html", user=current_user, units=current_user.unit_codes, actions=actions
    )


from survey.admin import mail, questionnaires, rounds  # noqa: E402,F401
