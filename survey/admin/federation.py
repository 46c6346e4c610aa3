"""Other organisations' open data: import a published package, list its provenance, remove it.

Admins only (``MANAGE_ROUNDS``). The import is a bounded request on the admin's own action
(a short timeout and a size limit from the settings) or an uploaded file; the checked figures
are stored, and the overview and the report show them from there without downloading anything.
"""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from analysis.errors import Text
from survey.access import Action, require
from survey.admin import bp
from survey.auth.flow import actor
from survey.extensions import db
from survey.forms import FormErrors, form_page
from survey.i18n import localise
from survey.results.federation import overview_comparison, report_comparison
from survey.services import federation
from survey.services.errors import MognadError, ValidationError

bp.add_app_template_global(overview_comparison, "federation_overview")
bp.add_app_template_global(report_comparison, "federation_report")


def _refusal(error: MognadError) -> list[str]:
    """Every problem of a refused package, in the page's language."""
    if isinstance(error, ValidationError):
        return [localise(p) for p in error.problems]
    first = error.args[0] if error.args else str(error)
    return [localise(first) if isinstance(first, Text) else str(first)]


def _files() -> dict[str, bytes] | None:
    """The uploaded package's files, or None when no file was chosen."""
    limit = int(current_app.config["FEDERATION_MAX_BYTES"])
    uploads = []
    for f in request.files.getlist("file"):
        if f.filename:
            uploads.append((f.filename, f.stream.read(limit + 1)))
        f.close()  # a large upload is spooled to a temporary file: closed, not left to the GC
    return federation.unpack(uploads, limit) if uploads else None


def _import(errors: FormErrors) -> int | None:
    """Fetch or read the posted package and store it; the new package's id, or None."""
    config = current_app.config
    publisher = request.form.get("publisher", "").strip() or None
    how = request.form.get("action")
    field, href = ("url", "#url") if how == "url" else ("file", "#file")
    try:
        federation.comparable(db.session())
        if how == "url":
            url = request.form.get("url", "").strip()
            if not url:
                errors.add(_("Skriv adressen till paketets datapackage.json"), href, field)
                return None
            files = federation.fetch(
                url, float(config["FEDERATION_TIMEOUT"]), int(config["FEDERATION_MAX_BYTES"])
            )
            source = url
        else:
            found = _files()
            if found is None:
                errors.add(_("Välj paketets zip-fil eller dess filer"), href, field)
                return None
            files = found
            source = ", ".join(f.filename or "" for f in request.files.getlist("file"))
        package = federation.import_package(
            db.session(), files, source, publisher, actor(current_user)
        )
    except MognadError as e:
        db.session.rollback()
        for message in _refusal(e):
            errors.add(message, href, field)
        return None
    db.session.commit()
    return package.id


@bp.route("/federation/", methods=["GET", "POST"])
def federation_packages() -> Any:
    """The imported packages with their provenance, and the two ways to import another."""
    require(Action.MANAGE_ROUNDS)
    errors = FormErrors()
    if request.method == "POST":
        imported = _import(errors)
        if imported is not None:
            return redirect(url_for("admin.federation_packages", imported=imported), 303)
    return form_page(
        "admin/federation/list.html",
        errors,
        packages=federation.packages(db.session()),
        instruments=sorted(federation.instruments(db.session())),
        form=request.form,
        imported=request.args.get("imported", type=int),
        removed=request.args.get("removed"),
    )


@bp.post("/federation/<int:package_id>/remove")
def federation_remove(package_id: int) -> Any:
    require(Action.MANAGE_ROUNDS)
    package = federation.remove_package(db.session(), package_id, actor(current_user))
    if package is None:
        abort(404)
    name = f"{package.publisher}, {package.round_name}"
    db.session.commit()
    return redirect(url_for("admin.federation_packages", removed=name), 303)
