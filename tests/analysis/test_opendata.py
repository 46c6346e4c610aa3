"""analysis.opendata and analysis.reliability: the public open-data contract."""

import json

import numpy as np
import pandas as pd
import pingouin
import pytest
from scipy import stats as sps
from statsmodels.stats.multitest import multipletests

from analysis.aggregate import cells, rollup
from analysis.opendata import (
    AGGREGATE_COLUMNS,
    build_aggregates,
    to_records,
    write_aggregates,
    write_reliability,
)
from analysis.package_fields import RESPONSE_COLUMNS
from analysis.reliability import flag_low_alpha, reliability_table

CONTRACT = [  # the published columns, in order
    "round", "year", "unit_code", "unit_name", "unit_level", "role", "index", "n", "score", "sd",
    "ci_low", "ci_high", "compare_round", "compare_n", "compare_score", "delta", "delta_ci_low",
    "delta_ci_high", "p_value", "p_adjusted", "family", "duplicate_of", "effect_size", "change",
    "suppressed", "hidden_reason", "invited", "headcount", "response_rate", "dont_know_share",
]  # fmt: skip
#: What build_aggregates makes: the cell's columns, before the response columns are added.
CELLS = CONTRACT[: -len(RESPONSE_COLUMNS)]
TREE = pd.DataFrame(
    {"unit": ["CITY", "UP", "DOWN", "SAME"], "parent": [None, "CITY", "CITY", "CITY"]}
)
UNITS = pd.DataFrame(
    {
        "unit": TREE["unit"],
        "name": ["Malmö stad", "Uppåt", "Nedåt", "Samma, ungefär"],
        "level": [0, 1, 1, 1],
    }
)
INDICES = ["maturity", "competence"]
FAMILIES = {"maturity": "headline", "competence": "headline"}


def make_raw(seed, shift):
    """Employees' maturity scores per unit; ``shift`` moves each unit's mean."""
    rng = np.random.default_rng(seed)
    rows = []
    for unit, delta in shift.items():
        for score in np.clip(rng.normal(50 + delta, 12, 40), 0, 100):
            rows.append((unit, "employee", "maturity", score))
    rows += [("UP", "manager", "maturity", s) for s in (60.0, 70.0)]  # n = 2 < k
    return pd.DataFrame(rows, columns=["unit", "role", "index", "score"])


def to_cells(raw):
    g = raw.assign(sq=raw["score"] ** 2).groupby(["unit", "role", "index"])
    leaf = g.agg(n=("score", "size"), sum=("score", "sum"), sumsq=("sq", "sum")).reset_index()
    return cells(rollup(leaf, TREE, indices=INDICES))


def k_suppression(cell_frame, k=5):
    """Stand-in for analysis.suppression: primary suppression only."""
    return pd.Series(
        (cell_frame["n"] < k).to_numpy(),
        index=pd.MultiIndex.from_frame(cell_frame[["unit", "role", "index"]]),
    )


@pytest.fixture
def report():
    now = to_cells(make_raw(1, {"UP": 15, "DOWN": -15, "SAME": 0}))
    before = to_cells(make_raw(2, {"UP": 0, "DOWN": 0, "SAME": 0}))
    suppressed = k_suppression(now)
    suppressed[("SAME", "all", "maturity")] = True  # as if complementary suppression hid it
    compare_suppressed = k_suppression(before)
    compare_suppressed[("DOWN", "employee", "maturity")] = True
    return build_aggregates(
        now,
        before,
        UNITS,
        round_name="Mognad 2026",
        year=2026,
        compare_round="Mognad 2025",
        suppressed=suppressed,
        compare_suppressed=compare_suppressed,
        indices=INDICES,
        families=FAMILIES,
    )


def row(df, unit, role, index="maturity"):
    return df[(df["unit_code"] == unit) & (df["role"] == role) & (df["index"] == index)].iloc[0]


def test_exact_columns_order_and_one_row_per_cell(report):
    # build_aggregates makes the cell's columns; the response columns follow them in the file.
    assert list(report.columns) + list(RESPONSE_COLUMNS) == CONTRACT == list(AGGREGATE_COLUMNS)
    assert len(report) == 4 * 4 * 2
    assert list(report["unit_code"].unique()) == list(UNITS["unit"])
    assert list(report["role"][:8]) == [
        r for r in ("all", "employee", "manager", "specialist") for _ in INDICES
    ]
    assert list(report["index"][:2]) == INDICES
    assert set(report["change"]) <= {"improved", "declined", "no_change", "not_comparable"}
    assert (
        row(report, "UP", "all")["unit_name"] == "Uppåt"
        and row(report, "UP", "all")["unit_level"] == 1
    )


def test_suppressed_rows_have_no_figures(report):
    hidden = report[report["suppressed"]]
    assert len(hidden) > 0 and (hidden["change"] == "not_comparable").all()
    figures = [
        c
        for c in CELLS
        if c
        not in {
            "round",
            "year",
            "unit_code",
            "unit_name",
            "unit_level",
            "role",
            "index",
            "compare_round",
            "family",
            "duplicate_of",
            "change",
            "suppressed",
            "hidden_reason",
        }
    ]
    assert hidden[figures].isna().all().all()
    assert (hidden["duplicate_of"] == "").all()
    assert hidden["hidden_reason"].isin(["too_few", "complementary"]).all()
    assert (report.loc[~report["suppressed"], "hidden_reason"] == "").all()
    assert row(report, "UP", "manager")["suppressed"]  # n = 2
    assert row(report, "SAME", "all")["suppressed"]
    shown = report[~report["suppressed"]]
    assert (shown["n"] >= 5).all() and shown["score"].notna().all()


def test_change_classification_and_figures_match_scipy(report):
    up, down, same = (row(report, u, "employee") for u in ("UP", "DOWN", "SAME"))
    assert up["change"] == "improved" and up["delta"] > 0
    assert down["change"] == "not_comparable"  # comparison cell suppressed
    assert pd.isna(down["compare_n"]) and pd.isna(down["delta"]) and pd.isna(down["p_value"])
    assert row(report, "DOWN", "all")["change"] == "declined"
    assert same["change"] == "no_change" and same["p_adjusted"] >= 0.05
    a = make_raw(1, {"UP": 15, "DOWN": -15, "SAME": 0}).query(
        "unit == 'UP' and role == 'employee'"
    )["score"]
    b = make_raw(2, {"UP": 0, "DOWN": 0, "SAME": 0}).query("unit == 'UP' and role == 'employee'")[
        "score"
    ]
    ref = sps.ttest_ind(a, b, equal_var=False)
    ci = ref.confidence_interval()
    assert up["delta"] == pytest.approx(a.mean() - b.mean())
    assert (up["delta_ci_low"], up["delta_ci_high"]) == pytest.approx((ci.low, ci.high))
    assert up["p_value"] == pytest.approx(ref.pvalue)
    assert up["effect_size"] == pytest.approx(pingouin.compute_effsize(a, b, eftype="hedges"))
    assert up["compare_n"] == 40 and up["compare_score"] == pytest.approx(b.mean())


def test_change_uses_adjusted_not_raw_p_on_constructed_cells():
    # One family: the four headline indices of one unit and role.
    units = pd.DataFrame({"unit": ["A"], "name": ["A"], "level": 0})
    headline = ["maturity", "capability", "legacy", "competence"]
    key = pd.DataFrame({"unit": "A", "role": "all", "index": headline})
    now = key.assign(n=30, mean=[55.2, 70.0, 30.0, 50.0], sd=10.0, ci_low=0.0, ci_high=0.0)
    before = key.assign(n=30, mean=50.0, sd=10.0)
    flags = pd.Series(False, index=pd.MultiIndex.from_frame(key))
    out = build_aggregates(
        now, before, units, round_name="R2", year=2026, compare_round="R1",
        suppressed=flags, compare_suppressed=flags, indices=headline,
        families=dict.fromkeys(headline, "headline"),
    )  # fmt: skip
    raw_p = [
        sps.ttest_ind_from_stats(m, 10, 30, 50, 10, 30, equal_var=False)[1] for m in now["mean"]
    ]
    np.testing.assert_allclose(out["p_value"], raw_p, rtol=1e-10)
    assert out["p_value"][0] < 0.05 < out["p_adjusted"][0]  # significant only before BH
    assert out["change"].tolist() == ["no_change", "improved", "declined", "no_change"]
    assert out["delta"].tolist() == pytest.approx([5.2, 20.0, -20.0, 0.0])


def test_p_adjusted_is_bh_within_each_family(report):
    comparable = report[report["change"] != "not_comparable"]
    assert len(comparable) >= 5
    assert set(report["family"]) == {"headline"}  # maturity and competence are headline indices
    originals = comparable[comparable["duplicate_of"] == ""]
    for _, family in originals.groupby(["unit_code", "role", "family"]):
        expected = multipletests(family["p_value"].to_numpy(), method="fdr_bh")[1]
        np.testing.assert_allclose(family["p_adjusted"].to_numpy(), expected, rtol=1e-12)
    assert report.loc[report["change"] == "not_comparable", "p_adjusted"].isna().all()
    assert (report["compare_round"] == "Mognad 2025").all()


def test_without_comparison_round_everything_is_not_comparable():
    now = to_cells(make_raw(1, {"UP": 15, "DOWN": -15, "SAME": 0}))
    out = build_aggregates(
        now,
        None,
        UNITS,
        round_name="Mognad 2026",
        year=2026,
        compare_round=None,
        suppressed=k_suppression(now),
        compare_suppressed=None,
        families=FAMILIES,
    )
    assert (out["change"] == "not_comparable").all()
    assert (
        out[["compare_round", "compare_n", "compare_score", "delta", "p_adjusted"]]
        .isna()
        .all()
        .all()
    )
    assert row(out, "UP", "employee")["score"] == pytest.approx(
        row(now.rename(columns={"unit": "unit_code"}), "UP", "employee")["mean"]
    )


def test_missing_suppression_decision_fails_closed():
    now = to_cells(make_raw(1, {"UP": 15, "DOWN": -15, "SAME": 0}))
    partial = k_suppression(now).drop(("CITY", "all", "maturity"))
    out = build_aggregates(
        now,
        None,
        UNITS,
        round_name="R",
        year=2026,
        compare_round=None,
        suppressed=partial,
        compare_suppressed=None,
        families=FAMILIES,
    )
    assert row(out, "CITY", "all")["suppressed"] and pd.isna(row(out, "CITY", "all")["score"])
    with pytest.raises(ValueError, match="compare_suppressed"):
        build_aggregates(
            now,
            now,
            UNITS,
            round_name="R",
            year=2026,
            compare_round="Q",
            suppressed=partial,
            compare_suppressed=None,
            families=FAMILIES,
        )


def test_csv_and_json_round_trip_the_same_rows(report, tmp_path):
    paths = write_aggregates(report, tmp_path)
    assert [p.name for p in paths] == ["aggregates.csv", "aggregates.json"]
    text = (tmp_path / "aggregates.csv").read_text(encoding="utf-8")
    assert text.splitlines()[0] == ",".join(CELLS)
    assert ",true,too_few\n" in text and ",false,\n" in text and '"Samma, ungefär"' in text
    csv = pd.read_csv(tmp_path / "aggregates.csv", keep_default_na=False, dtype=str)
    rows = json.loads((tmp_path / "aggregates.json").read_text(encoding="utf-8"))
    assert len(csv) == len(rows) == len(report) and list(rows[0]) == CELLS
    for i, (_, line) in enumerate(csv.iterrows()):
        js, orig = rows[i], report.iloc[i]
        assert line["unit_code"] == js["unit_code"] == orig["unit_code"]
        assert (line["suppressed"] == "true") is js["suppressed"] is bool(orig["suppressed"])
        for col in ("n", "score", "sd", "delta", "p_value", "p_adjusted", "effect_size"):
            if pd.isna(orig[col]):
                assert line[col] == "" and js[col] is None
            elif col in ("p_value", "p_adjusted"):
                assert float(line[col]) == js[col] == orig[col]  # full precision
            else:
                assert float(line[col]) == pytest.approx(js[col], abs=1e-6)
                assert float(line[col]) == pytest.approx(orig[col], abs=5e-7)
    shown = csv[csv["suppressed"] == "false"]
    assert all(len(s.split(".")[1]) >= 4 for s in shown["score"])


def test_to_records_is_what_the_json_file_holds(report, tmp_path):
    write_aggregates(report, tmp_path, formats=["json"])
    records = to_records(report)
    assert json.loads((tmp_path / "aggregates.json").read_text(encoding="utf-8")) == records
    assert [list(r) for r in records] == [CELLS] * len(report)
    for record in records:  # plain Python values, ready for any JSON encoder
        for value in record.values():
            assert value is None or type(value) in (str, int, float, bool)
    hidden = next(r for r in records if r["suppressed"])
    assert hidden["n"] is None and hidden["score"] is None


def test_reliability_table_matches_cronbach_on_raw_answers(tmp_path):
    rng = np.random.default_rng(5)
    trait = rng.normal(size=(80, 1))
    answers = {
        "cap_governance": pd.DataFrame(
            np.clip(np.round(3.5 + trait + rng.normal(size=(80, 4))), 1, 6)
        ),
        "comp_safety": pd.DataFrame(rng.integers(1, 7, size=(80, 3)).astype(float)),
    }
    answers["comp_safety"].iloc[:5, 0] = np.nan  # incomplete respondents are left out
    item_rows, total_rows = [], []
    for category, frame in answers.items():
        x = frame.dropna().to_numpy()
        t = x.sum(axis=1)
        for j in range(x.shape[1]):
            item_rows.append(
                (
                    category, "manager", f"{category}_{j + 1}", len(x), x[:, j].sum(),
                    (x[:, j] ** 2).sum(),
                )
            )  # fmt: skip
        total_rows.append((category, "manager", len(x), t.sum(), (t**2).sum()))
    table = reliability_table(
        pd.DataFrame(item_rows, columns=["category", "role", "item", "n", "sum", "sumsq"]),
        pd.DataFrame(total_rows, columns=["category", "role", "n", "sum", "sumsq"]),
        round_name="Mognad 2026",
        categories=["cap_governance", "comp_safety", "comp_ai"],
        sizes={"manager": {"cap_governance": 4, "comp_safety": 3, "comp_ai": 3}},
    )
    assert list(table.columns) == [
        "round", "category", "role", "n", "items", "alpha", "ci_low", "ci_high", "imprecise",
    ]  # fmt: skip
    assert table["n"].tolist() == [80, 75, 0] and table["items"].tolist() == [4, 3, 3]
    for i, category in enumerate(answers):
        alpha, ci = pingouin.cronbach_alpha(data=answers[category].dropna())
        assert table.loc[i, "alpha"] == pytest.approx(alpha, rel=1e-10)
        np.testing.assert_allclose(
            table.loc[i, ["ci_low", "ci_high"]].to_numpy(float), ci, atol=5e-4
        )
    assert np.isnan(table.loc[2, "alpha"])
    assert flag_low_alpha(table).tolist() == [False, True, False]
    path = write_reliability(table, tmp_path)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "round,category,role,n,items,alpha,ci_low,ci_high,imprecise"
    assert lines[3] == "Mognad 2026,comp_ai,manager,0,3,,,,false"
