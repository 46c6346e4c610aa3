"""Improvement suggestions for the organisation or one unit: its quadrant's and its weakest
categories', from the instrument (or this installation's edited copy); admins edit the copy.

Everyone who may see the unit's results reads them (a manager only in their subtree, never the
whole organisation); editing is the instrument owner's job, ``Action.MANAGE_ROUNDS`` (admins).
"""

from __future__ import annotations

from typing import Any

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from analysis.languages import LANGUAGES
from analysis.roles import ALL, OUTPUT_ROLES
from analysis.suggestions import KINDS, MAX_LENGTH
from analysis.typology import QUADRANTS
from survey.access import Action, allowed, require
from survey.extensions import db
from survey.forms import FormErrors, form_page
from survey.i18n import role_name, tr
from survey.results.dashboard import bp, closed_round, figures, scope_for, top_units
from survey.services import suggestions as service
from survey.services.rounds import snapshot_questionnaire
from survey.services.statistics import tree_frame


@bp.get("/<int:round_id>/suggestions")
def suggestions(round_id: int) -> str:
    rnd = closed_round(round_id)
    code = request.args.get("unit") or None
    scope = scope_for(Action.VIEW_RESULTS, rnd, code)
    tree = tree_frame(db.session(), rnd.year)
    units = [
        (str(c), str(n)) for c, n in zip(tree["unit"], tree["name"], strict=True)
        if scope is None or c in scope
    ]  # fmt: skip
    if not units:
        abort(403)
    unit = code or (top_units(rnd) or [units[0][0]])[0]
    role = request.args.get("role", ALL)
    role = role if role in OUTPUT_ROLES else ALL
    fig = figures(rnd)
    q = fig.questionnaire
    entries = service.entries(db.session(), q)
    quadrant = service.unit_quadrant(fig.aggregates, unit, role)
    weak = service.weakest(fig.aggregates, q, unit, role)
    return render_template(
        "results/suggestions.html",
        rnd=rnd,
        units=units,
        unit=unit,
        unit_name=dict(units)[unit],
        role=role,
        roles=OUTPUT_ROLES,
        role_label=lambda r: _("Alla roller") if r == ALL else role_name(r),
        quadrant=QUADRANTS[quadrant] if quadrant else None,
        quadrant_entry=entries[("quadrant", quadrant)] if quadrant else None,
        weak=[(w, entries[("category", w.category)]) for w in weak],
        labels={c.id: tr(c.title) for c in q.categories},
        may_edit=allowed(current_user, Action.MANAGE_ROUNDS),
        all_entries=editing_order(entries, quadrant, [w.category for w in weak]),
        for_unit={("quadrant", quadrant)} | {("category", w.category) for w in weak},
        quadrants=QUADRANTS,
        done=request.args.get("done"),
    )


def editing_order(
    entries: dict[tuple[str, str], service.Entry], quadrant: str | None, weak: list[str]
) -> list[service.Entry]:
    """The entries to edit, those shown for this unit first (its quadrant, then its weakest
    categories, weakest first), so the editor opens where the page's advice is."""
    first = [("quadrant", quadrant)] if quadrant else []
    first += [("category", c) for c in weak]
    return [entries[k] for k in first if k in entries] + [
        e for k, e in entries.items() if k not in first
    ]


def _messages(problems: list[service.TextProblem], errors: FormErrors) -> None:
    names = {"sv": _("Förslag på svenska"), "en": _("Förslag på engelska")}
    for p in problems:
        field = f"text_{p.lang}"
        if p.reason == "empty":
            text = _("%(field)s: skriv minst ett förslag (ett per rad).", field=names[p.lang])
        elif p.reason == "too_long":
            text = _(
                "%(field)s, rad %(line)s: förslaget har %(length)s tecken, "
                "högst %(max)s får plats.",
                field=names[p.lang], line=p.line, length=p.length, max=MAX_LENGTH,
            )  # fmt: skip
        else:
            text = _(
                "%(field)s: %(sv)s förslag på svenska men ett annat antal på engelska; "
                "varje förslag behöver sin översättning.",
                field=names[p.lang], sv=p.length,
            )  # fmt: skip
        errors.add(text, f"#{field}", field)


@bp.route("/<int:round_id>/suggestions/<kind>/<ident>/edit", methods=["GET", "POST"])
def suggestions_edit(round_id: int, kind: str, ident: str) -> Any:
    """Edit this installation's copy of one entry, or restore the instrument's text."""
    require(Action.MANAGE_ROUNDS)
    rnd = closed_round(round_id)
    q = snapshot_questionnaire(db.session(), rnd)
    entry = service.entry(db.session(), q, kind, ident) if kind in KINDS else None
    if entry is None:
        abort(404)
    errors = FormErrors()
    values = {lang: "\n".join(entry.texts.get(lang, ())) for lang in LANGUAGES}
    if kind == "quadrant" and not any(values.values()):
        # An instrument without suggestions: start from the quadrant's own advice, not empty.
        values = {lang: QUADRANTS[ident].advice.get(lang, "") for lang in LANGUAGES}
    if request.method == "POST":
        actor = f"web:{current_user.email}"
        back = url_for("dashboard.suggestions", round_id=rnd.id)
        if request.form.get("action") == "restore":
            service.restore(db.session(), q, kind, ident, actor)
            db.session.commit()
            return redirect(f"{back}?done=restored", 303)
        values = {lang: request.form.get(f"text_{lang}", "") for lang in LANGUAGES}
        try:
            service.save(db.session(), q, kind, ident, values["sv"], values["en"], actor)
        except service.SuggestionError as e:
            db.session.rollback()
            _messages(e.text_problems, errors)
        else:
            db.session.commit()
            return redirect(f"{back}?done=saved", 303)
    title = tr(dict(QUADRANTS[ident].name)) if kind == "quadrant" else tr(q.category(ident).title)
    return form_page(
        "results/suggestions_edit.html",
        errors,
        rnd=rnd,
        entry=entry,
        title=title,
        values=values,
        max=MAX_LENGTH,
    )
