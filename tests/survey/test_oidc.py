"""Single sign-on against a real OpenID Connect provider on loopback (a small one made here).

The provider publishes its discovery document and keys and signs ID tokens with RS256; Mognad
fetches all of it over HTTP as it would from the organisation's provider.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from flask import Flask, jsonify, request
from joserfc import jwt
from joserfc.jwk import RSAKey
from werkzeug.serving import WSGIRequestHandler, make_server

from survey import create_app
from survey.extensions import db
from survey.models import AuditLog, User
from tests.support.database import in_app
from tests.support.factory import commands
from tests.survey.staff import Staff, text

CLIENT_ID = "mognad-test"


class Quiet(WSGIRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass


class Provider:
    """Discovery, keys and a token endpoint; ``claims`` are what the next token will say."""

    def __init__(self) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": "k1"})
        self.claims: dict[str, Any] = {}
        self.codes: dict[str, str] = {}  # code → nonce
        self.app = Flask("provider")
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True, request_handler=Quiet)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        app = self.app

        @app.get("/.well-known/openid-configuration")
        def discovery():
            return jsonify(
                issuer=self.url,
                authorization_endpoint=f"{self.url}/authorize",
                token_endpoint=f"{self.url}/token",
                jwks_uri=f"{self.url}/jwks",
                response_types_supported=["code"],
                subject_types_supported=["public"],
                id_token_signing_alg_values_supported=["RS256"],
            )

        @app.get("/jwks")
        def jwks():
            return jsonify(keys=[self.key.as_dict(private=False)])

        @app.post("/token")
        def token():
            nonce = self.codes.pop(request.form["code"], None)
            if nonce is None:
                return jsonify(error="invalid_grant"), 400
            now = int(time.time())
            claims = {
                "iss": self.url,
                "aud": CLIENT_ID,
                "sub": "person-1",
                "iat": now,
                "exp": now + 300,
                "nonce": nonce,
                **self.claims,
            }
            id_token = jwt.encode({"alg": "RS256", "kid": "k1"}, claims, self.key)
            return jsonify(
                access_token="at", token_type="Bearer", expires_in=300, id_token=id_token
            )

    def approve(self, authorize_url: str, code: str = "c1") -> str:
        """What the provider's login page does: remember the nonce, send back with a code."""
        query = parse_qs(urlsplit(authorize_url).query)
        assert query["client_id"] == [CLIENT_ID]
        self.codes[code] = query["nonce"][0]
        return f"/auth/oidc/callback?code={code}&state={query['state'][0]}"


@pytest.fixture
def provider() -> Iterator[Provider]:
    p = Provider()
    thread = threading.Thread(target=p.server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield p
    p.server.shutdown()
    thread.join(5)
    p.server.server_close()


def _sso_app(database_url: str, provider: Provider, **settings: Any) -> Iterator[Flask]:
    app = create_app(
        {
            "DATABASE_URL": database_url,
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "BASE_URL": "http://mognad.test",
            "OIDC_ISSUER": provider.url,
            "OIDC_CLIENT_ID": CLIENT_ID,
            "OIDC_CLIENT_SECRET": "s3cret",
            **settings,
        }
    )
    yield commands(app)
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def sso_app(database_url: str, provider: Provider) -> Iterator[Flask]:
    yield from _sso_app(
        database_url,
        provider,
        OIDC_ROLE_CLAIM="groups",
        OIDC_ROLES={"mognad-admins": "admin", "hr-team": "hr"},
    )


@pytest.fixture
def unmapped_app(database_url: str, provider: Provider) -> Iterator[Flask]:
    """Single sign-on without a role mapping (the operator set none)."""
    yield from _sso_app(database_url, provider)


def sso(staff: Staff, provider: Provider, code: str = "c1") -> Any:
    start = staff.get("/auth/oidc")
    assert start.status_code == 302 and start.location.startswith(f"{provider.url}/authorize")
    return staff.get(provider.approve(start.location, code))


def test_single_sign_on_maps_the_role_claim(sso_app, provider) -> None:
    staff = Staff(sso_app)
    assert "Logga in med organisationens konto" in text(staff.get("/auth/sign-in"))
    provider.claims = {"email": "Eva@Example.org", "email_verified": True}
    provider.claims["groups"] = ["staff", "hr-team"]
    r = sso(staff, provider)
    assert r.status_code == 302 and r.location.endswith("/admin/")
    assert staff.signed_in() and "HR-analytiker" in text(staff.get("/admin/"))
    with in_app(sso_app):
        user = db.session.scalar(sa.select(User))
        assert (user.email, user.role, user.password_hash) == ("eva@example.org", "hr", "")

    # The provider is the source of the role: promoted there, promoted here at the next sign-in.
    other = Staff(sso_app, address="192.0.2.50")
    provider.claims = {"email": "eva@example.org", "email_verified": "true"}
    provider.claims["groups"] = ["mognad-admins", "hr-team"]
    assert sso(other, provider, "c2").status_code == 302
    with in_app(sso_app):
        assert db.session.scalar(sa.select(User.role)) == "admin"
        actions = db.session.scalars(sa.select(AuditLog.action)).all()
    assert "user.role_changed" in actions and "auth.signed_in" in actions


def test_single_sign_on_refuses_without_role_or_with_a_forged_answer(sso_app, provider) -> None:
    staff = Staff(sso_app)
    provider.claims = {"email": "x@example.org", "email_verified": True, "groups": ["staff"]}
    r = sso(staff, provider)
    assert r.status_code == 403 and not staff.signed_in()
    provider.claims = {"email": "x@example.org", "email_verified": False, "groups": "hr-team"}
    assert sso(staff, provider, "c3").status_code == 403
    # A callback with a code the provider never issued (or a wrong state) signs nobody in.
    start = staff.get("/auth/oidc")
    state = parse_qs(urlsplit(start.location).query)["state"][0]
    assert staff.get(f"/auth/oidc/callback?code=forged&state={state}").status_code == 400
    assert staff.get("/auth/oidc/callback?code=c9&state=wrong").status_code == 400
    assert not staff.signed_in()
    with in_app(sso_app):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_disabled_accounts_cannot_use_single_sign_on(sso_app, provider) -> None:
    runner = sso_app.test_cli_runner()
    assert runner.invoke(args=["user", "create", "eva@example.org", "--role", "hr"]).exit_code == 0
    assert runner.invoke(args=["user", "disable", "eva@example.org"]).exit_code == 0
    staff = Staff(sso_app)
    provider.claims = {"email": "eva@example.org", "email_verified": True, "groups": ["hr-team"]}
    assert sso(staff, provider).status_code == 403 and not staff.signed_in()


@pytest.mark.parametrize("verified", [None, False, "false", 1, "yes"])
def test_an_address_the_provider_has_not_verified_signs_nobody_in(
    sso_app, provider, verified
) -> None:
    """Attack: at a provider where anyone may type any address, claim an administrator's."""
    runner = sso_app.test_cli_runner()
    assert (
        runner.invoke(args=["user", "create", "boss@example.org", "--role", "admin"]).exit_code == 0
    )
    staff = Staff(sso_app)
    provider.claims = {"email": "boss@example.org", "groups": ["mognad-admins"]}
    if verified is not None:
        provider.claims["email_verified"] = verified
    r = sso(staff, provider)
    assert r.status_code == 403 and not staff.signed_in()
    with in_app(sso_app):
        actions = db.session.scalars(sa.select(AuditLog.action)).all()
    assert "auth.signed_in" not in actions


def test_without_a_role_mapping_no_claim_gives_or_raises_a_role(unmapped_app, provider) -> None:
    """Attack: put "admin" into one's own roles claim when the operator configured no mapping."""
    stranger = Staff(unmapped_app)
    provider.claims = {"email": "mallory@example.org", "email_verified": True, "roles": ["admin"]}
    assert sso(stranger, provider).status_code == 403 and not stranger.signed_in()

    runner = unmapped_app.test_cli_runner()
    create = ["user", "create", "eva@example.org", "--role", "hr"]
    assert runner.invoke(args=create).exit_code == 0
    eva = Staff(unmapped_app, address="192.0.2.60")
    provider.claims = {"email": "eva@example.org", "email_verified": True, "roles": ["admin"]}
    assert sso(eva, provider, "c2").status_code == 302 and eva.signed_in()
    with in_app(unmapped_app):
        users = db.session.execute(sa.select(User.email, User.role)).all()
        actions = db.session.scalars(sa.select(AuditLog.action)).all()
    assert users == [("eva@example.org", "hr")]
    assert "user.role_changed" not in actions


def test_without_configuration_there_is_no_single_sign_on(app) -> None:
    staff = Staff(app)
    assert staff.get("/auth/oidc").status_code == 404
    assert "organisationens konto" not in text(staff.get("/auth/sign-in"))
