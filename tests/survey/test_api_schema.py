"""schemathesis against ``/api/openapi.json`` on the Flask app: no 5xx, every response conforms.

Two published-and-closed rounds back the API (``two_years``, R2025 published). Generated round
ids rarely exist, so each generated case of the aggregates is sent a second time with the real
id of a round (published without a token, the closed one with an admin's token), which makes
the filters meet real rows. Examples are few (CI time); the checks are schemathesis' defaults.
"""

from __future__ import annotations

import re

import jsonschema
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$", re.MULTILINE)
SETTINGS = settings(
    max_examples=30,
    derandomize=True,  # the same cases on every run and machine
    deadline=None,
    suppress_health_check=list(HealthCheck),
)


def _ok(result):
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture
def api_world(app, runner, two_years):
    """The app with R2025 published, an admin token, and the rounds' ids."""
    from sqlalchemy import select

    from survey.extensions import db
    from survey.models import Round

    _ok(runner.invoke(args=["round", "publish", "R2025"]))
    _ok(runner.invoke(args=["user", "create", "admin@example.org", "--role", "admin"]))
    out = _ok(runner.invoke(args=["token", "create", "admin@example.org", "--name", "t"])).output
    app.config["RATELIMIT_API"] = "100000 per minute"  # the examples, not the limit, are tested
    with app.app_context():
        ids = {name: rid for name, rid in db.session.execute(select(Round.name, Round.id))}
    return {"app": app, "token": TOKEN.search(out).group(0), "ids": ids}


def _schema(app):
    # A filter value can be well formed and still name no unit or index of the round (codes and
    # ids vary by year and instrument, so the document cannot list them): the API answers 400
    # naming the parameter, as the document says. Every other check keeps its defaults.
    config = schemathesis.config.SchemathesisConfig.from_dict(
        {
            "checks": {
                "positive_data_acceptance": {
                    "expected-statuses": ["2xx", "304", "400", "401", "404", "429"]
                }
            }
        }
    )
    return schemathesis.openapi.from_wsgi("/api/openapi.json", app, config=config)


def _run(strategy, headers=None) -> int:
    """Send every generated case and validate its response; return how many were sent."""
    sent = []

    @given(case=strategy)
    @SETTINGS
    def check(case) -> None:
        case.call_and_validate(headers=headers)
        sent.append(case)

    check()
    return len(sent)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_api_conforms_to_its_document(api_world, mode) -> None:
    """Generated round ids (mostly unknown), then the published round, then the closed one
    with an admin's token: the filters meet real rows."""
    schema = _schema(api_world["app"])
    token = {"Authorization": f"Bearer {api_world['token']}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    # schemathesis leaves out the document's own path; the two data operations are what count.
    assert {op.path for op in operations} >= {
        "/api/v1/rounds",
        "/api/v1/rounds/{round_id}/aggregates",
    }
    for op in operations:
        if mode == GenerationMode.NEGATIVE and "round_id" not in op.path:
            continue  # nothing to break: the list takes no parameters
        assert _run(op.as_strategy(mode)) > 0
        if op.path == "/api/v1/rounds":
            assert _run(op.as_strategy(mode), headers=token) > 0
        if "round_id" in op.path and mode == GenerationMode.POSITIVE:
            real = api_world["ids"]
            assert _run(op.as_strategy(mode, path_parameters={"round_id": real["R2025"]})) > 0
            closed = op.as_strategy(mode, path_parameters={"round_id": real["R2024"]})
            assert _run(closed, headers=token) > 0


def test_the_document_is_valid_openapi_3_1(client) -> None:
    # schemathesis ships the OpenAPI 3.1 meta-schema; a document it cannot load fails above too.
    from schemathesis.specs.openapi.definitions import OPENAPI_31

    document = client.get("/api/openapi.json").get_json()
    assert document["openapi"].startswith("3.1")
    jsonschema.Draft202012Validator(OPENAPI_31).validate(document)
    row = document["components"]["schemas"]["Row"]
    from analysis.opendata import AGGREGATE_COLUMNS

    assert list(row["properties"]) == list(AGGREGATE_COLUMNS) == row["required"]
