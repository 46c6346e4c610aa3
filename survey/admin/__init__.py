"""Staff pages. Every view is for signed-in staff only and asks ``survey.access`` what it may
show; sign-in is checked for the whole blueprint (``survey.access.staff_only``).

The page modules put their routes on ``bp`` and are imported in one place,
:mod:`survey.admin.routes`, which the app registers; this module imports none of them.
"""

from __future__ import annotations

from flask import Blueprint, current_app, render_template
from flask_babel import LazyString, lazy_gettext
from flask_login import current_user

from survey.access import Action, actions_of, allowed_anywhere, staff_only
from survey.admin import nav

bp = Blueprint("admin", __name__, url_prefix="/admin")
staff_only(bp)


#: The staff pages the home page links to: endpoint, the action it needs, its label. A page
#: whose view is not registered (yet) is left out, so the home page never links to a 404.
PAGES: tuple[tuple[str, Action, LazyString], ...] = (
    ("admin.rounds", Action.MANAGE_ROUNDS, lazy_gettext("Omgångar")),
    ("admin.questionnaires", Action.MANAGE_ROUNDS, lazy_gettext("Enkäter")),
    ("admin.org_index", Action.MANAGE_ORG, lazy_gettext("Organisation")),
    ("admin.respondents_index", Action.MANAGE_RESPONDENTS, lazy_gettext("Respondenter")),
    ("admin.outbox", Action.SEND_MAIL, lazy_gettext("Utkorg för e-post")),
    ("admin.fieldwork_rounds", Action.VIEW_FIELDWORK, lazy_gettext("Fältarbete och svarsfrekvens")),
    ("dashboard.index", Action.VIEW_RESULTS, lazy_gettext("Resultat")),
    ("plans.index", Action.MANAGE_PLANS, lazy_gettext("Åtgärdsplaner")),
    ("admin.comment_rounds", Action.READ_COMMENTS, lazy_gettext("Fritextkommentarer")),
    ("admin.feedback", Action.READ_FEEDBACK, lazy_gettext("Synpunkter om tillgänglighet")),
    ("admin.exports", Action.EXPORT, lazy_gettext("Export för analys")),
    ("admin.federation_packages", Action.MANAGE_ROUNDS, lazy_gettext("Andra organisationers data")),
    ("admin.audit_log", Action.VIEW_AUDIT, lazy_gettext("Granskningslogg")),
    ("admin.tokens", Action.MANAGE_USERS, lazy_gettext("API-nycklar")),
    ("admin.accounts_list", Action.MANAGE_USERS, lazy_gettext("Personalkonton")),
)


@bp.get("/")
def home() -> str:
    """Who is signed in, in which role, and the staff pages that role may use."""
    actions = sorted(actions_of(current_user), key=list(Action).index)
    pages = [
        (endpoint, label)
        for endpoint, action, label in PAGES
        if endpoint in current_app.view_functions and allowed_anywhere(current_user, action)
    ]
    return render_template(
        "admin/home.html",
        user=current_user,
        units=current_user.unit_codes,
        actions=actions,
        pages=pages,
    )


# The staff menu is part of base.html, so every page's template gets it (empty off staff pages).
bp.app_context_processor(nav.nav_helpers)
