"""The staff menu on every staff page: the sections this user may use, the current one marked.

Built from the same list as the staff home (``survey.admin.PAGES``) and asked of the same
``survey.access.allowed_anywhere``, so the menu can never offer a section the home page (and
``survey.access``) would refuse. A section is current when the page's path lies under the
section's own path, so a round's detail page marks "Omgångar" without every view having to
say so.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, has_request_context, request, url_for
from flask_babel import lazy_gettext
from flask_login import current_user

from survey.access import allowed_anywhere

#: Blueprints whose pages are staff pages (signed-in, with the wide layout and the menu).
STAFF_BLUEPRINTS = frozenset({"admin", "dashboard", "plans"})
#: Signed-in pages outside those blueprints that still belong to the staff side.
STAFF_ENDPOINTS = frozenset({"auth.password"})


@dataclass(frozen=True)
class Entry:
    href: str
    label: str
    #: "page" on the section's own page, "true" below it (a round of "Omgångar"), else None.
    current: str | None


def is_staff_page() -> bool:
    """Whether this request shows a staff page to a signed-in person (never outside a request:
    a page rendered by a background job has no reader to offer a menu to)."""
    if not has_request_context() or not getattr(current_user, "is_authenticated", False):
        return False
    return request.blueprint in STAFF_BLUEPRINTS or request.endpoint in STAFF_ENDPOINTS


def _current(href: str, path: str, home: bool) -> str | None:
    if path == href:
        return "page"
    if not home and path.startswith(href.rstrip("/") + "/"):
        return "true"
    return None


def staff_menu() -> list[Entry]:
    """The entries of the menu for this request; empty on pages that are not staff pages."""
    from survey.admin import PAGES

    if not is_staff_page():
        return []
    path = request.path
    home = url_for("admin.home")
    entries = [Entry(home, str(lazy_gettext("Startsida")), _current(home, path, True))]
    for endpoint, action, label in PAGES:
        if endpoint in current_app.view_functions and allowed_anywhere(current_user, action):
            href = url_for(endpoint)
            entries.append(Entry(href, str(label), _current(href, path, False)))
    return entries


def nav_helpers() -> dict[str, object]:
    return {"staff_menu": staff_menu}
