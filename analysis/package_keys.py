"""Keys and constraints of the open-data package: what a reader's validator can check.

A statistician joins the files (every ``unit_code`` to ``units.csv``, every ``index`` and
``category`` to ``indices.csv``) and trusts their ranges (scores 0–100, shares and p-values
0–1, counts ≥ 0, roles and change labels from fixed lists). Writing those promises into
``datapackage.json`` (Table Schema ``primaryKey``, ``foreignKeys`` and ``constraints``) lets
``frictionless validate`` check them on every published package, so a broken join or an
out-of-range figure is found by the publisher's tests rather than by the reader.

Kept apart from :mod:`analysis.datapackage` (which says what each column *means*) so that the
meaning and the machine-checkable promises can each be read in one place.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from analysis.comparison import CHANGES
from analysis.comparison import REASONS as NOT_COMPARABLE
from analysis.disclosure import REASONS as HIDDEN
from analysis.package_fields import Resource
from analysis.plan_areas import INDEX_KINDS
from analysis.roles import OUTPUT_ROLES, ROLES

__all__ = ["constraints", "foreign_keys", "primary_key", "resources"]

_UNIT_FK = {"fields": "unit_code", "reference": {"resource": "units", "fields": "unit_code"}}
_INDEX_FK = {"fields": "index", "reference": {"resource": "indices", "fields": "index"}}
#: Every category is a row of indices.csv (a category is also an index of its own).
_CATEGORY_FK = {"fields": "category", "reference": {"resource": "indices", "fields": "index"}}
#: A row of comparisons.csv or plan_areas.csv is a row of aggregates.csv.
_ROW_FK = {
    "fields": ["unit_code", "role", "index"],
    "reference": {"resource": "aggregates", "fields": ["unit_code", "role", "index"]},
}

#: Primary key per resource name. reliability.csv has none: its rows per category (and, where
#: α is computed per role, per role) are the reliability module's to define.
_PRIMARY: dict[str, list[str]] = {
    "aggregates": ["unit_code", "role", "index"],
    "comparisons": ["unit_code", "role", "index"],
    "units": ["unit_code"],
    "indices": ["index"],
    "gaps": ["unit_code", "role", "category"],
    "fieldwork": ["unit_code"],
    # A headline row (role_standardised) repeats its cell's keys beside its other weighting.
    "estimates": ["round", "unit_code", "role", "index", "weighting"],
    "plan_areas": ["unit_code", "role", "index"],
}
_FOREIGN: dict[str, list[dict[str, Any]]] = {
    "aggregates": [_UNIT_FK, _INDEX_FK],
    "comparisons": [
        _UNIT_FK,
        _INDEX_FK,
        _ROW_FK,
    ],
    # "" is this resource: a unit's parent is a unit of the same file.
    "units": [{"fields": "parent_code", "reference": {"resource": "", "fields": "unit_code"}}],
    "gaps": [_UNIT_FK, _CATEGORY_FK],
    "reliability": [_CATEGORY_FK],
    "fieldwork": [_UNIT_FK],
    "estimates": [_UNIT_FK, _INDEX_FK],
    "plan_areas": [_UNIT_FK, _INDEX_FK, _ROW_FK],
}

_SCORE = {"minimum": 0, "maximum": 100}
_SHARE = {"minimum": 0, "maximum": 1}
_COUNT = {"minimum": 0}
#: Constraints by column name, the same in every file that has the column. Confidence limits
#: are not bounded: a t interval near the end of the scale may reach past it.
_BY_NAME: dict[str, dict[str, Any]] = {
    "score": _SCORE,
    "compare_score": _SCORE,
    "delta": {"minimum": -100, "maximum": 100},
    "sd": _COUNT,
    "p_value": _SHARE,
    "p_adjusted": _SHARE,
    "share_below": _SHARE,
    "response_rate": _SHARE,
    "dont_know_share": _SHARE,
    "n": _COUNT,
    "compare_n": _COUNT,
    "invited": _COUNT,
    "completed": _COUNT,
    "headcount": _COUNT,
    "unit_level": _COUNT,
    "items_employee": _COUNT,
    "items_manager": _COUNT,
    "items_specialist": _COUNT,
    "rank": {"minimum": 1},
    "target": {"minimum": 1},
    "change": {"enum": list(CHANGES)},
    "hidden_reason": {"enum": list(HIDDEN)},
    "reason": {"enum": list(NOT_COMPARABLE)},
    "dimension": {"enum": ["capability", "legacy", "competence"]},
    "kind": {"enum": list(INDEX_KINDS)},
    "respondent_mean": _SCORE,
    "estimate": _SCORE,
    "se": _COUNT,
    "coverage": _SHARE,
    "weighting": {"enum": ["post_stratified", "role_standardised", "respondent_mean_only"]},
}
#: Only the roles a file has: gaps are per answering role (targets are per role), never "all".
_ROLE_ENUM: dict[str, list[str]] = {"gaps": list(ROLES)}


def primary_key(resource: str) -> list[str] | None:
    """The resource's primary key (column names), or None when it has none."""
    return _PRIMARY.get(resource)


def foreign_keys(resource: str) -> list[dict[str, Any]]:
    """The resource's foreign keys, Table Schema style (empty list: none)."""
    return _FOREIGN.get(resource, [])


def constraints(resource: str, column: str, *, key: bool = False) -> dict[str, Any]:
    """The Table Schema constraints of one column (empty: none). Key columns are required."""
    out = dict(_BY_NAME.get(column, {}))
    if column == "role":
        out["enum"] = _ROLE_ENUM.get(resource, list(OUTPUT_ROLES))
    if key:
        out["required"] = True
    return out


def resources(chosen: Sequence[Resource]) -> list[dict[str, Any]]:
    """The descriptor's resources: meaning (``Field.schema``) plus keys and constraints.

    Keys belong to the CSV files (the JSON and XLSX copies of aggregates repeat its rows); a
    foreign key is written only when the file it points to is in the package.
    """
    names = {r.name for r in chosen}
    return [_resource(r, names) for r in chosen]


def _resource(r: Resource, names: set[str]) -> dict[str, Any]:
    key = primary_key(r.name) if r.format == "csv" else None
    fields = []
    for f in r.fields:
        spec: dict[str, Any] = f.schema()
        checks = constraints(r.name, f.name, key=f.name in (key or ()))
        if checks:
            spec["constraints"] = checks
        fields.append(spec)
    schema: dict[str, Any] = {"fields": fields, "missingValues": [""]}
    if key:
        schema["primaryKey"] = key
    joins = [
        fk
        for fk in (foreign_keys(r.name) if r.format == "csv" else [])
        if (fk["reference"]["resource"] or r.name) in names
    ]
    if joins:
        schema["foreignKeys"] = joins
    out: dict[str, Any] = {
        "name": r.name,
        "path": r.path,
        "profile": "tabular-data-resource",
        "format": r.format,
        "mediatype": r.mediatype,
        "encoding": "utf-8",
        "description": r.en,
        "description_sv": r.sv,
        "schema": schema,
    }
    if r.format == "csv":
        out["dialect"] = {"delimiter": ",", "lineTerminator": "\n", "header": True}
    return out
