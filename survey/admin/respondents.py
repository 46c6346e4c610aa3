"""Respondent pages of a round: upload with a preview, add, change and remove one, counts.

A person's row shows only what the invitation already stores (its status); nothing here reads
drafts, ballots or responses. A completed invitation cannot be removed or changed: the answer
is already counted under its unit and role, and removing the row afterwards would let the
counts before and after tell that this person answered.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from analysis.roles import ROLES
from survey.access import Action, require
from survey.admin import bp
from survey.admin import uploads as up
from survey.admin.org import actor
from survey.extensions import db
from survey.forms import FormErrors, form_page
from survey.i18n import localise
from survey.models import Draft, Invitation, Round, Unit
from survey.models.enums import InvitationStatus, RoundMode, RoundStatus
from survey.services.audit import audit
from survey.services.errors import MognadError, Problem
from survey.services.imports import import_respondents
from survey.services.tabular import Table

WRITABLE = (RoundStatus.DRAFT, RoundStatus.OPEN)
LISTED = 200  # rows shown on the round page; the search finds the rest


def _round(name: str) -> Round:
    rnd = db.session.scalar(select(Round).where(Round.name == name))
    if rnd is None or rnd.mode != RoundMode.INVITED:
        abort(404)
    return rnd


def _units(year: int) -> list[Unit]:
    return list(db.session.scalars(select(Unit).where(Unit.year == year).order_by(Unit.code)))


def _counts(session: Session, rnd: Round) -> dict[str, Any]:
    """Invitations per unit and role (counts only)."""
    rows = session.execute(
        select(Unit.code, Unit.name, Invitation.role, func.count())
        .join(Unit, Invitation.unit_id == Unit.id)
        .where(Invitation.round_id == rnd.id)
        .group_by(Unit.code, Unit.name, Invitation.role)
        .order_by(Unit.code)
    ).all()
    units: dict[str, dict[str, Any]] = {}
    for code, name, role, n in rows:
        units.setdefault(code, {"name": name, "roles": dict.fromkeys(ROLES, 0)})["roles"][role] = n
    totals = {r: sum(u["roles"][r] for u in units.values()) for r in ROLES}
    return {"units": units, "totals": totals, "all": sum(totals.values())}


@bp.get("/respondents/")
def respondents_index() -> str:
    require(Action.MANAGE_RESPONDENTS)
    rounds = db.session.scalars(
        select(Round).where(Round.mode == RoundMode.INVITED).order_by(Round.year.desc(), Round.name)
    ).all()
    return render_template("admin/respondents/index.html", rounds=rounds)


@bp.get("/respondents/<name>")
def respondents_round(name: str) -> str:
    require(Action.MANAGE_RESPONDENTS)
    rnd = _round(name)
    q = request.args.get("q", "").strip().lower()
    query = (
        select(Invitation, Unit.code)
        .join(Unit, Invitation.unit_id == Unit.id)
        .where(Invitation.round_id == rnd.id)
    )
    if q:
        query = query.where(Invitation.email.contains(q, autoescape=True))
    people = db.session.execute(query.order_by(Invitation.email).limit(LISTED + 1)).all()
    return render_template(
        "admin/respondents/round.html",
        rnd=rnd,
        counts=_counts(db.session(), rnd),
        people=people[:LISTED],
        more=len(people) > LISTED,
        q=q,
        writable=rnd.status in WRITABLE,
    )


@bp.route("/respondents/<name>/upload", methods=["GET", "POST"])
def respondents_upload(name: str) -> str | tuple[str, int]:
    require(Action.MANAGE_RESPONDENTS)
    rnd = _round(name)
    errors = FormErrors()
    if request.method == "GET":
        up.discard("respondents")
        return form_page("admin/respondents/upload.html", errors, rnd=rnd)
    file = up.uploaded("file", errors)
    if errors or file is None:  # a None has said why: 400
        return form_page("admin/respondents/upload.html", errors, rnd=rnd)
    up.stash("respondents", *file, round=rnd.name)
    return _preview(rnd)


def _preview(rnd: Round) -> str | tuple[str, int]:
    stashed = up.unstash("respondents")
    assert stashed is not None

    def work(s: Session) -> dict[str, Any]:
        n = import_respondents(s, rnd.name, stashed.table())
        before = _counts(db.session(), rnd)["all"]
        return {"count": n, "counts": _counts(s, s.get(Round, rnd.id)), "before": before}  # type: ignore[arg-type]

    result, problems = up.dry_run(work)
    return up.render_preview(
        "admin/respondents/preview.html", "respondents", stashed, result, problems, rnd=rnd
    )


@bp.post("/respondents/<name>/upload/confirm")
def respondents_confirm(name: str) -> Response | str | tuple[str, int]:
    require(Action.MANAGE_RESPONDENTS)
    rnd = _round(name)
    stashed = up.unstash("respondents")
    if stashed is None or stashed.meta.get("round") != rnd.name:
        return up.expired("admin.respondents_upload", name=rnd.name)
    n = up.save(
        "respondents",
        stashed,
        lambda s: import_respondents(s, rnd.name, stashed.table()),
        "respondents.import",
        "respondents",
        round=rnd.name,
    )
    if n is None:
        return _preview(rnd)
    flash(_("%(count)s respondenter är tillagda.", count=n))
    return redirect(url_for("admin.respondents_round", name=rnd.name))


def _field_errors(problems: list[Problem], fields: dict[str, str]) -> FormErrors:
    """A one-row import's problems beside the fields they name."""
    errors = FormErrors()
    for p in problems:
        field = fields.get(p.column or "", "email")
        errors.add(localise(p.reason), f"#{field}", field)
    return errors


@bp.route("/respondents/<name>/add", methods=["GET", "POST"])
def respondents_add(name: str) -> Response | str | tuple[str, int]:
    """One person, checked by the same rules as a file of them (a one-row table)."""
    require(Action.MANAGE_RESPONDENTS)
    rnd = _round(name)
    form = {k: request.form.get(k, "").strip() for k in ("email", "unit", "role")}
    errors = FormErrors()
    if request.method == "POST":
        table = Table.of(
            _("formuläret"),
            ("email", "unit_code", "role"),
            [(form["email"], form["unit"], form["role"])],
        )
        try:
            import_respondents(db.session(), rnd.name, table)
            audit(db.session(), "respondents.add", actor=actor(), round=rnd.name, unit=form["unit"])
            db.session.commit()
        except MognadError as e:
            db.session.rollback()
            problems = list(getattr(e, "problems", [Problem(str(e))]))
            errors = _field_errors(
                problems, {"email": "email", "unit_code": "unit", "role": "role"}
            )
        else:
            flash(_("%(email)s är tillagd.", email=form["email"]))
            return redirect(url_for("admin.respondents_round", name=rnd.name))
    return _person_page(rnd, form, errors, _units(rnd.year), None)


def _invitation(rnd: Round, iid: int) -> Invitation:
    inv = db.session.get(Invitation, iid)
    if inv is None or inv.round_id != rnd.id:
        abort(404)
    return inv


@bp.route("/respondents/<name>/<int:iid>/edit", methods=["GET", "POST"])
def respondents_edit(name: str, iid: int) -> Response | str | tuple[str, int]:
    """Change the unit or role of someone who has not started (a draft keeps what it began)."""
    require(Action.MANAGE_RESPONDENTS)
    rnd = _round(name)
    inv = _invitation(rnd, iid)
    units = _units(rnd.year)
    code_of = {u.id: u.code for u in units}
    form = {"unit": code_of.get(inv.unit_id, ""), "role": inv.role, "email": inv.email or ""}
    errors = FormErrors()
    if rnd.status not in WRITABLE or inv.status != InvitationStatus.PENDING:
        errors.add(
            _(
                "Bara inbjudningar som ännu inte har påbörjats i en pågående eller "
                "planerad omgång kan ändras."
            ),
            "#unit",
        )
    elif request.method == "POST":
        form |= {k: request.form.get(k, "").strip() for k in ("unit", "role")}
        by_code = {u.code: u for u in units}
        if form["unit"] not in by_code:
            errors.add(_("Välj en enhet i listan"), "#unit", "unit")
        if form["role"] not in ROLES:
            errors.add(_("Välj en roll"), f"#role-{ROLES[0]}", "role")
        if not errors:
            inv.unit_id, inv.role = by_code[form["unit"]].id, form["role"]
            audit(
                db.session(),
                "respondents.edit",
                actor=actor(),
                round=rnd.name,
                invitation=inv.id,
                unit=form["unit"],
                role=form["role"],
            )
            db.session.commit()
            flash(_("Ändringen är sparad."))
            return redirect(url_for("admin.respondents_round", name=rnd.name))
    return _person_page(rnd, form, errors, units, inv)


def _person_page(
    rnd: Round,
    form: dict[str, str],
    errors: FormErrors,
    units: list[Unit],
    person: Invitation | None,
) -> tuple[str, int]:
    """The add and edit forms are one page; ``person`` is None when adding."""
    return form_page(
        "admin/respondents/person.html", errors, rnd=rnd, form=form, units=units, person=person
    )


@bp.route("/respondents/<name>/<int:iid>/remove", methods=["GET", "POST"])
def respondents_remove(name: str, iid: int) -> Response | str | tuple[str, int]:
    """Remove a not-completed invitation after a confirmation; its link stops working."""
    require(Action.MANAGE_RESPONDENTS)
    rnd = _round(name)
    inv = _invitation(rnd, iid)
    refused = rnd.status not in WRITABLE or inv.status == InvitationStatus.COMPLETED
    if request.method == "POST" and not refused:
        db.session.execute(delete(Draft).where(Draft.invitation_id == inv.id))
        db.session.delete(inv)
        audit(db.session(), "respondents.remove", actor=actor(), round=rnd.name, invitation=iid)
        db.session.commit()
        flash(_("%(email)s är borttagen ur omgången.", email=inv.email or ""))
        return redirect(url_for("admin.respondents_round", name=rnd.name))
    return render_template("admin/respondents/remove.html", rnd=rnd, person=inv, refused=refused), (
        409 if refused and request.method == "POST" else 200
    )
