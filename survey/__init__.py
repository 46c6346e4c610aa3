"""Mognad: the Flask application factory."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from survey import config as default_config
from survey.config import DEV_SECRET_KEY, check_secret_key
from survey.extensions import babel, csrf, db, login_manager, migrate

ROOT = Path(__file__).resolve().parent.parent


def _templates() -> Path:
    """An installed wheel carries the templates inside the package (setup.py); a checkout keeps
    them at the repository root."""
    inside = Path(__file__).resolve().parent / "templates"
    return inside if inside.is_dir() else ROOT / "templates"


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: defaults, then ``MOGNAD_*`` environment, then ``config``.

    Raises SecretKeyError (a clear message, no other side effect) when a real installation has
    no key of its own: unless ``config`` itself says TESTING, nothing runs on a guessable secret.
    """
    app = Flask(
        __name__,
        template_folder=str(_templates()),
        instance_path=str(default_config.INSTANCE_DIR),
    )
    configure(app, config)
    register_extensions(app)
    register_blueprints(app)
    register_template_globals(app)
    register_blinks(app)  # before the rate limits wrap the views: a retry counts once
    register_cli(app)
    register_error_handlers(app)
    register_security_headers(app)
    register_rate_limits(app)
    return app


def configure(app: Flask, config: Mapping[str, Any] | None) -> None:
    app.config.update(default_config.defaults(app.instance_path))
    app.config.from_prefixed_env("MOGNAD")
    app.config.update(config or {})
    app.config["SQLALCHEMY_DATABASE_URI"] = app.config["DATABASE_URL"]
    if app.config["DATABASE_URL"].startswith(f"sqlite:///{app.instance_path}"):
        # As in flaskr: the embedded database lives in the instance folder, which a fresh
        # checkout does not have yet.
        os.makedirs(app.instance_path, mode=0o700, exist_ok=True)
    # Only the caller may waive the check (never the environment): the CLI does so for
    # commands that neither serve pages nor issue links, such as `questionnaire check`, and
    # the tests pass TESTING in the mapping itself. MOGNAD_TESTING or MOGNAD_DEBUG in the
    # environment change nothing here.
    given = config or {}
    if given.get("SECRET_KEY_CHECK", True) and not given.get("TESTING"):
        check_secret_key(app.config)
    app.config["SECRET_KEY"] = str(app.config["SECRET_KEY"] or DEV_SECRET_KEY)
    # Bound values (answers, comments, token hashes) never reach a log or an error message.
    engine = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    engine["hide_parameters"] = True
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine
    if str(app.config["BASE_URL"]).lower().startswith("https://"):
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["PREFERRED_URL_SCHEME"] = "https"
    k = int(app.config["K_ANONYMITY"])
    if k < 3:
        raise ValueError(f"K_ANONYMITY must be at least 3, got {k}")
    app.config["K_ANONYMITY"] = k
    app.config["K_OPEN"] = max(int(app.config["K_OPEN"]), k)
    default_config.check_privacy(app.config)


def register_extensions(app: Flask) -> None:
    import survey.models  # noqa: F401  (the metadata Alembic and queries need)
    from survey.i18n import select_locale

    db.init_app(app)
    from survey.files import private_sqlite_file
    from survey.sealing import EXTENSION, Sealer
    from survey.traces import secure_delete

    app.extensions[EXTENSION] = Sealer.from_config(app.config)

    with app.app_context():
        secure_delete(db.engine)
        private_sqlite_file(db.engine)
    migrate.init_app(
        app, db, directory=str(Path(__file__).parent / "migrations"), render_as_batch=True
    )
    csrf.init_app(app)
    login_manager.init_app(app)
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(Path(__file__).parent / "translations"),
    )


def register_blueprints(app: Flask) -> None:
    from survey import main, respond, roles
    from survey.admin import routes as admin
    from survey.api import routes as api
    from survey.auth import routes as auth
    from survey.plans import routes as plans
    from survey.results import public as results
    from survey.results import routes as dashboard
    from survey.security import BoundedInt

    # Before any rule is added: each rule binds its converter when it is registered.
    app.url_map.converters["int"] = BoundedInt
    app.register_blueprint(main.bp)
    app.register_blueprint(results.bp)
    app.register_blueprint(respond.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(dashboard.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(roles.bp)  # role competence profiles (public)
    app.register_blueprint(plans.bp)  # action plans (staff)


def register_template_globals(app: Flask) -> None:
    """The number formats every template calls (``survey.results.numbers``), registered once
    for the whole app: a page writes a figure the same whichever view rendered it."""
    from survey.results.numbers import TEMPLATE_GLOBALS

    app.jinja_env.globals.update(TEMPLATE_GLOBALS)


def register_blinks(app: Flask) -> None:
    from survey.blinks import init_app

    init_app(app)


def register_cli(app: Flask) -> None:
    from survey.cli import register_commands

    register_commands(app)


def register_error_handlers(app: Flask) -> None:
    from survey.errors import init_app

    init_app(app)


def register_security_headers(app: Flask) -> None:
    from survey.security import init_app

    init_app(app)


def register_rate_limits(app: Flask) -> None:
    from survey.api import init_limits as limit_api
    from survey.auth.limits import init_app as limit_sign_in
    from survey.ratelimit import init_app
    from survey.respond.accessibility import init_limits as limit_feedback

    init_app(app)
    limit_sign_in(app)
    limit_api(app)
    limit_feedback(app)
