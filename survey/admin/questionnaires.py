"""Questionnaires in the browser: the instruments, a preview of every page, and uploads.

The preview renders the respondents' own page template with an empty answer set, so what an
admin checks is exactly what a respondent will see; only the buttons are switched off and the
form posts nowhere. An upload is checked by the same validator as `mognad questionnaire check`
and stored in the instance folder (``<instance>/questionnaires``) only when it has no problem.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from flask import abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from analysis.instruments import (
    ROLES,
    AliasRefused,
    Questionnaire,
    QuestionnaireError,
    bundled_questionnaires,
    load_questionnaire,
    parse_questionnaire,
    parse_yaml,
    yaml_problem,
)
from survey.access import Action, require
from survey.admin import bp
from survey.auth.flow import actor
from survey.extensions import db
from survey.forms import FormErrors, form_page
from survey.i18n import localise, template_helpers
from survey.models import QuestionnaireSnapshot, Round
from survey.respond.questionnaire import review_context
from survey.respond.submit import thanks_context
from survey.services import respond as service
from survey.services.audit import audit

MAX_UPLOAD = 512 * 1024
KINDS = ("bundled", "upload", "snapshot")
_SAFE = re.compile(r"[^A-Za-z0-9._-]+")

bp.context_processor(template_helpers)


@dataclass(frozen=True)
class Instrument:
    kind: str  # bundled | upload | snapshot
    ref: str  # instrument id, file name or snapshot id
    id: str
    version: str
    title: dict[str, str]
    rounds: tuple[str, ...] = ()

    @property
    def choice(self) -> str:
        return f"{self.kind}:{self.ref}"


def upload_folder() -> Path:
    return Path(current_app.instance_path) / "questionnaires"


def _uploaded() -> dict[str, Path]:
    folder = upload_folder()
    return {p.name: p for p in sorted(folder.glob("*.yaml"))} if folder.is_dir() else {}


def instrument_choices() -> list[Instrument]:
    """The files a round can be created from: bundled instruments, then uploaded ones."""
    out = []
    for ref, path in bundled_questionnaires().items():
        q = load_questionnaire(path)
        out.append(Instrument("bundled", ref, q.id, q.version, q.title))
    for ref, path in _uploaded().items():
        try:
            q = load_questionnaire(path)
        except QuestionnaireError:
            continue  # changed on disk since upload: not offered
        out.append(Instrument("upload", ref, q.id, q.version, q.title))
    return out


def resolve_choice(choice: str) -> str | None:
    """The create_round reference (bundled id or file path) of a form choice; None if unknown."""
    kind, _sep, ref = choice.partition(":")
    if kind == "bundled" and ref in bundled_questionnaires():
        return ref
    if kind == "upload" and ref in _uploaded():
        return str(_uploaded()[ref])
    return None


def load(kind: str, ref: str) -> Questionnaire:
    """A questionnaire to preview, or 404."""
    try:
        if kind == "bundled" and ref in bundled_questionnaires():
            return load_questionnaire(bundled_questionnaires()[ref])
        if kind == "upload" and ref in _uploaded():
            return load_questionnaire(_uploaded()[ref])
        if kind == "snapshot" and ref.isdigit():
            snap = db.session.get(QuestionnaireSnapshot, int(ref))
            if snap is not None:
                return parse_questionnaire(snap.document, f"snapshot {ref}")
    except QuestionnaireError:
        pass
    abort(404)


def snapshots() -> list[Instrument]:
    rows = db.session.execute(
        select(QuestionnaireSnapshot, Round.name)
        .outerjoin(Round, Round.snapshot_id == QuestionnaireSnapshot.id)
        .order_by(QuestionnaireSnapshot.id)
    ).all()
    found: dict[int, tuple[QuestionnaireSnapshot, list[str]]] = {}
    for snap, name in rows:
        found.setdefault(snap.id, (snap, []))[1].extend([name] if name else [])
    return [
        Instrument(
            "snapshot",
            str(s.id),
            s.instrument,
            s.version,
            dict((s.document or {}).get("title") or {}),
            tuple(names),
        )  # fmt: skip
        for s, names in found.values()
    ]


@bp.route("/questionnaires", methods=["GET", "POST"])
def questionnaires() -> Any:
    """The instruments and their versions; POST uploads a new instrument file."""
    require(Action.MANAGE_ROUNDS)
    errors = FormErrors()
    problems: list[str] = []
    if request.method == "POST":
        problems = _upload(errors)
        if not errors:
            return redirect(url_for("admin.questionnaires", stored=request.files["file"].filename))
    return form_page(
        "admin/questionnaires/list.html",
        errors,
        instruments=instrument_choices(),
        snapshots=snapshots(),
        problems=problems,
        stored=request.args.get("stored"),
    )


def _upload(errors: FormErrors) -> list[str]:
    """Check the posted file; store it when valid. Returns every problem of the check."""
    file = request.files.get("file")
    if file is None or not file.filename:
        errors.add(_("Välj en enkätfil (YAML)"), "#file", "file")
        return []
    data = file.stream.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        errors.add(_("Filen är för stor (högst 512 kB)"), "#file", "file")
        return []
    try:
        document = parse_yaml(data.decode("utf-8"))
        q = parse_questionnaire(document, file.filename)
    except UnicodeDecodeError:
        errors.add(_("Filen är inte text i UTF-8"), "#file", "file")
        return []
    except AliasRefused as e:
        message = _(
            "Rad %(line)s: filen använder YAML-ankare eller alias (& eller *), som inte är "
            "tillåtna. Skriv ut värdet på varje ställe där det behövs.",
            line=e.line,
        )
        errors.add(message, "#file", "file")
        return []
    except yaml.YAMLError as e:
        errors.add(_("Filen är inte giltig YAML"), "#file", "file")
        return [localise(yaml_problem(e))]
    except QuestionnaireError as e:
        reasons = [localise(p.reason) for p in e.problems]
        errors.add(
            _("Enkätfilen har %(count)s fel; alla står i listan nedan", count=len(reasons)),
            "#problems",
            "file",
        )
        return reasons
    name = _SAFE.sub("-", f"{q.id}-{q.version}") + ".yaml"
    target = upload_folder() / name
    digest = hashlib.sha256(data).hexdigest()
    if target.exists() and hashlib.sha256(target.read_bytes()).hexdigest() != digest:
        errors.add(
            _(
                "Version %(version)s av %(id)s finns redan med annat innehåll. "
                "Höj versionen i filen.",
                version=q.version,
                id=q.id,
            ),
            "#file",
            "file",
        )
        return []
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    target.write_bytes(data)
    audit(db.session(), "questionnaire.upload", actor=actor(current_user), file=name, sha256=digest)
    db.session.commit()
    file.filename = name
    return []


@bp.get("/questionnaires/<kind>/<ref>")
def questionnaire_detail(kind: str, ref: str) -> str:
    require(Action.MANAGE_ROUNDS)
    q = load(kind, ref)
    plans = {role: service.plan_for(q, role) for role in ROLES}
    return render_template("admin/questionnaires/detail.html", q=q, kind=kind, ref=ref, plans=plans)


@dataclass(frozen=True)
class PreviewRespondent:
    """Stands in for a fresh respondent (no unit, no link, no answers) in the welcome page."""

    questionnaire: Questionnaire
    role: str
    personal: bool = False


def _round_name(kind: str, ref: str) -> str:
    """The receipt names the round: a snapshot's own round, else a placeholder."""
    if kind == "snapshot":
        name = db.session.scalar(select(Round.name).where(Round.snapshot_id == int(ref)))
        if name:
            return name
    return _("Mätomgångens namn")


@bp.get("/questionnaires/<kind>/<ref>/<role>/<int:number>")
def questionnaire_preview(kind: str, ref: str, role: str, number: int) -> str:
    """A page exactly as the role sees it (``?lang=en`` for English), with the buttons off.

    Page 0 is the welcome page, 1 to ``plan.count`` the question pages, ``plan.review`` the
    review (nothing answered, as a fresh respondent sees it) and the one after it the receipt;
    each is built by the respondents' own context code, so the preview cannot drift from them.
    """
    require(Action.MANAGE_ROUNDS)
    if role not in ROLES:
        abort(404)
    q = load(kind, ref)
    plan = service.plan_for(q, role)
    who = PreviewRespondent(q, role)
    current = plan.page(number)
    if number == 0:
        template, label = "respond/welcome.html", _("välkomstsidan")
        context: dict[str, Any] = {"who": who, "plan": plan, "unit": None}
    elif current is not None:
        template, label = "respond/page.html", ""
        context = {
            "who": who, "plan": plan, "page": current, "values": {}, "errors": [],
            "field_errors": {}, "back_to_review": False, "max_comment": service.MAX_COMMENT,
        }  # fmt: skip
    elif number == plan.review:
        template, label = "respond/review.html", _("granskningssidan")
        context = {"who": who, **review_context(plan, {})}
    elif number == plan.review + 1:
        template, label = "respond/thanks.html", _("tacksidan")
        context = {**thanks_context(_round_name(kind, ref), q, False), "report_url": None}
    else:
        abort(404)
    html = render_template(
        "admin/questionnaires/preview.html",
        preview_base=template, q=q, kind=kind, ref=ref, role=role, preview_number=number,
        preview_last=plan.review + 1, preview_label=label, **context,
    )  # fmt: skip
    # Read-only: the buttons are switched off and the forms have nowhere to go.
    html = html.replace('<button class="button', '<button disabled class="button')
    html = re.sub(r'<form method="post" action="[^"]*"', '<form method="post" action="#"', html)
    # "Change role" on the welcome page leads to the other roles' previews, not the live survey.
    html = html.replace(
        f'href="{url_for("respond.role")}"',
        f'href="{url_for("admin.questionnaire_detail", kind=kind, ref=ref)}"',
    )
    # The review's links to question pages lead to their previews, not to the live survey.
    return re.sub(
        r'href="/survey/page/(\d+)[^"#]*',
        lambda m: 'href="' + _preview_url(kind, ref, role, int(m.group(1))),
        html,
    )


def _preview_url(kind: str, ref: str, role: str, number: int) -> str:
    lang = request.args.get("lang")
    return url_for(
        "admin.questionnaire_preview", kind=kind, ref=ref, role=role, number=number, lang=lang
    )
