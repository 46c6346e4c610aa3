"""Plan areas: the mapping is checked, each area is one more composite index, and an instrument
without areas is scored and published as before.

The reference scores are computed here from the raw file (the mapping and the items as the YAML
says them), not through ``Questionnaire.index_categories``.
"""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import stats

from analysis.aggregate import cells, rollup
from analysis.comparison import build_aggregates
from analysis.families import default_families
from analysis.instruments import check_questionnaire, parse_questionnaire
from analysis.opendata import PackageMeta, write_package
from analysis.scoring import ScoringPlan, score_answers
from analysis.tables import index_table

ROOT = Path(__file__).resolve().parents[2]
ROLES = ("employee", "manager", "specialist")


@pytest.fixture
def document() -> dict:
    return yaml.safe_load((ROOT / "questionnaires" / "malmo-digital.yaml").read_text("utf-8"))


def test_every_problem_of_the_mapping_is_said_in_swedish_at_once(document: dict) -> None:
    doc = copy.deepcopy(document)
    doc["plan_areas"][0]["categories"].append("cap_nothing")
    doc["plan_areas"][1]["categories"] = []
    del doc["plan_areas"][2]["title"]["en"]
    del doc["plan_areas"][3]["title"]["sv"]
    del doc["plan_areas"][3]["short"]["en"]
    doc["plan_areas"][4]["id"] = "leg_data"
    # The schema's problems (in document order), then the mapping's own, all at once.
    assert [str(p) for p in check_questionnaire(doc)] == [
        "planområde 2, kategorier: behöver minst 1 post",
        "planområde 3, titel: engelsk text saknas",
        "planområde 4, kortnamn: engelsk text saknas",
        "planområde 4, titel: svensk text saknas",
        "planområde 1, kategori 5: det finns ingen kategori 'cap_nothing' i den här enkäten",
        "planområde 5, id: id 'leg_data' är redan ett index i enkäten; välj ett eget id",
    ]


def test_a_short_name_heads_an_area_and_the_title_stands_in_without_one(document: dict) -> None:
    q = parse_questionnaire(document)
    assert [a.heading["sv"] for a in q.plan_areas] == [
        "Teknik", "Data", "Kompetens", "Innovation", "Regelverk"
    ]  # fmt: skip
    assert [a.heading["en"] for a in q.plan_areas][-1] == "Regulation"
    doc = copy.deepcopy(document)
    del doc["plan_areas"][0]["short"]
    assert not check_questionnaire(doc)
    first = parse_questionnaire(doc).plan_areas[0]
    assert first.heading == first.title == document["plan_areas"][0]["title"]


def test_the_malmo_areas_cover_every_category_once(document: dict) -> None:
    q = parse_questionnaire(document)
    assert [a.title["sv"] for a in q.plan_areas] == [
        "Tekniska förutsättningar och förmågor",
        "Data som strategisk resurs",
        "Digital kompetens",
        "Innovation",
        "Regelverk, ställningstaganden och risktagande",
    ]
    mapped = [c for a in q.plan_areas for c in a.categories]
    assert sorted(mapped) == sorted(c.id for c in q.categories)
    assert q.indices[-5:] == q.plan_area_ids


def _answers(q, sizes: dict[str, int], seed: int, missing: float) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows, person = [], 0
    for role, count in sizes.items():
        for _ in range(count):
            person += 1
            level = rng.normal(0, 1)
            for item_id, (item, cat) in q.items.items():
                if role in item.roles:
                    lo, hi = cat.scale.min, cat.scale.max
                    raw = int(np.clip(round((lo + hi) / 2 + level + rng.normal()), lo, hi))
                    rows.append((person, role, item_id, None if rng.random() < missing else raw))
    return pd.DataFrame(rows, columns=["respondent", "role", "item", "value"])


def _reference(document: dict, answers: pd.DataFrame) -> pd.DataFrame:
    """Per respondent and area: the mean of their category scores (each the mean of their
    answered items on 0–100, kept when at least half of the role's items are answered), kept
    when at least half of the area's categories asked of the role have a score."""
    scales = document["scales"]
    cats = {}
    for dim in document["dimensions"]:
        for cat in dim["categories"]:
            scale = scales[cat["scale"]]
            items = {
                i["id"]: (set(i.get("roles", cat["roles"])), bool(i.get("reverse", False)))
                for i in cat["items"]
            }
            cats[cat["id"]] = (scale["min"], scale["max"], items)
    out = []
    for (person, role), given in answers.groupby(["respondent", "role"]):
        values = dict(zip(given["item"], given["value"], strict=True))
        score = {}
        for cid, (lo, hi, items) in cats.items():
            asked = [i for i, (roles, _) in items.items() if role in roles]
            ys = [
                ((lo + hi - values[i] if items[i][1] else values[i]) - lo) / (hi - lo) * 100
                for i in asked
                if values.get(i) is not None and not pd.isna(values[i])
            ]
            if asked and ys and 2 * len(ys) >= len(asked):
                score[cid] = sum(ys) / len(ys)
        for area in document["plan_areas"]:
            applies = [
                c for c in area["categories"] if any(role in r for r, _ in cats[c][2].values())
            ]
            have = [score[c] for c in applies if c in score]
            if applies and have and 2 * len(have) >= len(applies):
                out.append((person, role, area["id"], sum(have) / len(have)))
    return pd.DataFrame(out, columns=["respondent", "role", "index", "score"])


@pytest.mark.parametrize("missing", [0.0, 0.25])
def test_area_figures_equal_a_reference_from_the_mapping(document: dict, missing: float) -> None:
    q = parse_questionnaire(document)
    answers = _answers(q, {"employee": 40, "manager": 15, "specialist": 12}, 7, missing)
    scored = score_answers(answers, q)
    ref = _reference(document, answers)
    mine = scored[scored["index"].isin(q.plan_area_ids)].reset_index(drop=True)
    pd.testing.assert_frame_equal(
        mine.sort_values(["respondent", "index"]).reset_index(drop=True),
        ref.sort_values(["respondent", "index"]).reset_index(drop=True),
        check_exact=False,
        rtol=1e-12,
    )
    # The cell: mean, sample SD and the t interval, checked against scipy.
    leaf = scored.assign(unit="U", sq=scored["score"] ** 2)
    leaf = leaf.groupby(["unit", "role", "index"], as_index=False).agg(
        n=("score", "size"), sum=("score", "sum"), sumsq=("sq", "sum")
    )
    tree = pd.DataFrame({"unit": ["U"], "parent": [None]})
    found = cells(rollup(leaf, tree, indices=list(q.indices))).set_index(["role", "index"])
    for layer in ("all", *ROLES):
        for area, group in ref.groupby("index"):
            x = group["score"] if layer == "all" else group.loc[group["role"] == layer, "score"]
            if len(x) < 2:
                continue
            cell = found.loc[(layer, area)]
            low, high = stats.t.interval(0.95, len(x) - 1, loc=x.mean(), scale=stats.sem(x))
            assert cell["n"] == len(x)
            assert cell["mean"] == pytest.approx(x.mean(), rel=1e-12)
            assert cell["sd"] == pytest.approx(x.std(ddof=1), rel=1e-9)
            assert (cell["ci_low"], cell["ci_high"]) == pytest.approx((low, high), rel=1e-9)


def test_areas_are_composites_with_the_partial_rule(document: dict) -> None:
    q = parse_questionnaire(document)
    plan = ScoringPlan(q)
    assert plan.index_categories["manager"]["area_data"] == ("leg_data", "comp_information")
    assert "area_innovation" not in plan.index_categories["employee"]  # no category for them
    # A manager with leg_data but not comp_information has area_data (half of two) that is
    # not the mean of their own categories: a partial respondent of the area.
    scores = plan.respondent_scores("manager", {"leg_data": (150.0, 3)})
    assert scores["area_data"] == 50.0
    assert "area_data" in plan.partial_composites("manager", scores)


def test_an_instrument_without_areas_is_scored_and_published_as_before(
    document: dict, tmp_path: Path
) -> None:
    plain_doc = {k: v for k, v in copy.deepcopy(document).items() if k != "plan_areas"}
    plain, with_areas = parse_questionnaire(plain_doc), parse_questionnaire(document)
    assert plain.plan_areas == () and plain.composites == ("maturity", *plain.indices[1:4])
    assert plain.indices == with_areas.indices[: -len(with_areas.plan_areas)]
    answers = _answers(plain, {"employee": 9, "manager": 6, "specialist": 5}, 3, 0.2)
    before, after = score_answers(answers, plain), score_answers(answers, with_areas)
    kept = after[~after["index"].isin(with_areas.plan_area_ids)].reset_index(drop=True)
    pd.testing.assert_frame_equal(before, kept)
    table = index_table(plain)
    assert set(table["kind"]) == {"maturity", "dimension", "category"}
    # No plan_areas.csv and no such resource without areas.
    leaf = before.assign(unit="U", sq=before["score"] ** 2)
    leaf = leaf.groupby(["unit", "role", "index"], as_index=False).agg(
        n=("score", "size"), sum=("score", "sum"), sumsq=("sq", "sum")
    )
    tree = pd.DataFrame({"unit": ["U"], "parent": [None]})
    current = cells(rollup(leaf, tree, indices=list(plain.indices)))
    keys = pd.MultiIndex.from_frame(current[["unit", "role", "index"]])
    rows = build_aggregates(
        current, None, pd.DataFrame({"unit": ["U"], "name": ["U"], "level": [0]}),
        round_name="R", year=2026, compare_round=None,
        suppressed=pd.Series(False, index=keys), compare_suppressed=None,
        families=default_families(plain),
    )  # fmt: skip
    assert set(rows["family"]) == {"headline", "category"}
    meta = PackageMeta("R", 2026, pd.Timestamp("2026-01-01", tz="UTC"), 5, "q", "1", None, {})
    written = write_package({"aggregates": rows}, tmp_path, ("csv",), meta)
    assert [p.name for p in written] == ["aggregates.csv", "datapackage.json"]
    assert "plan_areas" not in (tmp_path / "datapackage.json").read_text(encoding="utf-8")
