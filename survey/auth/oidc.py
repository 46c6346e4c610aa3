"""Optional single sign-on with OpenID Connect, configured by environment.

``MOGNAD_OIDC_ISSUER``, ``MOGNAD_OIDC_CLIENT_ID`` and ``MOGNAD_OIDC_CLIENT_SECRET`` turn it on.
The role comes from one claim of the ID token (``MOGNAD_OIDC_ROLE_CLAIM``, default ``roles``; a
string or a list) mapped through ``MOGNAD_OIDC_ROLES`` (JSON, claim value → admin|hr|manager).
The organisation's identity provider is then the one that checks the second factor.

Only an address the provider has verified (``email_verified`` true) identifies an account: an
unverified one may be any address its holder typed in. A claim decides a role only when the
operator has configured the mapping; then the role follows the provider at every sign-in and a
person whose claim no longer maps to a role is refused. Without a mapping a claim value such as
``admin`` (which some providers let people edit in their own profile) decides nothing: only an
account made in Mognad (``mognad user create``) may sign in, with the role Mognad gave it.
A manager's units are bound in Mognad (``mognad user units``); a manager created by single
sign-on sees nothing until then.
"""

from __future__ import annotations

from typing import Any

from authlib.integrations.base_client import OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Flask, abort, current_app, redirect, render_template
from werkzeug.wrappers import Response

from survey.auth import bp, flow
from survey.extensions import db
from survey.models.enums import UserRole
from survey.models.users import User
from survey.services import accounts
from survey.services.audit import audit
from survey.services.errors import InputError

RANK = {UserRole.ADMIN: 3, UserRole.HR: 2, UserRole.MANAGER: 1}


def enabled(app: Flask) -> bool:
    return bool(app.config.get("OIDC_ISSUER") and app.config.get("OIDC_CLIENT_ID"))


def init_app(app: Flask) -> None:
    app.config.setdefault("OIDC_ROLE_CLAIM", "roles")
    app.config.setdefault("OIDC_ROLES", None)  # no mapping: no claim decides a role
    if not enabled(app):
        return
    oauth = OAuth(app)
    oauth.register(
        "mognad",
        client_id=app.config["OIDC_CLIENT_ID"],
        client_secret=app.config.get("OIDC_CLIENT_SECRET"),
        server_metadata_url=(
            f"{str(app.config['OIDC_ISSUER']).rstrip('/')}/.well-known/openid-configuration"
        ),
        client_kwargs={"scope": "openid email profile"},
    )
    app.extensions["mognad_oidc"] = oauth.mognad


def role_mapping() -> dict[str, str] | None:
    """The operator's claim value → role mapping, or None when none is configured."""
    mapping = current_app.config.get("OIDC_ROLES")
    return {str(k): str(v) for k, v in dict(mapping).items()} if mapping else None


def email_verified(claims: dict[str, Any]) -> bool:
    """True only when the provider says the address is verified (some send the text "true")."""
    value = claims.get("email_verified")
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def role_from(claims: dict[str, Any], mapping: dict[str, str]) -> str | None:
    """The most privileged role the claim's values map to, or None."""
    value = claims.get(current_app.config["OIDC_ROLE_CLAIM"])
    values = value if isinstance(value, list) else [value]
    roles = [mapping.get(str(v)) for v in values if v is not None]
    found = [r for r in roles if r in RANK]
    return max(found, key=lambda r: RANK[UserRole(r)]) if found else None


def _client() -> Any:
    client = current_app.extensions.get("mognad_oidc")
    if client is None:
        abort(404)
    return client


@bp.get("/oidc")
def oidc_start() -> Response:
    base = str(current_app.config["BASE_URL"]).rstrip("/")
    redirect: Response = _client().authorize_redirect(f"{base}/auth/oidc/callback")
    return redirect


@bp.get("/oidc/callback")
def oidc_callback() -> Response | tuple[str, int]:
    client = _client()
    try:
        token = client.authorize_access_token()
    except OAuthError:
        return render_template("auth/sso_refused.html", reason="failed"), 400
    claims = dict(token.get("userinfo") or {})
    if not email_verified(claims) or not claims.get("email"):
        return render_template("auth/sso_refused.html", reason="email"), 403
    try:
        email = accounts.normalise_email(str(claims["email"]))
    except InputError:
        return render_template("auth/sso_refused.html", reason="email"), 403
    user = flow.user_by_email(email)
    mapping = role_mapping()
    if mapping is None:
        # No mapping: the account's own role, never one from a claim (nor a new account).
        role = user.role if user is not None else None
    else:
        role = role_from(claims, mapping)
    if role is None or (user is not None and not user.active):
        return render_template("auth/sso_refused.html", reason="role"), 403
    if user is None:
        user = User(email=email, role=role, password_hash="", active=True, totp_enrolled=False)
        accounts.rotate_session(user)
        db.session.add(user)
        audit(db.session(), "user.created", role=role, units=[], via="oidc")
    elif user.role != role:
        audit(db.session(), "user.role_changed", user=email, role=role, via="oidc")
        user.role = role
    db.session.flush()
    target = flow.complete_sign_in(user, "oidc")
    db.session.commit()
    return redirect(target)
