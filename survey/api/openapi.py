"""The OpenAPI 3.1 document of the read API, written as data (served at ``/api/openapi.json``).

The row schema is built from ``analysis.opendata.AGGREGATE_COLUMNS`` with a type for each
column, so a column added to the open data without a type here fails at import instead of
making the document lie; tests validate every response against this document (schemathesis).
"""

from __future__ import annotations

import re
from typing import Any

from analysis.families import FAMILIES
from analysis.opendata import AGGREGATE_COLUMNS, CHANGES
from analysis.roles import OUTPUT_ROLES

MAX_CODE = 64
MAX_ID = 2**31 - 1  # round ids are 32-bit integers in the database
INDEX_PATTERN = re.compile(r"[a-z][a-z0-9_-]{0,63}")

_TEXT = {"type": "string"}
_INT = {"type": "integer"}
_NUM = {"type": ["number", "null"]}
_NINT = {"type": ["integer", "null"]}

COLUMN_SCHEMAS: dict[str, dict[str, Any]] = {
    "round": {**_TEXT, "description": "The round's name."},
    "year": {**_INT, "description": "The round's year."},
    "unit_code": {**_TEXT, "description": "The unit's code in the round's organisation tree."},
    "unit_name": {**_TEXT, "description": "The unit's name."},
    "unit_level": {**_INT, "description": "Depth in the tree: 0 is the whole organisation."},
    "role": {"type": "string", "enum": list(OUTPUT_ROLES), "description": "'all' pools roles."},
    "index": {**_TEXT, "description": "Index id: maturity, a dimension or a category."},
    "n": {**_NINT, "description": "Respondents in the cell; null when suppressed."},
    "score": {**_NUM, "description": "Mean score, 0–100 (6 decimals); null when suppressed."},
    "sd": {**_NUM, "description": "Standard deviation of the scores."},
    "ci_low": {**_NUM, "description": "Lower bound of the 95 % confidence interval."},
    "ci_high": {**_NUM, "description": "Upper bound of the 95 % confidence interval."},
    "compare_round": {"type": ["string", "null"], "description": "The comparison round."},
    "compare_n": {**_NINT, "description": "Respondents in the comparison cell."},
    "compare_score": {**_NUM, "description": "Mean score in the comparison round."},
    "delta": {**_NUM, "description": "score − compare_score."},
    "delta_ci_low": {**_NUM, "description": "Lower bound of the Welch 95 % CI of delta."},
    "delta_ci_high": {**_NUM, "description": "Upper bound of the Welch 95 % CI of delta."},
    "p_value": {**_NUM, "description": "Two-sided Welch p-value (full precision)."},
    "p_adjusted": {
        **_NUM,
        "description": "Benjamini–Hochberg adjusted within the family (unit, role, family).",
    },
    "family": {
        "type": "string",
        "enum": list(FAMILIES),
        "description": "Family of tests: headline indices or categories.",
    },
    "duplicate_of": {
        **_TEXT,
        "description": "The index whose identical test this row repeats (empty: none).",
    },
    "effect_size": {**_NUM, "description": "Hedges' g, only for an improved or declined row."},
    "change": {"type": "string", "enum": list(CHANGES), "description": "At p_adjusted < 0.05."},
    "suppressed": {
        "type": "boolean",
        "description": "Hidden to protect anonymity: every figure of the row is null.",
    },
    "hidden_reason": {
        "type": "string",
        "enum": ["", "too_few", "homogeneous", "complementary"],
        "description": "Why a suppressed row is hidden (empty when shown).",
    },
    "invited": {**_NINT, "description": "People invited (unit subtree, role); null: none."},
    "headcount": {**_NINT, "description": "People employed (role 'all' only); null: not given."},
    "response_rate": {**_NUM, "description": "Answered / invited; null when hidden or none."},
    "dont_know_share": {**_NUM, "description": "Share of 'vet ej' among the index's answers."},
}
_missing = [c for c in AGGREGATE_COLUMNS if c not in COLUMN_SCHEMAS]
if _missing or len(COLUMN_SCHEMAS) != len(AGGREGATE_COLUMNS):
    raise RuntimeError(f"the API's row schema does not match the open-data columns: {_missing}")

ROW = {
    "type": "object",
    "description": "One row of aggregates.json, unchanged (same keys, order and values).",
    "properties": {c: COLUMN_SCHEMAS[c] for c in AGGREGATE_COLUMNS},
    "required": list(AGGREGATE_COLUMNS),
    "additionalProperties": False,
}

ROUND = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "name": {"type": "string"},
        "year": {"type": "integer"},
        "status": {
            "type": "string",
            "enum": ["published", "closed"],
            "description": "'closed' (not yet published) is listed only with a token.",
        },
        "questionnaire": {
            "type": "object",
            "properties": {"id": {"type": "string"}, "version": {"type": "string"}},
            "required": ["id", "version"],
            "additionalProperties": False,
        },
        "published_at": {"type": ["string", "null"], "format": "date-time"},
        "aggregates_url": {"type": "string"},
    },
    "required": ["id", "name", "year", "status", "questionnaire", "published_at", "aggregates_url"],
    "additionalProperties": False,
}

PROBLEM = {
    "type": "object",
    "description": "RFC 9457 problem details.",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "parameter": {"type": "string", "description": "The query parameter that was wrong."},
    },
    "required": ["type", "title", "status", "detail"],
}


def _problem(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {
            "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
        },
    }


def _ok(description: str, schema: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
    }


ERRORS = {
    "401": _problem("A token was sent and is unknown, revoked, or its owner is disabled."),
    "429": _problem("Too many requests from this address."),
}
# Public without a token; a token (optional) adds closed, unpublished rounds in its owner's scope.
OPTIONAL_TOKEN: list[dict[str, list[str]]] = [{}, {"token": []}]


def _filter(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema,
            "description": description}  # fmt: skip


DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "Mognad read API",
        "version": "1.0.0",
        "description": (
            "Published results of the digital-maturity survey: the rounds and their aggregate "
            "rows, exactly as in the open-data file aggregates.json. Suppressed cells (fewer "
            "respondents than the minimum group size k, or cells that would reveal one) have "
            "every figure null. With a personal API token (created by an administrator) also "
            "closed rounds that are not yet published, within the token owner's scope: a "
            "manager's token gives only the rows of their units and the units below them. A "
            "signed-in browser session gives nothing beyond the public view. Errors are "
            "application/problem+json."
        ),
        "license": {"name": "CC0-1.0", "identifier": "CC0-1.0"},
    },
    "servers": [{"url": "/"}],
    "security": OPTIONAL_TOKEN,
    "paths": {
        "/api/v1/rounds": {
            "get": {
                "operationId": "listRounds",
                "summary": "Rounds whose results can be read",
                "description": "Published rounds; with a token also closed rounds in scope.",
                "responses": {
                    "200": _ok("The rounds, by year and name.", "RoundList"),
                    "400": _problem("A query value holds a control character."),
                    **ERRORS,
                },
            }
        },
        "/api/v1/rounds/{round_id}/aggregates": {
            "get": {
                "operationId": "roundAggregates",
                "summary": "A round's aggregate rows, filtered",
                "description": (
                    "The rows of aggregates.json for the round (compared with the previous "
                    "closed round of the same questionnaire, as `mognad report` does). Filters "
                    "select rows and never change them."
                ),
                "parameters": [
                    {
                        "name": "round_id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                    },
                    _filter(
                        "unit",
                        {"type": "string", "minLength": 1, "maxLength": MAX_CODE},
                        "A unit code: that unit's own rows (not its subtree). A code that "
                        "is not in the round's (visible) results is a 400.",
                    ),
                    _filter(
                        "role",
                        {"type": "string", "enum": list(OUTPUT_ROLES)},
                        "Respondent role; 'all' pools every role.",
                    ),
                    _filter(
                        "index",
                        {"type": "string", "pattern": f"^{INDEX_PATTERN.pattern}$"},
                        "An index id of the round's questionnaire (maturity, a dimension "
                        "such as capability, or a category such as cap_governance). An "
                        "id not in the round's results is a 400.",
                    ),
                ],  # fmt: skip
                "responses": {
                    "200": _ok("The round and its rows.", "Aggregates"),
                    "304": {"description": "Not modified (If-None-Match matched the ETag)."},
                    "400": _problem(
                        "A filter is unknown, repeated, malformed or not in the "
                        "round; `parameter` names it."
                    ),  # fmt: skip
                    "404": _problem(
                        "No such round, or not one you may read (no hint whether it exists)."
                    ),  # fmt: skip
                    **ERRORS,
                },
            }
        },
        "/api/openapi.json": {
            "get": {
                "operationId": "openapi",
                "summary": "This document",
                "security": [{}],
                "responses": {
                    "200": {
                        "description": "The OpenAPI 3.1 document.",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    },
                    **ERRORS,
                },
            }
        },
    },
    "components": {
        "securitySchemes": {
            "token": {
                "type": "http",
                "scheme": "bearer",
                "description": "A personal API token, created by an administrator (shown once).",
            }
        },
        "schemas": {
            "Row": ROW,
            "Round": ROUND,
            "Problem": PROBLEM,
            "RoundList": {
                "type": "object",
                "properties": {
                    "rounds": {"type": "array", "items": {"$ref": "#/components/schemas/Round"}}
                },
                "required": ["rounds"],
                "additionalProperties": False,
            },
            "Aggregates": {
                "type": "object",
                "properties": {
                    "round": {"$ref": "#/components/schemas/Round"},
                    "k": {"type": "integer", "description": "The round's minimum group size."},
                    "filters": {
                        "type": "object",
                        "properties": {
                            f: {"type": ["string", "null"]} for f in ("unit", "role", "index")
                        },
                        "required": ["unit", "role", "index"],
                        "additionalProperties": False,
                    },
                    "rows": {"type": "array", "items": {"$ref": "#/components/schemas/Row"}},
                },
                "required": ["round", "k", "filters", "rows"],
                "additionalProperties": False,
            },
        },
    },
}


def document() -> dict[str, Any]:
    return DOCUMENT
