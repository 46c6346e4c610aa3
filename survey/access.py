"""The one place that decides who may do what, where: ``allowed(user, action, unit)``.

Every staff view, query, download and later API call asks this module, so that the rules can be
read (and tested against an independent oracle) in one screen:

- **admin**: everything.
- **hr**: every unit's results, competence gaps, exports, fieldwork counts and group comments;
  never a change to rounds, the organisation, respondents, mail or accounts.
- **manager**: results, competence gaps and fieldwork of the units they are bound to and every
  unit below them in the tree of the year in question, nothing else (the city's plan makes
  managers answer for their group's digital competence, so they must see its gaps). A binding
  is by unit code, so it follows the unit from year to year; a code missing from a year's tree
  gives nothing that year.
- **scoped administrator** (an admin account bound to units, e.g. one per förvaltning): runs the
  fieldwork of their subtree (its response rates and its reminders), in the same tree walk as a
  manager, and nothing outside it or organisation-wide. The scope is a binding on the admin
  role rather than a role of its own, so an unbound admin stays exactly as before.
- **action plans** (``MANAGE_PLANS``: make, edit, read and delete a unit's åtgärdsplan): admins
  anywhere; managers and scoped administrators in the same subtree as above. HR reads results
  but does not make plans: a plan is the line's own commitment.

``unit`` is anything with ``year`` and ``code`` (a ``Unit`` row). ``unit=None`` asks about the
whole organisation, which a manager is never allowed.
"""

from __future__ import annotations

from enum import StrEnum
from types import SimpleNamespace
from typing import Any, Protocol

from flask import Blueprint, abort, g
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import aliased
from werkzeug.exceptions import Forbidden
from werkzeug.wrappers import Response

from analysis.tree import ancestors
from survey.extensions import db, login_manager
from survey.models import Unit
from survey.models.enums import UserRole


class Action(StrEnum):
    VIEW_RESULTS = "view_results"
    VIEW_GAPS = "view_gaps"
    EXPORT = "export"
    VIEW_FIELDWORK = "view_fieldwork"
    READ_COMMENTS = "read_comments"
    READ_FEEDBACK = "read_feedback"
    MANAGE_ROUNDS = "manage_rounds"
    MANAGE_ORG = "manage_org"
    MANAGE_RESPONDENTS = "manage_respondents"
    SEND_MAIL = "send_mail"
    VIEW_AUDIT = "view_audit"
    PURGE = "purge"
    MANAGE_USERS = "manage_users"
    MANAGE_PLANS = "manage_plans"


ROLE_ACTIONS: dict[str, frozenset[Action]] = {
    UserRole.ADMIN: frozenset(Action),
    UserRole.HR: frozenset(
        {
            Action.VIEW_RESULTS,
            Action.VIEW_GAPS,
            Action.EXPORT,
            Action.VIEW_FIELDWORK,
            Action.READ_COMMENTS,
        }
    ),
    UserRole.MANAGER: frozenset(
        {Action.VIEW_RESULTS, Action.VIEW_GAPS, Action.VIEW_FIELDWORK, Action.MANAGE_PLANS}
    ),
}

#: What an admin bound to units may do, and only inside those units' subtrees.
SCOPED_ADMIN_ACTIONS = frozenset({Action.VIEW_FIELDWORK, Action.SEND_MAIL, Action.MANAGE_PLANS})


def scoped(user: Any) -> bool:
    """Whether ``user``'s rights hold only in the subtrees of their bound units."""
    role = getattr(user, "role", None)
    return role == UserRole.MANAGER or (
        role == UserRole.ADMIN and bool(getattr(user, "unit_codes", ()))
    )


def actions_of(user: Any) -> frozenset[Action]:
    """The actions ``user``'s role (and, for an admin, its scope) allows somewhere."""
    if getattr(user, "role", None) == UserRole.ADMIN and scoped(user):
        return SCOPED_ADMIN_ACTIONS
    return ROLE_ACTIONS.get(getattr(user, "role", ""), frozenset())


class UnitRef(Protocol):
    @property
    def year(self) -> int: ...
    @property
    def code(self) -> str: ...


def _parents(year: int) -> dict[str, str | None]:
    """Unit code → parent code in ``year``'s tree (cached for the request)."""
    cache: dict[int, dict[str, str | None]] = g.setdefault("_access_trees", {})
    if year not in cache:
        parent = aliased(Unit)
        rows = db.session.execute(
            select(Unit.code, parent.code)
            .outerjoin(parent, Unit.parent_id == parent.id)
            .where(Unit.year == year)
        )
        cache[year] = {code: parent_code for code, parent_code in rows}
    return cache[year]


def in_scope(bound: tuple[str, ...] | list[str], year: int, code: str) -> bool:
    """Whether ``code`` is one of ``bound`` or below one of them in ``year``'s tree."""
    parents = _parents(year)
    if code not in parents:
        return False
    return any(c in bound for c in ancestors(code, parents))


def allowed(user: Any, action: Action | str, unit: UnitRef | None = None) -> bool:
    """Whether ``user`` may do ``action`` (on ``unit``, or organisation-wide when None).

    Raises ValueError for an action that does not exist, so that a typo fails loudly instead of
    silently refusing (or, worse, being mistaken for another action).
    """
    action = Action(action)
    if not signed_in_and_active(user):
        return False
    if action not in actions_of(user):
        return False
    if not scoped(user):
        return True
    if unit is None:
        return False
    return in_scope(user.unit_codes, unit.year, unit.code)


def units_in_scope(user: Any, year: int, action: Action = Action.VIEW_RESULTS) -> set[str] | None:
    """The unit codes of ``year`` where this user may do ``action`` (by default: see results);
    None means every unit."""
    if not allowed_anywhere(user, action):
        return set()
    if not scoped(user):
        return None
    return {code for code in _parents(year) if in_scope(user.unit_codes, year, code)}


def allowed_anywhere(user: Any, action: Action | str) -> bool:
    """Whether ``user`` may do ``action`` anywhere: organisation-wide, or (a manager, a scoped
    administrator) in some unit of theirs. What decides whether a kind of page is offered or
    opened at all; each unit on it is then asked with :func:`allowed` or :func:`may_see`."""
    if allowed(user, action):
        return True
    return scoped(user) and signed_in_and_active(user) and Action(action) in actions_of(user)


def may_see(user: Any, year: int, code: str) -> bool:
    """Whether ``user`` may see the results of unit ``code`` of ``year``'s tree."""
    return allowed(user, Action.VIEW_RESULTS, SimpleNamespace(year=year, code=code))


def signed_in_and_active(user: Any) -> bool:
    """A signed-in account that is not disabled (what every right starts from)."""
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and getattr(user, "is_active", False)
    )


class Refused(Forbidden):
    """A 403 whose ``description`` says why, in the reader's language (the error page shows it)."""


def staff_role_name(role: str) -> str:
    names: dict[str, str] = {
        UserRole.ADMIN: _("administratör"),
        UserRole.HR: _("HR-analytiker"),
        UserRole.MANAGER: _("chef"),
    }
    return names.get(role, role)


def why_refused(user: Any, action: Action | str | None = None, unit: Any = None) -> str:
    """Why ``user`` may not do ``action`` (on ``unit``), as the 403 page says it.

    Only what the person can act on: signed out, a disabled account, a role without the
    action, or a unit outside a manager's units; never which units exist elsewhere.
    """
    if user is None or not getattr(user, "is_authenticated", False):
        return _("Du är inte inloggad. Logga in och försök igen.")
    if not getattr(user, "is_active", False):
        return _("Ditt konto är avstängt. Kontakta en administratör.")
    role = str(getattr(user, "role", ""))
    if action is None or Action(action) not in ROLE_ACTIONS.get(role, frozenset()):
        return _(
            "Din roll (%(role)s) ger inte tillgång till den här sidan. Be en administratör om "
            "du behöver den.",
            role=staff_role_name(role),
        )
    if unit is None:
        return _("Sidan gäller hela organisationen, och ditt konto gäller bara dina enheter.")
    return _(
        "Du har inte behörighet till den här enheten. Ditt konto gäller dina enheter och "
        "enheterna under dem."
    )


def require(action: Action | str, unit: UnitRef | None = None) -> None:
    """For views: send an anonymous visitor to the sign-in page; refuse anyone else with 403,
    saying why."""
    if not current_user.is_authenticated:
        abort(login_manager.unauthorized())
    if not allowed(current_user, action, unit):
        raise Refused(description=why_refused(current_user, action, unit))


def _signed_in_staff_only() -> Response | None:
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    return None


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


def staff_only(bp: Blueprint) -> None:
    """Sign-in for every view of a staff blueprint, and no caching of its pages.

    Checked once for the whole blueprint, so that a page added later cannot forget it; its
    pages show personal or unpublished data, which must not linger in shared caches.
    """
    bp.before_request(_signed_in_staff_only)
    bp.after_request(_no_store)
