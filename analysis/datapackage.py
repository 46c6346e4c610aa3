"""What every open-data file and column means, in Swedish and English, and the package descriptor.

One dictionary (:data:`RESOURCES`) describes every file of the package and every one of its
columns; ``datapackage.json`` (Frictionless Data Package v1) and the data-dictionary sheet of
``aggregates.xlsx`` are both written from it, so the two can never tell a reader different
things. The descriptor holds no clock: its ``created`` is the round's closing time, so the same
round gives the same bytes whoever writes the package and whenever.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from analysis.estimates_package import ESTIMATE_FIELD_SPECS, ESTIMATES_EN, ESTIMATES_SV
from analysis.package_fields import (
    LEVEL,
    PEOPLE,
    PROBABILITY,
    RESPONSE_FIELDS,
    SCORE,
    SHARE,
    Field,
    Resource,
)
from analysis.package_keys import resources
from analysis.plan_areas import INDEX_KIND_FIELDS, PLAN_AREAS_EN, PLAN_AREAS_SV

__all__ = [
    "DEFAULT_LICENSE",
    "Field",
    "LICENSES",
    "RESOURCES",
    "Resource",
    "descriptor",
    "descriptor_json",
]

DEFAULT_LICENSE = "CC0-1.0"
#: Licences the descriptor can link; any other SPDX id is written by name only.
LICENSES: dict[str, tuple[str, str]] = {
    "CC0-1.0": ("https://creativecommons.org/publicdomain/zero/1.0/", "CC0 1.0 Universal"),
    "CC-BY-4.0": ("https://creativecommons.org/licenses/by/4.0/", "Creative Commons BY 4.0"),
    "ODC-PDDL-1.0": ("https://opendatacommons.org/licenses/pddl/1-0/", "ODC PDDL 1.0"),
    "ODC-BY-1.0": ("https://opendatacommons.org/licenses/by/1-0/", "ODC Attribution 1.0"),
}


_ROUND = Field("round", "string", "Name of the survey round.", "Mätomgångens namn.")
_UNIT = Field(
    "unit_code", "string", "Code of the organisational unit (see units.csv).",
    "Enhetens kod (se units.csv).",
)  # fmt: skip
_ROLE = Field(
    "role", "string",
    "Respondent role: all (every role pooled), employee, manager or specialist.",
    "Svarandes roll: all (alla roller sammanslagna), employee (medarbetare), manager (chef) "
    "eller specialist.",
)  # fmt: skip
_INDEX = Field(
    "index", "string", "Index or category id (see indices.csv).",
    "Index- eller kategori-id (se indices.csv).",
)  # fmt: skip
_COMPARE_ROUND = Field(
    "compare_round", "string", "Name of the round compared with (empty: none).",
    "Namnet på omgången som jämförs med (tomt: ingen).",
)  # fmt: skip
_SUPPRESSED = Field(
    "suppressed", "boolean",
    "true: fewer than k respondents, or hidden so that no group below k can be worked out; "
    "every figure of the row is then empty.",
    "true: färre än k svarande, eller dold så att ingen grupp under k kan räknas fram; alla "
    "siffror i raden är då tomma.",
)  # fmt: skip
_HIDDEN_REASON = Field(
    "hidden_reason", "string",
    "Why a suppressed row is hidden: too_few (fewer than k respondents), homogeneous (everyone "
    "answered alike and there are fewer than k_homogeneous of them), complementary (hidden so "
    "that another hidden group cannot be worked out). Empty when shown.",
    "Varför en dold rad är dold: too_few (färre än k svarande), homogeneous (alla svarade lika "
    "och de är färre än k_homogeneous), complementary (dold så att en annan dold grupp inte "
    "kan räknas fram). Tom när raden visas.",
)  # fmt: skip

AGGREGATE_FIELDS: tuple[Field, ...] = (
    _ROUND,
    Field("year", "integer", "Year of the round.", "Mätomgångens år."),
    _UNIT,
    Field("unit_name", "string", "Name of the unit.", "Enhetens namn."),
    Field(
        "unit_level", "integer", "Depth in the organisation tree (0 = the whole organisation).",
        "Nivå i organisationsträdet (0 = hela organisationen).",
    ),
    _ROLE,
    _INDEX,
    Field(
        "n", "integer", "Respondents with a score in the cell (the unit and all units below it).",
        "Svarande med poäng i cellen (enheten och alla enheter under den).", PEOPLE,
    ),
    Field("score", "number", "Mean score.", "Medelpoäng.", SCORE),
    Field("sd", "number", "Standard deviation (sample, n − 1).", "Standardavvikelse (n − 1).",
          SCORE),
    Field(
        "ci_low", "number", "Lower end of the 95 % confidence interval of the mean.",
        "Nedre gräns för medelvärdets 95 %-konfidensintervall.", SCORE,
    ),
    Field(
        "ci_high", "number", "Upper end of the 95 % confidence interval of the mean.",
        "Övre gräns för medelvärdets 95 %-konfidensintervall.", SCORE,
    ),
    _COMPARE_ROUND,
    Field(
        "compare_n", "integer", "Respondents in the same cell of the comparison round.",
        "Svarande i samma cell i jämförelseomgången.", PEOPLE,
    ),
    Field(
        "compare_score", "number", "Mean score in the comparison round.",
        "Medelpoäng i jämförelseomgången.", SCORE,
    ),
    Field(
        "delta", "number", "score − compare_score.", "score − compare_score.", SCORE,
    ),
    Field(
        "delta_ci_low", "number", "Lower end of the Welch 95 % confidence interval of delta.",
        "Nedre gräns för deltas 95 %-konfidensintervall (Welch).", SCORE,
    ),
    Field(
        "delta_ci_high", "number", "Upper end of the Welch 95 % confidence interval of delta.",
        "Övre gräns för deltas 95 %-konfidensintervall (Welch).", SCORE,
    ),
    Field(
        "p_value", "number", "Two-sided Welch test of no change (years as independent samples).",
        "Tvåsidigt Welch-test av ingen förändring (åren som oberoende stickprov).", PROBABILITY,
    ),
    Field("p_adjusted", "number", "p_value adjusted by Benjamini–Hochberg within its family "
          "(unit_code, role, family).", "p_value justerat med Benjamini–Hochberg inom sin familj "
          "(unit_code, role, family).", PROBABILITY),
    Field("family", "string", "Family of tests: headline (the four headline indices), category "
          "or plan_area.", "Testfamilj: headline (de fyra huvudindexen), category (kategorierna) "
          "eller plan_area (planområdena)."),
    Field("duplicate_of", "string", "The index of the same unit and role whose identical test "
          "this row takes (counted once); empty otherwise.", "Index i samma enhet och roll vars "
          "identiska test raden får (räknas en gång); annars tomt."),
    Field("effect_size", "number", "Hedges' g (average-variance SD), only for a change.",
          "Hedges g (medelvariansens standardavvikelse), bara vid en förändring.",
          "standard deviations / standardavvikelser"),
    Field(
        "change", "string",
        "improved or declined (p_adjusted < 0.05), no_change, or not_comparable (the reason is "
        "in comparisons.csv).",
        "improved (förbättrad) eller declined (försämrad) (p_adjusted < 0,05), no_change (ingen "
        "förändring) eller not_comparable (orsaken står i comparisons.csv).",
    ),
    _SUPPRESSED,
    _HIDDEN_REASON,
)  # fmt: skip
#: The cell's columns (kept as they were in the workbook) and then who it speaks for.
CELL_FIELDS, AGGREGATE_FIELDS = AGGREGATE_FIELDS, (*AGGREGATE_FIELDS, *RESPONSE_FIELDS)

COMPARISON_FIELDS: tuple[Field, ...] = (
    _ROUND, _UNIT, _ROLE, _INDEX, _COMPARE_ROUND,
    Field(
        "comparable", "boolean", "true when the row of aggregates.csv has a comparison.",
        "true när raden i aggregates.csv har en jämförelse.",
    ),
    Field(
        "reason", "string",
        "Why not comparable: no_compare_round, unit_new (no unit of the comparison year maps "
        "into it), no_previous_cell (the index did not apply to the role then), "
        "current_suppressed, current_too_small (n < 2), previous_reorganised (last year's "
        "respondents of the unit are not one of last year's cells), previous_suppressed, "
        "previous_too_small, too_few_to_test (under the minimum n for a test).",
        "Varför inte jämförbar: no_compare_round (ingen jämförelseomgång), unit_new (ingen enhet "
        "från jämförelseåret motsvarar den), no_previous_cell (indexet gällde inte rollen då), "
        "current_suppressed (årets cell dold), current_too_small (n < 2), previous_reorganised "
        "(förra årets svarande i enheten är inte en av förra årets celler), previous_suppressed "
        "(förra cellen dold), previous_too_small, too_few_to_test (under minsta n för test).",
    ),
)  # fmt: skip

UNIT_FIELDS: tuple[Field, ...] = (
    Field("unit_code", "string", "Unit code.", "Enhetens kod."),
    Field("unit_name", "string", "Unit name (not unique).", "Enhetens namn (inte unikt)."),
    Field("parent_code", "string", "Code of the unit above (empty for the top).",
          "Koden för enheten ovanför (tom för toppen)."),
    Field("unit_level", "integer", "Depth in the tree (0 = top).", "Nivå i trädet (0 = toppen)."),
    Field("path", "string", "Names from the top down, separated by ' / '.",
          "Namnen uppifrån och ned, åtskilda av ' / '."),
    Field("headcount", "integer",
          "People employed in the unit and all units below it, from the organisation file "
          "(empty: not given).",
          "Anställda i enheten och alla enheter under den, enligt organisationsfilen (tomt: "
          "inte angivet).", "people / personer"),
)  # fmt: skip

_ITEMS = "Number of questionnaire items behind the index that {en} answer (empty: none)."
_ITEMS_SV = "Antal frågor bakom indexet som {sv} besvarar (tomt: inga)."
INDEX_FIELDS: tuple[Field, ...] = (
    Field("index", "string", "Index or category id.", "Index- eller kategori-id."),
    Field(
        "dimension", "string",
        "Dimension of a category or dimension index (capability, legacy, competence); "
        "empty for maturity (capability and legacy together) and for plan areas.",
        "Dimension för en kategori eller ett dimensionsindex; tom för maturity (förmåga och arv "
        "tillsammans) och för planområden.",
    ),
    Field("label_sv", "string", "Name in Swedish.", "Namn på svenska."),
    Field("label_en", "string", "Name in English.", "Namn på engelska."),
    *(
        Field(f"items_{role}", "integer", _ITEMS.format(en=en), _ITEMS_SV.format(sv=sv),
              "items / frågor")
        for role, en, sv in (
            ("employee", "employees", "medarbetare"), ("manager", "managers", "chefer"),
            ("specialist", "specialists", "specialister"),
        )
    ),
    Field(
        "roles", "string",
        "Roles the index applies to, space-separated; only these roles have rows.",
        "Roller som indexet gäller, mellanslagsseparerade; bara de har rader.",
    ),
    *INDEX_KIND_FIELDS,
)  # fmt: skip

RELIABILITY_FIELDS: tuple[Field, ...] = (
    _ROUND,
    Field("category", "string", "Category id.", "Kategori-id."),
    Field("role", "string", "The role whose own items alpha is computed on.",
          "Rollen vars egna frågor alfa beräknas på."),
    Field("n", "integer", "Respondents of the role who answered all its items of the category; "
          "empty (with alpha) below k.", "Svarande i rollen som besvarat alla rollens frågor i "
          "kategorin; tomt (liksom alfa) under k.", PEOPLE),
    Field("items", "integer", "The category's items for the role.",
          "Kategorins frågor för rollen.", "items / frågor"),
    Field("alpha", "number", "Cronbach's alpha.", "Cronbachs alfa.", "coefficient / koefficient"),
    Field("ci_low", "number", "Lower end of alpha's 95 % confidence interval (Feldt).",
          "Nedre gräns för alfas 95 %-konfidensintervall (Feldt)."),
    Field("ci_high", "number", "Upper end of alpha's 95 % confidence interval (Feldt).",
          "Övre gräns för alfas 95 %-konfidensintervall (Feldt)."),
    Field("imprecise", "boolean", "true when alpha rests on fewer than 30 respondents.",
          "true när alfa bygger på färre än 30 svarande."),
    Field("alpha_below_070", "boolean",
          "true when alpha < 0.70: read the category's scores with care.",
          "true när alfa < 0,70: läs kategorins poäng med försiktighet."),
)  # fmt: skip

GAP_FIELDS: tuple[Field, ...] = (
    _ROUND, _UNIT,
    Field("role", "string", "Respondent role: employee, manager or specialist (targets are per "
          "role, so there is no pooled row).",
          "Svarandes roll: employee (medarbetare), manager (chef) eller specialist (målnivåerna "
          "gäller per roll, så det finns ingen sammanslagen rad)."),
    Field("category", "string", "Competence category id.", "Kompetenskategorins id."),
    Field("target", "integer", "Target level for the role.", "Målnivå för rollen.", LEVEL),
    Field("n", "integer", "Respondents with a level in the category.",
          "Svarande med nivå i kategorin.", PEOPLE),
    Field("mean_level", "number", "Mean level.", "Medelnivå.", LEVEL),
    Field("gap", "number", "target − mean_level (positive: below target).",
          "Målnivå − medelnivå (positivt: under målet).", LEVEL),
    Field("share_below", "number", "Share of respondents below the target.",
          "Andel svarande under målnivån.", SHARE),
    Field("rank", "integer", "Rank of the gap within the unit (1 = largest).",
          "Gapets rang inom enheten (1 = störst)."),
    _SUPPRESSED, _HIDDEN_REASON,
)  # fmt: skip

FIELDWORK_FIELDS: tuple[Field, ...] = (
    _ROUND, _UNIT,
    Field("unit_name", "string", "Name of the unit.", "Enhetens namn."),
    Field("headcount", "integer",
          "People employed (the unit and all units below it; empty: not given).",
          "Anställda (enheten och alla enheter under den; tomt: inte angivet).",
          "people / personer"),
    Field("invited", "integer", "People invited (the unit and all units below it).",
          "Inbjudna personer (enheten och alla enheter under den).", "people / personer"),
    Field("completed", "integer",
          "Invitations answered; empty where the group is hidden (fewer than k, or it would "
          "give a hidden group away by subtraction).",
          "Besvarade inbjudningar; tomt där gruppen döljs (färre än k, eller om den genom "
          "subtraktion skulle röja en dold grupp).",
          "people / personer"),
    Field("response_rate", "number", "completed / invited.", "completed / invited.", SHARE),
)  # fmt: skip

_CSV = ("csv", "text/csv")
#: Every file the package can hold, in descriptor order, with its columns.
RESOURCES: tuple[Resource, ...] = (
    Resource("aggregates", "aggregates.csv", *_CSV,
             "One row per unit, role and index that applies, with the change since the "
             "comparison round.",
             "En rad per enhet, roll och index som gäller, med förändringen sedan "
             "jämförelseomgången.", AGGREGATE_FIELDS),
    Resource("aggregates-json", "aggregates.json", "json", "application/json",
             "The same rows as aggregates.csv, as a JSON list of objects.",
             "Samma rader som aggregates.csv, som en JSON-lista av objekt.", AGGREGATE_FIELDS),
    Resource("aggregates-xlsx", "aggregates.xlsx", "xlsx",
             "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             "The same rows as aggregates.csv for spreadsheet programs (the cell's columns, "
             "without the response columns), with a data-dictionary sheet.",
             "Samma rader som aggregates.csv för kalkylprogram (cellens kolumner, utan "
             "svarskolumnerna), med ett blad som beskriver kolumnerna.", CELL_FIELDS),
    Resource("comparisons", "comparisons.csv", *_CSV,
             "Whether each row of aggregates.csv is comparable, and why not.",
             "Om varje rad i aggregates.csv är jämförbar, och varför inte.", COMPARISON_FIELDS),
    Resource("units", "units.csv", *_CSV, "The organisation tree of the round's year.",
             "Organisationsträdet för omgångens år.", UNIT_FIELDS),
    Resource("indices", "indices.csv", *_CSV, "Indices and categories of the questionnaire.",
             "Enkätens index och kategorier.", INDEX_FIELDS),
    Resource("reliability", "reliability.csv", *_CSV,
             "Reliability (Cronbach's alpha) per category and role.",
             "Tillförlitlighet (Cronbachs alfa) per kategori och roll.", RELIABILITY_FIELDS),
    Resource("gaps", "gaps.csv", *_CSV,
             "Competence gaps per unit, role and competence category.",
             "Kompetensgap per enhet, roll och kompetenskategori.", GAP_FIELDS),
    Resource("fieldwork", "fieldwork.csv", *_CSV,
             "Invitations and answers per unit, for units with invitations (counts only).",
             "Inbjudningar och svar per enhet, för enheter med inbjudningar (bara antal).",
             FIELDWORK_FIELDS),
    Resource("estimates", "estimates.csv", *_CSV, ESTIMATES_EN, ESTIMATES_SV,
             tuple(Field(*spec) for spec in ESTIMATE_FIELD_SPECS)),
    Resource("plan_areas", "plan_areas.csv", *_CSV, PLAN_AREAS_EN, PLAN_AREAS_SV,
             AGGREGATE_FIELDS),
)  # fmt: skip


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9._-]+", "-", text.lower()).strip("-._") or "mognad"


def _license(name: str) -> dict[str, str]:
    out = {"name": name}
    if name in LICENSES:
        out["path"], out["title"] = LICENSES[name]
    return out


def descriptor(
    files: Iterable[str],
    *,
    round_name: str,
    year: int,
    created: datetime,
    k: int,
    questionnaire_id: str,
    questionnaire_version: str,
    compare_round: str | None,
    title: dict[str, str],
    license: str = DEFAULT_LICENSE,
) -> dict[str, Any]:
    """The Data Package descriptor of the package's ``files`` (the paths written beside it).

    ``created`` is the round's closing time (ISO 8601, UTC), never "now": two writers of the
    same round must produce the same bytes. ``title`` is the questionnaire's title by language.
    """
    present = set(files)
    when = created.astimezone(UTC) if created.tzinfo else created.replace(tzinfo=UTC)
    return {
        "profile": "tabular-data-package",
        "name": _slug(round_name),
        "title": f"{title.get('en', '')}: {round_name} (open data)",
        "title_sv": f"{title.get('sv', '')}: {round_name} (öppna data)",
        "description": (
            f"Results of the survey round {round_name} per organisational unit, role and index. "
            f"Cells with fewer than {k} respondents, and cells from which such a group could be "
            "worked out, are suppressed."
        ),
        "description_sv": (
            f"Resultat från mätomgången {round_name} per enhet, roll och index. Celler med färre "
            f"än {k} svarande, och celler ur vilka en sådan grupp kan räknas fram, är dolda."
        ),
        "licenses": [_license(license)],
        "created": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "round": round_name,
        "year": int(year),
        "compare_round": compare_round,
        "k": int(k),
        "questionnaire_id": questionnaire_id,
        "questionnaire_version": questionnaire_version,
        "resources": resources([r for r in RESOURCES if r.path in present]),
    }


def descriptor_json(desc: dict[str, Any]) -> str:
    """The descriptor as the file holds it: UTF-8, indented, keys in the order built."""
    return json.dumps(desc, ensure_ascii=False, indent=2) + "\n"
