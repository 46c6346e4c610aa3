"""Another organisation's published open-data package, read and checked before it is compared.

Comparison without a central service: an organisation that published its round with Mognad
offers ``datapackage.json`` and ``aggregates.csv``; another installation imports them and shows
the two organisations' indices side by side. Nothing here recomputes the other organisation's
figures: they are already published and suppressed by their publisher, and we keep exactly the
rows of their whole organisation (``unit_level`` 0). Because the figures come from outside,
every one is checked before anything is stored (:func:`read_package` raises a
:class:`~analysis.errors.ValidationError` listing every problem):

- the package is JSON and names the same instrument id and version as ours (different items or
  scales give different indices, so a comparison would be meaningless);
- ``aggregates.csv`` declares every column we read with our type, and its rows follow the
  package's own table schema (``frictionless``, foreign keys aside: only this table is read);
- the figures agree with each other as ``docs/method.md`` computes them: a shown cell has at
  least k respondents and a 95 % CI of mean ± t(0.975, n − 1) · sd / √n that contains the mean,
  and a suppressed cell carries no figure at all.
"""

from __future__ import annotations

import io
import json
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.stats as sps

from analysis.datapackage import LICENSES, RESOURCES
from analysis.errors import Problem, Problems, ValidationError, say

__all__ = [
    "DESCRIPTOR",
    "FIGURE_COLUMNS",
    "Provenance",
    "Received",
    "TABLE",
    "check_consistency",
    "read_descriptor",
    "read_package",
]

DESCRIPTOR = "datapackage.json"
TABLE = "aggregates.csv"
#: What is kept of each top-unit row: the cell, its change as its publisher computed it.
FIGURE_COLUMNS: tuple[str, ...] = (
    "role", "index", "n", "score", "sd", "ci_low", "ci_high", "suppressed",
    "compare_round", "delta", "delta_ci_low", "delta_ci_high", "change",
)  # fmt: skip
#: Columns read from aggregates.csv; each must be declared with the type we publish it with.
READ_COLUMNS: tuple[str, ...] = ("round", "year", "unit_name", "unit_level", *FIGURE_COLUMNS)
#: Figures a suppressed row must leave empty (the publisher's own rule, docs/method.md §5).
HIDDEN_FIGURES: tuple[str, ...] = ("n", "score", "sd", "ci_low", "ci_high", "delta")
#: Six decimals are published; a CI recomputed from rounded figures differs by far less.
TOLERANCE = 1e-4
MAX_PROBLEMS = 20
_OURS = {f.name: f.type for f in next(r for r in RESOURCES if r.name == "aggregates").fields}


@dataclass(frozen=True)
class Provenance:
    """Where an imported package comes from, shown beside every figure taken from it."""

    publisher: str
    source: str
    round_name: str
    year: int
    k: int
    license: str
    license_url: str | None
    questionnaire_id: str
    questionnaire_version: str
    created: str


@dataclass(frozen=True)
class Received:
    """A checked package: its provenance and its whole-organisation rows (FIGURE_COLUMNS)."""

    provenance: Provenance
    figures: pd.DataFrame


def read_descriptor(raw: bytes) -> dict[str, Any]:
    """``datapackage.json`` as a dict, or a ValidationError saying it is not a JSON object."""
    try:
        desc = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        raise ValidationError([Problem(say("Filen är inte JSON."), DESCRIPTOR)]) from None
    if not isinstance(desc, dict):
        raise ValidationError([Problem(say("Filen är inte ett JSON-objekt."), DESCRIPTOR)])
    return desc


def _instrument(desc: Mapping[str, Any], instruments: set[tuple[str, str]]) -> Problems:
    found = Problems(DESCRIPTOR)
    for key in ("questionnaire_id", "questionnaire_version", "round", "year", "k", "resources"):
        if desc.get(key) in (None, ""):
            found.add(say("Paketet saknar uppgiften %(key)s.", key=key))
    if found:
        return found
    theirs = (str(desc["questionnaire_id"]), str(desc["questionnaire_version"]))
    if theirs not in instruments:
        ours = ", ".join(f"{i} {v}" for i, v in sorted(instruments)) or "–"
        found.add(
            say(
                "Paketet gäller enkäten %(theirs)s, men omgångarna här har %(ours)s. Bara samma "
                "enkät i samma version kan jämföras.",
                theirs=" ".join(theirs),
                ours=ours,
            )
        )
    if not isinstance(desc["k"], int) or isinstance(desc["k"], bool) or desc["k"] < 2:
        found.add(say("Paketets k är inte ett heltal som är minst 2."))
    return found


def _schema(desc: Mapping[str, Any]) -> dict[str, Any]:
    """The package's own schema of aggregates.csv, checked to declare what we read as we do."""
    resources = desc.get("resources")
    table = next(
        (r for r in resources or () if isinstance(r, dict) and r.get("path") == TABLE), None
    )
    schema = table.get("schema") if table else None
    if not isinstance(schema, dict) or not isinstance(schema.get("fields"), list):
        raise ValidationError([Problem(say("Paketet beskriver ingen tabell %(t)s.", t=TABLE))])
    declared = {f.get("name"): f.get("type") for f in schema["fields"] if isinstance(f, dict)}
    found = Problems(DESCRIPTOR)
    for name in READ_COLUMNS:
        if declared.get(name) != _OURS[name]:
            found.add(
                say(
                    "Kolumnen %(column)s i %(table)s har typen %(theirs)s, men ska ha %(ours)s.",
                    column=name,
                    table=TABLE,
                    theirs=declared.get(name) or "–",
                    ours=_OURS[name],
                )
            )
    found.raise_any()
    # Only this table is read, so its joins to the package's other tables are not checked.
    return {k: v for k, v in schema.items() if k != "foreignKeys"}


def _follows_schema(raw: bytes, schema: dict[str, Any]) -> None:
    """Every row of the table against the package's schema (frictionless), or the problems."""
    from frictionless import Resource, Schema

    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / TABLE).write_bytes(raw)
        try:
            resource = Resource(
                path=TABLE,
                basepath=folder,
                schema=Schema.from_descriptor(schema),
                encoding="utf-8",
            )
            report = resource.validate(limit_errors=MAX_PROBLEMS)
        except Exception as e:  # frictionless says a broken schema by raising  # noqa: BLE001
            note = str(e).splitlines()[0][:200] if str(e) else type(e).__name__
            raise ValidationError(
                [Problem(say("Tabellens schema går inte att läsa: %(note)s", note=note), TABLE)]
            ) from None
    if report.valid:
        return
    # frictionless' notes are English; its error codes (type-error, …) are names, not prose.
    rows = report.flatten(["rowNumber", "fieldName", "type"])
    raise ValidationError(
        Problem(say("Värdet följer inte paketets schema (%(kind)s).", kind=kind), TABLE, row,
                column or None)
        for row, column, kind in rows[:MAX_PROBLEMS]
    )  # fmt: skip


def check_consistency(rows: pd.DataFrame, k: int) -> list[Problem]:
    """Problems with the figures of ``rows`` (aggregates.csv as read, first row = row 2).

    A shown cell has n ≥ k and a CI of mean ± t(0.975, n − 1) · sd / √n (docs/method.md §3)
    that contains the mean; a suppressed cell leaves every figure empty.
    """
    found: list[Problem] = []

    def add(mask: Any, reason: Any) -> None:
        for i in np.flatnonzero(np.asarray(mask, dtype=bool))[: MAX_PROBLEMS - len(found)]:
            found.append(Problem(reason(rows.iloc[i]), TABLE, int(i) + 2))

    hidden = rows["suppressed"].to_numpy(dtype=bool)
    for column in HIDDEN_FIGURES:
        add(
            hidden & rows[column].notna().to_numpy(),
            lambda r, c=column: say("Cellen är dold men har ändå en siffra i %(c)s.", c=c),
        )
    shown = ~hidden
    n = rows["n"].to_numpy(dtype=float, na_value=np.nan)
    add(shown & np.isnan(n), lambda r: say("Cellen visas men saknar n."))
    add(
        shown & (n < k),
        lambda r: say(
            "n = %(n)s är mindre än paketets k = %(k)s, men cellen visas.", n=r["n"], k=k
        ),
    )
    score, sd, low, high = (
        rows[c].to_numpy(dtype=float, na_value=np.nan) for c in ("score", "sd", "ci_low", "ci_high")
    )
    outside = shown & ~((low - TOLERANCE <= score) & (score <= high + TOLERANCE))
    add(
        outside & ~np.isnan(low),
        lambda r: say(
            "Konfidensintervallet [%(low)s; %(high)s] innehåller inte medelvärdet %(score)s.",
            low=r["ci_low"], high=r["ci_high"], score=r["score"],
        ),
    )  # fmt: skip
    with np.errstate(divide="ignore", invalid="ignore"):
        half = sps.t.ppf(0.975, np.where(n > 1, n - 1, np.nan)) * sd / np.sqrt(n)
    wrong = (np.abs(score - half - low) > TOLERANCE) | (np.abs(score + half - high) > TOLERANCE)
    add(
        shown & ~outside & ~np.isnan(half) & wrong,
        lambda r: say(
            "Konfidensintervallet stämmer inte med medelvärde, standardavvikelse och n "
            "(enligt metoden ska det vara [%(low).6f; %(high).6f]).",
            low=r["score"] - _half(r), high=r["score"] + _half(r),
        ),
    )  # fmt: skip
    return found


def _half(row: pd.Series) -> float:
    return float(sps.t.ppf(0.975, row["n"] - 1) * row["sd"] / np.sqrt(row["n"]))


def _read_table(raw: bytes) -> pd.DataFrame:
    df = pd.read_csv(
        io.BytesIO(raw), dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8"
    )
    out = pd.DataFrame(index=df.index)
    for column in READ_COLUMNS:
        kind = _OURS[column]
        if kind == "integer":
            out[column] = pd.to_numeric(df[column]).astype("Int64")
        elif kind == "number":
            out[column] = pd.to_numeric(df[column]).astype(float)
        elif kind == "boolean":
            out[column] = df[column].fillna("false").str.lower().eq("true")
        else:
            out[column] = df[column].astype(object).where(df[column].notna(), None)
    return out


def _license(desc: Mapping[str, Any]) -> tuple[str, str | None]:
    licences = desc.get("licenses") or []
    first = licences[0] if isinstance(licences, list) and licences else {}
    name = str(first.get("name") or first.get("title") or "–") if isinstance(first, dict) else "–"
    path = first.get("path") if isinstance(first, dict) else None
    url = path if isinstance(path, str) and path.startswith(("https://", "http://")) else None
    return name, url or LICENSES.get(name, (None, ""))[0]


def read_package(
    files: Mapping[str, bytes],
    instruments: set[tuple[str, str]],
    source: str,
    publisher: str | None = None,
) -> Received:
    """The checked package of ``files`` (``datapackage.json`` and ``aggregates.csv`` by name).

    ``instruments`` are the (id, version) pairs the importing installation has results for;
    ``publisher`` names the other organisation (default: the name of its top unit).
    Raises a ValidationError naming every problem found; nothing is returned half-checked.
    """
    if DESCRIPTOR not in files:
        raise ValidationError([Problem(say("Paketet saknar filen %(f)s.", f=DESCRIPTOR))])
    desc = read_descriptor(files[DESCRIPTOR])
    _instrument(desc, instruments).raise_any()
    schema = _schema(desc)
    if TABLE not in files:
        raise ValidationError([Problem(say("Paketet saknar filen %(f)s.", f=TABLE))])
    _follows_schema(files[TABLE], schema)
    rows = _read_table(files[TABLE])
    k = int(desc["k"])
    problems = check_consistency(rows, k)
    top = rows[rows["unit_level"] == 0]
    if top.empty:
        problems.append(Problem(say("Paketet har inga rader för hela organisationen."), TABLE))
    if problems:
        raise ValidationError(problems)
    licence, licence_url = _license(desc)
    provenance = Provenance(
        publisher=(publisher or "").strip() or str(top["unit_name"].iloc[0]),
        source=source,
        round_name=str(desc["round"]),
        year=int(desc["year"]),
        k=k,
        license=licence,
        license_url=licence_url,
        questionnaire_id=str(desc["questionnaire_id"]),
        questionnaire_version=str(desc["questionnaire_version"]),
        created=str(desc.get("created") or ""),
    )
    return Received(provenance, top[list(FIGURE_COLUMNS)].reset_index(drop=True))
