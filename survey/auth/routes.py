"""The sign-in blueprint with every view on it: the one place that imports the view modules,
whose routes register on :data:`survey.auth.bp` as they are imported.

``create_app`` registers ``bp`` from here. A view module imports ``bp`` from the package and
never this module, so no module imports one that imports it back.
"""

from __future__ import annotations

from typing import Any

from survey.auth import bp, oidc, views

#: The modules whose routes are on ``bp`` (named, so that each import is used).
MODULES = (oidc, views)


@bp.record_once
def _single_sign_on(state: Any) -> None:
    """OpenID Connect, when configured (after the package's defaults, as before)."""
    oidc.init_app(state.app)


__all__ = ["MODULES", "bp"]
