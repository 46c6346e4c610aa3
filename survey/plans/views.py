"""The plan pages: list per round and förvaltning, make (pre-filled), change, delete.

The list shows only plans of units this person may plan for; a unit outside them is refused
with 403 on every page. The pre-fill reads the unit's results only when this person may see
them (a scoped administrator may plan without seeing results: the form then starts empty).
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from analysis.tree import ancestors
from analysis.typology import QUADRANTS
from survey.access import Action, Refused, allowed, allowed_anywhere, require, units_in_scope
from survey.extensions import db
from survey.i18n import page_lang, tr
from survey.models import ActionPlan, Round
from survey.models.enums import FINISHED
from survey.plans import bp
from survey.plans.follow import describe
from survey.plans.forms import PlanForm
from survey.services import plans as service
from survey.services import suggestions
from survey.services.errors import ValidationError
from survey.services.rounds import snapshot_questionnaire
from survey.services.statistics import tree_frame


def _require_somewhere() -> None:
    if not allowed_anywhere(current_user, Action.MANAGE_PLANS):
        require(Action.MANAGE_PLANS)  # refuses, saying why


def _rounds() -> list[Round]:
    return list(
        db.session.scalars(
            select(Round).where(Round.status.in_(FINISHED)).order_by(Round.year.desc(), Round.id)
        )
    )


def _round(raw: str | None) -> Round:
    """The round asked for (``?round=``), or the newest with results; 404 when there is none."""
    rounds = _rounds()
    if raw:
        found = [r for r in rounds if str(r.id) == raw]
        if not found:
            abort(404)
        return found[0]
    if not rounds:
        abort(404)
    return rounds[0]


def _tree(rnd: Round) -> tuple[dict[str, str], dict[str, str | None]]:
    tree = tree_frame(db.session(), rnd.year)
    names = dict(zip(tree["unit"], tree["name"], strict=True))
    parents = {
        str(c): (str(p) if isinstance(p, str) else None)
        for c, p in zip(tree["unit"], tree["parent"], strict=True)
    }
    return names, parents


def _require_unit(rnd: Round, code: str) -> None:
    require(Action.MANAGE_PLANS, SimpleNamespace(year=rnd.year, code=code))
    if code not in _tree(rnd)[0]:
        abort(404)


def forvaltning(code: str, parents: dict[str, str | None]) -> str | None:
    """The unit's förvaltning: its ancestor directly below the root (None for the root)."""
    chain = ancestors(code, parents)
    return chain[-2] if len(chain) >= 2 else None


@bp.get("/")
def index() -> str:
    """The plans of one round, for one unit and the units below it or for all in scope; before
    any round has results, a page that says so (the staff menu links here from the start)."""
    _require_somewhere()
    if not request.args.get("round") and not _rounds():
        return render_template("plans/none.html")
    rnd = _round(request.args.get("round"))
    names, parents = _tree(rnd)
    scope = units_in_scope(current_user, rnd.year, Action.MANAGE_PLANS)
    choices = [c for c in names if scope is None or c in scope]
    unit = request.args.get("unit") or None
    if unit:
        _require_unit(rnd, unit)
        codes = {c for c in choices if unit in ancestors(c, parents)}
    else:
        codes = set(choices)
    q = snapshot_questionnaire(db.session(), rnd)
    labels = {c.id: str(tr(c.title)) for c in q.categories}
    rows = []
    for plan in service.plans_of(db.session(), rnd.id, codes):
        top = forvaltning(plan.unit_code, parents)
        rows.append(
            describe(None, plan)
            | {
                "categories": [labels.get(c, c) for c in plan.categories],
                "unit_name": names.get(plan.unit_code, plan.unit_code),
                "forvaltning": names.get(top, "") if top else "",
            }
        )
    rows.sort(key=lambda r: (r["forvaltning"], r["unit_name"]))
    return render_template(
        "plans/index.html",
        rnd=rnd,
        rounds=_rounds(),
        rows=rows,
        unit=unit,
        units=[(c, names[c]) for c in choices],
        done=request.args.get("done"),
    )


def _prefill(form: PlanForm, rnd: Round, unit: str) -> str | None:
    """Tick the unit's weakest shown categories and its quadrant, and write the improvement
    suggestions for them as measures; only from figures this person may see. ``"filled"``,
    ``"hidden"`` (the unit's figures are not shown: nothing to fill in) or None (this person
    does not see the unit's results)."""
    if not allowed(current_user, Action.VIEW_RESULTS, SimpleNamespace(year=rnd.year, code=unit)):
        return None
    from survey.results.dashboard import figures

    fig = figures(rnd)
    q = fig.questionnaire
    weak = suggestions.weakest(fig.aggregates, q, unit, "all")
    quadrant = suggestions.unit_quadrant(fig.aggregates, unit, "all")
    entries = suggestions.entries(db.session(), q)
    lang = page_lang()
    keys = ([("quadrant", quadrant)] if quadrant else []) + [("category", w.category) for w in weak]
    lines = [
        f"– {text}"
        for key in keys
        if key in entries
        for text in (entries[key].texts.get(lang) or entries[key].texts.get("sv") or ())
    ]
    form.categories.data = [w.category for w in weak]
    form.quadrant.data = quadrant or ""
    form.measures.data = "\n".join(lines)
    return "filled" if weak or quadrant else "hidden"


def _form_page(
    form: PlanForm, rnd: Round, unit: str, plan: ActionPlan | None, prefilled: str | None
) -> tuple[str, int]:
    names, _parents = _tree(rnd)
    errors = [{"href": f"#{name}", "text": messages[0]} for name, messages in form.errors.items()]
    page = render_template(
        "plans/form.html",
        form=form,
        rnd=rnd,
        unit=unit,
        unit_name=names.get(unit, unit),
        plan=plan,
        prefilled=prefilled,
        errors=errors,
        choice_options=lambda choices: [{"value": v, "label": label} for v, label in choices],
    )
    return page, 400 if errors else 200


def _choices(form: PlanForm, rnd: Round) -> None:
    q = snapshot_questionnaire(db.session(), rnd)
    form.set_choices(
        [(c.id, str(tr(c.title))) for c in q.categories],
        [(k, str(tr(dict(v.name)))) for k, v in QUADRANTS.items()],
    )


def _save(form: PlanForm, rnd: Round, unit: str, plan: ActionPlan | None) -> Response | None:
    """Save a valid form; None when the form (or the service) refused it."""
    if not form.validate():
        return None
    try:
        service.save(
            db.session(), snapshot_questionnaire(db.session(), rnd), rnd, unit, form.values(),
            f"web:{current_user.email}", plan,
        )  # fmt: skip
    except ValidationError:
        db.session.rollback()
        form.categories.errors = [_("Planen kunde inte sparas. Kontrollera fälten.")]
        return None
    db.session.commit()
    done = "created" if plan is None else "saved"
    return redirect(url_for("plans.index", round=rnd.id, unit=unit, done=done), 303)


@bp.route("/new", methods=["GET", "POST"])
def new() -> Any:
    _require_somewhere()
    rnd = _round(request.values.get("round"))
    unit = request.values.get("unit") or ""
    if not unit:
        abort(400, description=_("Välj en enhet."))
    _require_unit(rnd, unit)
    existing = service.plan_for(db.session(), rnd.id, unit)
    if existing is not None:
        return redirect(url_for("plans.edit", plan_id=existing.id), 303)
    form = PlanForm()
    _choices(form, rnd)
    prefilled = None
    if request.method == "POST":
        done = _save(form, rnd, unit, None)
        if done is not None:
            return done
    else:
        prefilled = _prefill(form, rnd, unit)
    return _form_page(form, rnd, unit, None, prefilled)


def _plan(plan_id: int) -> ActionPlan:
    plan = db.session.get(ActionPlan, plan_id)
    if plan is None:
        abort(404)
    if not allowed(
        current_user,
        Action.MANAGE_PLANS,
        SimpleNamespace(year=plan.round.year, code=plan.unit_code),
    ):
        raise Refused(description=_("Planen gäller en enhet utanför dina enheter."))
    return plan


@bp.route("/<int:plan_id>/edit", methods=["GET", "POST"])
def edit(plan_id: int) -> Any:
    plan = _plan(plan_id)
    rnd = plan.round
    form = PlanForm(obj=None if request.method == "POST" else SimpleNamespace(
        categories=list(plan.categories), quadrant=plan.quadrant or "", goals=plan.goals,
        measures=plan.measures, owner=plan.owner,
        due=plan.due.isoformat() if plan.due else "", status=plan.status,
        in_report=plan.in_report,
    ))  # fmt: skip
    _choices(form, rnd)
    if request.method == "POST":
        done = _save(form, rnd, plan.unit_code, plan)
        if done is not None:
            return done
    return _form_page(form, rnd, plan.unit_code, plan, None)


@bp.route("/<int:plan_id>/delete", methods=["GET", "POST"])
def delete(plan_id: int) -> Any:
    """A page that asks first; the post deletes (audited)."""
    plan = _plan(plan_id)
    rnd, unit = plan.round, plan.unit_code
    if request.method == "POST":
        service.delete(db.session(), plan, f"web:{current_user.email}")
        db.session.commit()
        return redirect(url_for("plans.index", round=rnd.id, unit=unit, done="deleted"), 303)
    names, _parents = _tree(rnd)
    return render_template("plans/delete.html", plan=plan, rnd=rnd, unit_name=names.get(unit, unit))
