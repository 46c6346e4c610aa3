"""The non-response settings: shares 0–1 from the environment, anything else refused at start."""

from __future__ import annotations

import pytest

from survey import create_app


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"LOW_RESPONSE_RATE": "half"}, "MOGNAD_LOW_RESPONSE_RATE must be a share 0–1"),
        ({"LOW_RESPONSE_RATE": 50}, "MOGNAD_LOW_RESPONSE_RATE must be a share 0–1, got 50"),
        ({"ROLE_MIX_SHIFT": -0.1}, "MOGNAD_ROLE_MIX_SHIFT must be a share 0–1"),
    ],
)
def test_a_share_outside_0_1_is_refused(settings, message, tmp_path):
    with pytest.raises(ValueError, match=message):
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/x.db", "TESTING": True, **settings})


def test_the_shares_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("MOGNAD_LOW_RESPONSE_RATE", "0.6")
    monkeypatch.setenv("MOGNAD_ROLE_MIX_SHIFT", "0.2")
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/x.db", "TESTING": True})
    assert app.config["LOW_RESPONSE_RATE"] == 0.6 and app.config["ROLE_MIX_SHIFT"] == 0.2
    monkeypatch.delenv("MOGNAD_LOW_RESPONSE_RATE")
    monkeypatch.delenv("MOGNAD_ROLE_MIX_SHIFT")
    defaults = create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/y.db", "TESTING": True})
    assert defaults.config["LOW_RESPONSE_RATE"] == 0.5
    assert defaults.config["ROLE_MIX_SHIFT"] == 0.10
