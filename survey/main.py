"""The landing page and the language switch."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from analysis.instruments import DONT_KNOW

bp = Blueprint("main", __name__)


@bp.get("/")
def index() -> str:
    """What this installation is; the way in for staff and, once published, to the results."""
    return render_template("main/index.html")


@bp.get("/favicon.ico")
def favicon() -> Response:
    """Browsers ask for /favicon.ico whatever the page links; answer with the SVG icon."""
    return redirect(url_for("static", filename="favicon.svg"))


@bp.get("/lang/<code>")
def set_language(code: str) -> Response:
    """Remember the chosen language and go back to a same-site page."""
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
    target = request.args.get("next", "/")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/"):
        target = "/"
    return redirect(target)


@bp.app_context_processor
def template_helpers() -> dict[str, object]:
    from flask_babel import get_locale

    def current_lang() -> str:
        return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])

    def url_map_endpoints() -> set[str]:
        return set(current_app.view_functions)

    def round_k(rnd: object) -> int:
        """The group size a round's results are shown from (its own k, never below the
        installation's); the installation's k where there is no round (a preview)."""
        from survey.services.report import round_k as k_of

        k = int(current_app.config["K_ANONYMITY"])
        return k_of(rnd, k) if hasattr(rnd, "k_min") else k  # type: ignore[arg-type]

    return {
        "round_k": round_k,
        "current_lang": current_lang,
        "url_map_endpoints": url_map_endpoints,
        "DONT_KNOW": DONT_KNOW,  # the answer value of "don't know", as the questionnaires store it
    }


@bp.get("/method")
def method() -> str:
    """How the results are made and how to read them, for everyone (no sign-in)."""
    from flask import current_app as app

    return render_template(
        "main/method.html",
        k=int(app.config["K_ANONYMITY"]),
        min_test_n=int(app.config.get("MIN_TEST_N", 10)),
    )
