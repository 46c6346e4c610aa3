"""Organisation pages: a year's tree uploaded with a preview and a diff, remaps, the tree itself.

Nothing is saved from an upload until the person has seen every problem of the file, or (for a
clean file) what it changes against the year before, and confirmed. The preview and the
confirmation run the same service (:func:`survey.services.org.import_org`), so what was shown is
what is saved.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from analysis import tree
from survey.access import Action, require
from survey.admin import bp
from survey.admin import uploads as up
from survey.extensions import db
from survey.forms import FormErrors, form_page
from survey.i18n import template_helpers
from survey.models import Invitation, Round, Unit, UnitRemap
from survey.services.org import import_org, import_remap

Units = dict[str, tuple[str, str | None]]  # code → (name, parent code)


@bp.context_processor
def helpers() -> dict[str, Any]:
    return template_helpers()


@bp.errorhandler(RequestEntityTooLarge)
def too_large(error: RequestEntityTooLarge) -> tuple[str, int]:
    """An upload over MAX_CONTENT_LENGTH: say what the limit is instead of a bare 413."""
    limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
    return render_template("admin/org/too_large.html", megabytes=limit // 2**20 or 1), 413


def actor() -> str:
    return f"web:{current_user.email}"


def tree_of(session: Session, year: int) -> Units:
    parent = aliased(Unit)
    rows = session.execute(
        select(Unit.code, Unit.name, parent.code)
        .outerjoin(parent, Unit.parent_id == parent.id)
        .where(Unit.year == year)
    )
    return {code: (name, parent_code) for code, name, parent_code in rows}


def years() -> list[int]:
    return list(db.session.scalars(select(Unit.year).distinct().order_by(Unit.year.desc())))


def previous_year(year: int) -> int | None:
    return db.session.scalar(select(func.max(Unit.year)).where(Unit.year < year))


@bp.get("/org/")
def org_index() -> str:
    require(Action.MANAGE_ORG)
    return render_template("admin/org/index.html", years=years())


@bp.get("/org/<int:year>")
def org_tree(year: int) -> str | tuple[str, int]:
    """The year's tree as a nested list, with headcounts and invitations per unit."""
    require(Action.MANAGE_ORG)
    units = db.session.scalars(select(Unit).where(Unit.year == year)).all()
    if not units:
        return render_template("admin/org/tree.html", year=year, rows=[], remaps=[]), 404
    invited = dict(
        db.session.execute(
            select(Invitation.unit_id, func.count())
            .join(Round, Invitation.round_id == Round.id)
            .where(Round.year == year)
            .group_by(Invitation.unit_id)
        ).all()
    )
    by_id = {u.id: u for u in units}
    parents = {u.id: u.parent_id for u in units}
    order = tree.preorder(
        tree.children_map(parents, key=lambda i: by_id[i].code),
        [u.id for u in units if u.parent_id is None],
    )
    total: dict[int, int] = {}
    for uid, _depth in reversed(order):
        total[uid] = total.get(uid, 0) + invited.get(uid, 0)
        parent_id = parents[uid]
        if parent_id is not None:
            total[parent_id] = total.get(parent_id, 0) + total[uid]
    rows = [
        {
            "unit": by_id[uid],
            "depth": depth,
            "invited": invited.get(uid, 0),
            "invited_below": total.get(uid, 0),
        }
        for uid, depth in order
    ]
    remaps = db.session.scalars(
        select(UnitRemap).where(UnitRemap.year == year).order_by(UnitRemap.old_code)
    ).all()
    return render_template("admin/org/tree.html", year=year, rows=rows, remaps=remaps)


def _diff(session: Session, year: int, table_units: Units) -> tuple[int | None, tree.TreeDiff]:
    before = previous_year(year)
    old = tree_of(session, before) if before is not None else {}
    return before, tree.tree_diff(old, table_units)


def _take_upload(
    kind: str, template: str, preview: Callable[[int], str | tuple[str, int]]
) -> str | tuple[str, int]:
    """Step 1 of a year's upload: the form (GET), else the year and the file kept server-side
    and the answer the preview (problems, or what the file changes)."""
    require(Action.MANAGE_ORG)
    errors = FormErrors()
    form = {"year": request.form.get("year", "")}
    if request.method == "GET":
        up.discard(kind)
        return form_page(template, errors, form=form)
    year = up.parse_year(form["year"], errors)
    file = up.uploaded("file", errors)
    if errors or year is None or file is None:  # each None has said why: 400
        return form_page(template, errors, form=form)
    up.stash(kind, *file, year=year)
    return preview(year)


@bp.route("/org/upload", methods=["GET", "POST"])
def org_upload() -> str | tuple[str, int]:
    """Step 1: the year and the file; the answer is the preview (problems, or the diff)."""
    return _take_upload("org", "admin/org/upload.html", _org_preview)


def _org_preview(year: int) -> str | tuple[str, int]:
    stashed = up.unstash("org")
    assert stashed is not None

    def work(s: Session) -> dict[str, Any]:
        n = import_org(s, year, stashed.table())
        before, diff = _diff(s, year, tree_of(s, year))
        return {"count": n, "before": before, "diff": diff}

    replaces = db.session.scalar(select(func.count()).where(Unit.year == year))
    result, problems = up.dry_run(work)
    if result is not None:
        result["replaces"] = replaces
    return up.render_preview("admin/org/preview.html", "org", stashed, result, problems, year=year)


def _confirm_upload(
    kind: str,
    again: str,
    service: Callable[[Session, int, Any], int],
    event: str,
    counted: str,
    preview: Callable[[int], str | tuple[str, int]],
    said: Callable[[int, int], str],
) -> Response | str | tuple[str, int]:
    """Step 2 of a year's upload: save the file shown in the preview (kept server-side, not
    re-sent) and say what was saved (``said(year, count)``) on the year's tree. Else the page
    to show instead: the form ``again`` when the file has expired, the preview with its new
    problems when the file no longer passes."""
    require(Action.MANAGE_ORG)
    stashed = up.unstash(kind)
    if stashed is None:
        return up.expired(again)
    year = int(stashed.meta["year"])
    n = up.save(
        kind, stashed, lambda s: service(s, year, stashed.table()), event, counted, year=year
    )
    if n is None:
        return preview(year)
    flash(said(year, n))
    return redirect(url_for("admin.org_tree", year=year))


@bp.post("/org/upload/confirm")
def org_confirm() -> Response | str | tuple[str, int]:
    return _confirm_upload(
        "org",
        "admin.org_upload",
        import_org,
        "org.import",
        "units",
        _org_preview,
        lambda year, n: _(
            "Organisationen för %(year)s är sparad (%(count)s enheter).", year=year, count=n
        ),
    )


@bp.route("/org/remap", methods=["GET", "POST"])
def org_remap() -> str | tuple[str, int]:
    """Which of last year's units became which of this year's (old_code,new_code per row)."""
    return _take_upload("remap", "admin/org/remap.html", _remap_preview)


def _remap_preview(year: int) -> str | tuple[str, int]:
    stashed = up.unstash("remap")
    assert stashed is not None

    def work(s: Session) -> dict[str, Any]:
        import_remap(s, year, stashed.table())
        pairs: dict[str, list[str]] = {}
        for r in s.scalars(select(UnitRemap).where(UnitRemap.year == year)):
            pairs.setdefault(r.old_code, []).append(r.new_code)
        old, new = tree_of(s, year - 1), tree_of(s, year)
        return {
            "pairs": [
                (o, old[o][0], [(n, new[n][0]) for n in sorted(ns)])
                for o, ns in sorted(pairs.items())
            ]
        }

    result, problems = up.dry_run(work)
    return up.render_preview(
        "admin/org/remap_preview.html", "remap", stashed, result, problems, year=year
    )


@bp.post("/org/remap/confirm")
def org_remap_confirm() -> Response | str | tuple[str, int]:
    return _confirm_upload(
        "remap",
        "admin.org_remap",
        import_remap,
        "org.remap",
        "mappings",
        _remap_preview,
        lambda year, n: _(
            "%(count)s omorganisationer från %(before)s till %(year)s är sparade.",
            count=n,
            before=year - 1,
            year=year,
        ),
    )
