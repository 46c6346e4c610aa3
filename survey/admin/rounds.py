"""Rounds in the browser: the list, creation, the detail page, open/close/publish and purge.

Every change goes through the same services as `mognad round …` and `mognad
purge-personal-data`, is audited under the signed-in person's name and is committed once
here. A change that cannot be undone (close, publish, purge) is always a GET that explains what
will happen followed by a POST from that page.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from survey.access import Action, allowed, require
from survey.admin import bp
from survey.admin.publish_gate import READY, blocked_reason, publish_state, seen_mark
from survey.admin.questionnaires import instrument_choices, resolve_choice
from survey.auth.flow import actor
from survey.extensions import db
from survey.forms import FormErrors, form_page
from survey.jobs.queue import enqueue
from survey.jobs.run import SEEN
from survey.jobs.schedule import states
from survey.messages import staff_message
from survey.models import Job, Round
from survey.models.enums import RoundMode, RoundStatus
from survey.models.jobs import UNFINISHED
from survey.results.public import file_label
from survey.sealing import app_sealer
from survey.services.audit import audit
from survey.services.errors import MognadError, StateError
from survey.services.preview import preview_files
from survey.services.publish import planned_files
from survey.services.retention import has_personal_data, purge_round, round_status
from survey.services.rounds import create_round
from survey.services.settings import FigureSettings
from survey.services.transitions import TARGET, TRANSITIONS, ClosedForGood, move_round
from survey.traces import DEAD, REWRITE, SNAPSHOT, check_round

MOVES = tuple(TRANSITIONS)
JOBS = ("publish", "close")  # the moves the worker runs (survey/jobs)


def load_round(round_id: int) -> Round:
    rnd = db.session.get(Round, round_id)
    if rnd is None:
        abort(404)
    return rnd


def retention(rnd: Round) -> dict[str, Any]:
    """Where the round's personal data stands: kept until, due since, purged on, or nothing."""
    days = int(current_app.config["RETENTION_DAYS"])
    status = round_status(db.session(), rnd.name, days)
    due = status.purge_due
    if rnd.purged_at is not None:
        state = "purged"
    elif due is None:
        state = "kept"
    elif not has_personal_data(db.session(), rnd.id):
        state = "nothing"
    elif due == date.min or date.today() >= due:
        state = "overdue"
    else:
        state = "due"
    return {"state": state, "due": None if due in (None, date.min) else due, "days": days}


@bp.get("/rounds")
def rounds() -> str:
    """Every round with its state, dates and counts (admin and hr; hr cannot change them)."""
    require(Action.VIEW_RESULTS)
    days = int(current_app.config["RETENTION_DAYS"])
    names = db.session.scalars(select(Round.name).order_by(Round.year.desc(), Round.name)).all()
    rows = [round_status(db.session(), name, days) for name in names]
    return render_template(
        "admin/rounds/list.html", rows=rows, can_change=allowed(current_user, "manage_rounds")
    )


def parse_date(errors: FormErrors, name: str, label: str) -> date | None:
    raw = request.form.get(name, "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors.add(
            _("%(field)s måste vara ett datum som 2026-03-31", field=label), f"#{name}", name
        )
        return None


def parse_int(errors: FormErrors, name: str, message: str) -> int | None:
    raw = request.form.get(name, "").strip()
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 4:
        errors.add(message, f"#{name}", name)
        return None
    return int(raw)


@bp.route("/rounds/new", methods=["GET", "POST"])
def round_new() -> Any:
    require(Action.MANAGE_ROUNDS)
    choices = instrument_choices()
    errors = FormErrors()
    form: dict[str, str] = {"mode": RoundMode.INVITED, "year": str(date.today().year)}
    if len(choices) == 1:  # the only questionnaire is the one to use
        form["questionnaire"] = str(choices[0].choice)
    if request.method == "POST":
        form = {k: request.form.get(k, "").strip() for k in request.form}
        if not form.get("name"):
            errors.add(_("Skriv ett namn på omgången"), "#name", "name")
        year = parse_int(errors, "year", _("Året måste vara ett årtal som 2026"))
        if year is None and "year" not in errors.fields:
            errors.add(_("Skriv vilket år omgången gäller"), "#year", "year")
        ref = resolve_choice(form.get("questionnaire", ""))
        if ref is None:
            errors.add(_("Välj en enkät"), "#questionnaire", "questionnaire")
        mode = form.get("mode", "")
        if mode not in tuple(RoundMode):
            errors.add(_("Välj hur man svarar"), "#mode", "mode")
        k = parse_int(errors, "k", _("Minsta gruppstorlek måste vara ett heltal"))
        opens = parse_date(errors, "opens_on", _("Startdatum"))
        closes = parse_date(errors, "closes_on", _("Slutdatum"))
        if opens and closes and closes < opens:
            errors.add(_("Slutdatum kan inte vara före startdatum"), "#closes_on", "closes_on")
        if not errors:
            config = current_app.config
            try:
                rnd = create_round(
                    db.session(),
                    form["name"],
                    int(year or 0),
                    str(ref),
                    mode,
                    k,
                    k_anonymity=config["K_ANONYMITY"],
                    k_open=config["K_OPEN"],
                )
            except MognadError as e:
                db.session.rollback()
                for problem in getattr(e, "problems", ()) or (e,):
                    errors.add(staff_message(getattr(problem, "reason", problem)), "#name")
            else:
                rnd.opens_on, rnd.closes_on = opens, closes
                audit(
                    db.session(), "round.create", actor=actor(current_user), round=rnd.name,
                    year=rnd.year, mode=rnd.mode, k=rnd.k_min,
                )  # fmt: skip
                db.session.commit()
                return redirect(url_for("admin.round_detail", round_id=rnd.id), 303)
    return form_page(
        "admin/rounds/new.html",
        errors,
        form=form,
        choices=choices,
        k_default=current_app.config["K_ANONYMITY"],
        k_open=current_app.config["K_OPEN"],
    )


@bp.get("/rounds/<int:round_id>")
def round_detail(round_id: int) -> str:
    require(Action.VIEW_RESULTS)
    rnd = load_round(round_id)
    status = round_status(db.session(), rnd.name, int(current_app.config["RETENTION_DAYS"]))
    moves = [m for m in MOVES if rnd.status in TRANSITIONS[m]]
    return render_template(
        "admin/rounds/detail.html",
        rnd=rnd,
        status=status,
        retention=retention(rnd),
        traces=traces(rnd),
        moves=moves,
        jobs=db.session.scalars(
            select(Job).where(Job.target == rnd.name, Job.status.in_(UNFINISHED)).order_by(Job.id)
        ).all(),
        can_change=allowed(current_user, Action.MANAGE_ROUNDS),
        can_mail=allowed(current_user, Action.SEND_MAIL),
        can_purge=allowed(current_user, Action.PURGE),
        reminders=states(db.session(), rnd, date.today()) if rnd.mode == RoundMode.INVITED else [],
        publish_ready=publish_state(rnd) == READY if "publish" in moves else None,
    )


@bp.route("/rounds/<int:round_id>/<action>", methods=["GET", "POST"])
def round_move(round_id: int, action: str) -> Any:
    """Explain what the move does; on POST from that page, do it."""
    require(Action.MANAGE_ROUNDS)
    if action not in MOVES:
        abort(404)
    rnd = load_round(round_id)
    problem = None
    possible = rnd.status in TRANSITIONS[action]
    state = publish_state(rnd) if action == "publish" and possible else None
    blocked = blocked_reason(state) if state else None
    if request.method == "POST" and blocked:
        problem = blocked  # only a read, current preview lets the browser publish
    elif request.method == "POST" and action in JOBS and possible:
        # Publishing (the PDF) and closing (the vacuum) take long: the worker runs them; a
        # publish asks again then whether the preview read is still current.
        detail = {SEEN: seen_mark(rnd)} if action == "publish" else None
        job = enqueue(current_app, db.session(), action, rnd.name, actor(current_user), detail)
        return redirect(url_for("admin.job_detail", job_id=job.id), 303)
    elif request.method == "POST":
        name = rnd.name
        try:
            settings = FigureSettings.of(current_app.config)
            move_round(db.session(), name, action, sealer=app_sealer(), settings=settings)
        except ClosedForGood:
            db.session.rollback()
            problem = closed_for_good()
        except StateError as e:
            db.session.rollback()
            problem = staff_message(e)
        else:
            audit(db.session(), f"round.{action}", actor=actor(current_user), round=name)
            db.session.commit()
            return redirect(url_for("admin.round_detail", round_id=round_id, done=action), 303)
    status = round_status(db.session(), rnd.name, int(current_app.config["RETENTION_DAYS"]))
    if action == "open" and rnd.status == RoundStatus.CLOSED:
        problem = problem or closed_for_good()
    public, problem = public_files(rnd, action, possible, problem)
    page = render_template(
        "admin/rounds/confirm.html",
        public=public,
        previews=preview_files(db.session(), rnd) if action == "publish" and possible else [],
        preview_label=file_label,
        rnd=rnd,
        action=action,
        target=TARGET[action],
        status=status,
        possible=possible,
        problem=problem,
        preview_state=state,
        blocked=blocked,
    )
    return page, 400 if problem else 200


def closed_for_good() -> str:
    """Why a closed round cannot reopen, in the page's language."""
    return _(
        "En stängd omgång kan inte öppnas igen. Vid stängningen togs uppgiften om vem som har "
        "svarat bort, så den som redan har svarat skulle kunna svara en gång till. Skapa en ny "
        "omgång i stället."
    )


def traces(rnd: Round) -> str | None:
    """Whether the close or purge was verified to leave no deleted row, in the page's language."""
    if rnd.traces_verified_at is not None:
        return _(
            "Kontrollerat %(date)s: inga raderade rader finns kvar i databasen.",
            date=rnd.traces_verified_at.date().isoformat(),
        )
    if not rnd.traces_problem:
        return None
    kind = rnd.traces_problem.split(":", 1)[0]
    reason = {
        SNAPSHOT: _("en annan databasanslutning höll en äldre ögonblicksbild"),
        DEAD: _("raderade rader fanns kvar efter omskrivningen"),
        REWRITE: _("tabellerna kunde inte skrivas om"),
    }.get(kind, _("databasen kan inte kontrolleras med den behörighet Mognad har"))
    return _(
        "Inte kontrollerat att inga raderade rader finns kvar (%(reason)s). Kör "
        "”mognad round verify” för att försöka igen.",
        reason=reason,
    )


def public_files(
    rnd: Round, action: str, possible: bool, problem: str | None
) -> tuple[list[str], str | None]:
    """What publishing would make public; a round whose figures cannot be made says why now."""
    if action != "publish" or not possible:
        return [], problem
    try:
        planned = planned_files(db.session(), rnd.name, FigureSettings.of(current_app.config))
        return planned, problem
    except MognadError as e:
        db.session.rollback()
        return [], problem or staff_message(e)


@bp.route("/rounds/<int:round_id>/purge", methods=["GET", "POST"])
def round_purge(round_id: int) -> Any:
    """Purge a finished round's personal data, as `mognad purge-personal-data` does."""
    require(Action.PURGE)
    rnd = load_round(round_id)
    problem = None
    if request.method == "POST":
        name = rnd.name
        try:
            done = purge_round(db.session(), name)
        except StateError as e:
            db.session.rollback()
            problem = staff_message(e)
        else:
            audit(
                db.session(), "round.purge", actor=actor(current_user), round=name,
                invitations=done.invitations, drafts=done.drafts,
            )  # fmt: skip
            db.session.commit()
            check_round(name, actor(current_user))
            return redirect(url_for("admin.round_detail", round_id=round_id, done="purge"), 303)
    status = round_status(db.session(), rnd.name, int(current_app.config["RETENTION_DAYS"]))
    page = render_template(
        "admin/rounds/purge.html",
        rnd=rnd,
        status=status,
        retention=retention(rnd),
        problem=problem,
        personal=has_personal_data(db.session(), rnd.id),
    )
    return page, 400 if problem else 200


def done_message() -> str | None:
    return {
        "open": _("Omgången är öppnad."),
        "close": _("Omgången är stängd."),
        "publish": _("Omgången är publicerad."),
        "purge": _("Omgångens personuppgifter är raderade."),
        "texts": _("Utskickstexterna är sparade."),
        "reminder_added": _("Påminnelsedatumet är tillagt."),
        "reminder_removed": _("Påminnelsedatumet är borttaget."),
    }.get(request.args.get("done", ""))


bp.add_app_template_global(done_message, "admin_done_message")
