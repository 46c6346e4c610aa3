"""`mognad report` end to end on both databases: planted effects found, small groups hidden."""

from __future__ import annotations

import csv
import json

import pandas as pd
import pingouin
import pytest
import sqlalchemy as sa

from analysis.instruments import load_questionnaire
from analysis.opendata import AGGREGATE_COLUMNS
from tests.support.factory import QUESTIONNAIRE
from tests.support.results import answers as _answers


def test_report_finds_planted_effect_and_suppresses_tiny_units(runner, two_years, tmp_path):
    out = tmp_path / "report"
    result = runner.invoke(args=["report", "R2025", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "compared with 'R2024'" in result.output
    with (out / "aggregates.csv").open(encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        assert tuple(reader.fieldnames) == AGGREGATE_COLUMNS
        rows = list(reader)
    df = pd.DataFrame(rows)
    as_json = json.loads((out / "aggregates.json").read_text(encoding="utf-8"))
    assert len(as_json) == len(df)

    def cell(unit: str, index: str = "competence", role: str = "all") -> dict:
        hit = df[(df.unit_code == unit) & (df.role == role) & (df["index"] == index)]
        assert len(hit) == 1
        return hit.iloc[0].to_dict()

    planted = cell("EDU-A")
    assert planted["change"] == "improved"
    assert float(planted["delta"]) > 0
    assert float(planted["p_adjusted"]) < 0.05
    untouched = df[df.unit_code.isin(["EDU-B", "CARE-A", "CARE-B"]) & (df.role == "all")]
    compared = untouched[untouched["change"] != "not_comparable"]
    assert len(compared) >= 20
    share = (compared["change"] == "no_change").mean()
    assert share >= 0.8, compared["change"].value_counts()
    tiny = df[df.unit_code == "TINY"]
    assert (tiny["suppressed"] == "true").all()
    assert (tiny[["n", "score", "sd", "ci_low", "ci_high"]] == "").all().all()
    # TINY's two are fewer than k: at close they are stored under CITY, which takes its
    # smallest standing group (CARE-A's sixty) so no stored group is below k. Those are the
    # cells the suppression hid for TINY's sake before (CARE and CARE-A); both stay hidden,
    # since their stored respondents are no longer the people who answered there
    # (Round.moved_cells): no shown figure describes anyone but who answered in its unit.
    layer = {u: cell(u) for u in ("CITY", "EDU", "CARE", "TINY", "CARE-A")}
    hidden = {u for u, c in layer.items() if c["suppressed"] == "true"}
    assert hidden == {"TINY", "CARE-A", "CARE"}
    assert int(layer["CITY"]["n"]) - int(layer["EDU"]["n"]) == 60 + 60 + 2
    _check_reliability_against_raw_answers(out / "reliability.csv", "R2025", _answers(2025, 1.5))


def _check_reliability_against_raw_answers(path, round_name: str, answers: list[list]) -> None:
    """α per category and role from the database path equals pingouin's on the imported
    answers of that role, over that role's own items."""
    q = load_questionnaire(QUESTIONNAIRE)
    published = pd.read_csv(path, keep_default_na=False)
    assert list(published.columns) == [
        "round",
        "category",
        "role",
        "n",
        "items",
        "alpha",
        "ci_low",
        "ci_high",
        "imprecise",
        "alpha_below_070",
    ]
    for row in published.itertuples():  # the flag follows α, and is empty without one
        expected = "" if row.alpha == "" else str(float(row.alpha) < 0.70).lower()
        assert str(row.alpha_below_070).lower() == expected
    asked = [
        (c.id, role)
        for c in q.categories
        for role in ("employee", "manager", "specialist")
        if c.items_for(role)
    ]
    assert list(zip(published["category"], published["role"], strict=True)) == asked
    raw = pd.DataFrame(answers[1:], columns=answers[0])
    checked = 0
    for row in published.itertuples():
        assert row.round == round_name
        category = q.category(row.category)
        mine = raw[raw["role"] == row.role]
        columns = {}
        for item in category.items_for(row.role):
            x = pd.to_numeric(mine[item.id], errors="coerce")  # "" and "dk" are not answers
            s = category.scale
            columns[item.id] = s.min + s.max - x if item.reverse else x
        complete = pd.DataFrame(columns).dropna()
        assert (row.n, row.items) == (len(complete), len(category.items_for(row.role)))
        if len(complete) < 2:
            assert row.alpha == ""
            continue
        alpha, ci = pingouin.cronbach_alpha(data=complete)
        assert float(row.alpha) == pytest.approx(alpha, abs=1e-6)
        assert (float(row.ci_low), float(row.ci_high)) == pytest.approx(tuple(ci), abs=1e-3)
        assert str(row.imprecise).lower() == str(len(complete) < 30).lower()
        checked += 1
    assert checked >= 5  # every category employees answer


def test_report_bad_input(runner, two_years, tmp_path):
    out = tmp_path / "r"
    result = runner.invoke(args=["report", "R2025", "--out", str(out), "--format", "xml"])
    assert result.exit_code != 0
    assert "unknown or unavailable format 'xml'" in result.output
    assert not out.exists()
    result = runner.invoke(args=["report", "NOPE", "--out", str(out)])
    assert result.exit_code != 0 and "no round named 'NOPE'" in result.output
    result = runner.invoke(args=["report", "R2024", "--out", str(out), "--compare-to", "R2025"])
    assert result.exit_code != 0 and "later than" in result.output


def test_report_without_earlier_round(runner, two_years, tmp_path):
    result = runner.invoke(args=["report", "R2024", "--out", str(tmp_path), "--format", "csv"])
    assert result.exit_code == 0, result.output
    df = pd.read_csv(tmp_path / "aggregates.csv")
    assert set(df["change"]) == {"not_comparable"}
    assert not (tmp_path / "aggregates.json").exists()


def test_cached_statistics_are_used_and_refreshed(runner, two_years, tmp_path, db_session):
    from survey.models import Answer, Response, RoundStatistics, Unit
    from survey.models.responses import random_id
    from survey.services.rounds import get_round

    first, second = tmp_path / "a", tmp_path / "b"
    assert runner.invoke(args=["report", "R2025", "--out", str(first)]).exit_code == 0
    assert db_session.query(RoundStatistics).count() == 2
    assert runner.invoke(args=["report", "R2025", "--out", str(second)]).exit_code == 0
    assert (first / "aggregates.csv").read_bytes() == (second / "aggregates.csv").read_bytes()
    # Nothing adds answers to a closed round any more; a row written behind the application's
    # back must still not be hidden by a stale cache.
    rnd = get_round(db_session, "R2025")
    unit = db_session.query(Unit).filter_by(year=2025, code="EDU-B").one()
    rid = random_id()
    db_session.add(Response(id=rid, round_id=rnd.id, unit_id=unit.id, role="employee"))
    db_session.flush()
    for item in ("cap_workplace_1", "cap_workplace_2", "cap_workplace_3"):
        db_session.add(Answer(response_id=rid, item_id=item, value=4, scale_min=1, scale_max=6))
    db_session.commit()
    assert runner.invoke(args=["report", "R2025", "--out", str(second)]).exit_code == 0
    n = {
        path: pd.read_csv(path / "aggregates.csv")
        .query("unit_code == 'EDU-B' and role == 'all'")["n"]
        .max()
        for path in (first, second)
    }
    assert n[second] == n[first] + 1


def test_competence_gaps_agree_with_published_scores(app, two_years, db_session):
    from survey.services.report import round_figures

    figures = round_figures(db_session, "R2025", k=5)
    gaps = figures.gaps[~figures.gaps["suppressed"]]
    assert not gaps.empty and set(gaps["role"]) == {"employee"}
    agg = figures.aggregates.set_index(["unit_code", "role", "index"])
    for row in gaps.itertuples():
        score = agg.loc[(row.unit, row.role, row.category), "score"]
        # Competence levels 1–5 are rescaled linearly, so the mean level mirrors the mean score.
        assert row.mean_level == pytest.approx(1 + score / 100 * 4)
        assert row.gap == pytest.approx(row.target - row.mean_level)
        assert 0 <= row.share_below <= 1
    for _, unit in gaps.groupby("unit"):  # HR reads the gaps ranked within each unit
        assert list(unit.sort_values("rank")["gap"]) == sorted(unit["gap"], reverse=True)


def test_item_count_tables_come_from_sql(app, two_years, db_session):
    import sqlalchemy as sa

    from analysis.aggregate import rollup_counts
    from analysis.stats import mann_whitney_counts
    from survey.models import Answer
    from survey.services.rounds import get_round
    from survey.services.statistics import item_counts, tree_frame

    now, before = get_round(db_session, "R2025"), get_round(db_session, "R2024")
    counts = item_counts(db_session, now)
    answers = db_session.scalar(sa.select(sa.func.count()).select_from(Answer))
    assert counts["count"].sum() + item_counts(db_session, before)["count"].sum() == answers
    tree = tree_frame(db_session, 2025)[["unit", "parent"]]
    tables = {}
    for year, rnd in ((2025, now), (2024, before)):
        rolled = rollup_counts(item_counts(db_session, rnd), tree)
        cell = rolled[(rolled.unit == "EDU-A") & (rolled.role == "all")]
        cell = cell[cell.item == "comp_safety_1"].sort_values("value")
        tables[year] = cell["count"].to_numpy()
    _, p = mann_whitney_counts(tables[2025], tables[2024])
    assert p < 0.05  # the planted improvement shows in a single item too


@pytest.mark.parametrize("status", ["draft", "open"])
def test_report_refuses_a_round_that_is_not_closed(
    runner, make_round, tmp_path, status, db_session
):
    from survey.models import AuditLog
    from tests.conftest import table_snapshot

    make_round("LIVE", 2025, status=status)
    before = table_snapshot(runner.app)
    out = tmp_path / "out"
    result = runner.invoke(args=["report", "LIVE", "--out", str(out)])
    assert result.exit_code != 0
    assert f"round 'LIVE' is {status}" in result.output
    assert "closed or published" in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1
    assert not out.exists()
    assert table_snapshot(runner.app) == before
    assert "report.write" not in set(db_session.scalars(sa.select(AuditLog.action)))


def test_report_refuses_to_compare_with_an_open_round(runner, two_years, make_round, tmp_path):
    make_round("R2023", 2023, status="open")
    out = tmp_path / "out"
    result = runner.invoke(args=["report", "R2024", "--out", str(out), "--compare-to", "R2023"])
    assert result.exit_code != 0
    assert "comparison round 'R2023' is open" in result.output
    assert not out.exists()
    # Without --compare-to, an open earlier round is passed over, not used.
    result = runner.invoke(args=["report", "R2024", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "no earlier round to compare with" in result.output


def test_report_on_a_closed_round_is_audit_logged_without_figures(
    runner, two_years, tmp_path, db_session
):
    from survey.models import AuditLog

    out = tmp_path / "out"
    result = runner.invoke(args=["report", "R2025", "--out", str(out), "--format", "csv"])
    assert result.exit_code == 0, result.output
    entries = db_session.scalars(sa.select(AuditLog).where(AuditLog.action == "report.write"))
    (entry,) = entries.all()
    assert entry.detail == {"round": "R2025", "formats": ["csv"], "compare_round": "R2024"}
    assert entry.actor.startswith("cli")
    assert sorted(p.name for p in out.iterdir()) == [
        "aggregates.csv",
        "comparisons.csv",
        "datapackage.json",
        "dcat.jsonld",
        "estimates.csv",
        "fieldwork.csv",
        "gaps.csv",
        "indices.csv",
        "plan_areas.csv",
        "reliability.csv",
        "units.csv",
    ]
    runner.invoke(args=["round", "publish", "R2025"])
    assert runner.invoke(args=["report", "R2025", "--out", str(out)]).exit_code == 0
    count = sa.select(sa.func.count()).where(AuditLog.action == "report.write")
    assert db_session.scalar(count) == 2


def test_a_reported_round_never_reopens(runner, two_years, tmp_path, make_round):
    """Reopen, add one answer, close, report again: the difference would be that person."""
    make_round("R2026", 2026, status="closed")
    # Closing is final (it forgets who answered), so not even an unreported round reopens now.
    refused = runner.invoke(args=["round", "open", "R2026"])
    assert refused.exit_code != 0 and "är stängd och kan inte öppnas igen" in refused.output
    out = tmp_path / "out"
    assert runner.invoke(args=["report", "R2025", "--out", str(out)]).exit_code == 0
    for name in ("R2025", "R2024"):  # the round, and the round it was compared with
        result = runner.invoke(args=["round", "open", name])
        assert result.exit_code != 0
        assert f"Omgången '{name}' är stängd och kan inte öppnas igen" in result.output


def test_the_scan_counts_partial_respondents_per_composite(app, two_years, db_session):
    """``LeafStatistics.partial`` (read only by the disclosure rule) equals a count made from
    the raw answers through ``score_answers``; statistics cached without it are stale."""
    from analysis.scoring import ScoringPlan, score_answers
    from survey.models import Answer, Response, RoundStatistics, Unit
    from survey.models.responses import random_id
    from survey.services.report import round_figures
    from survey.services.rounds import get_round, snapshot_questionnaire
    from survey.services.statistics import cached

    rnd = get_round(db_session, "R2025")
    q = snapshot_questionnaire(db_session, rnd)
    # Everyone in the fixture answers everything; add a manager (behind the application's
    # back, as a closed round takes no answers) who skipped one whole category.
    unit = db_session.query(Unit).filter_by(year=2025, code="EDU-B").one()
    skipped = next(c for c in q.categories if c.items_for("manager") and c.dimension == "legacy")
    rid = random_id()
    db_session.add(Response(id=rid, round_id=rnd.id, unit_id=unit.id, role="manager"))
    db_session.flush()
    for item_id, (item, cat) in q.items.items():
        if "manager" in item.roles and cat is not skipped:
            db_session.add(
                Answer(response_id=rid, item_id=item_id, value=cat.scale.min,
                       scale_min=cat.scale.min, scale_max=cat.scale.max)
            )  # fmt: skip
    db_session.commit()
    rows = db_session.execute(
        sa.select(Response.id, Unit.code, Response.role, Answer.item_id, Answer.value)
        .join(Unit, Unit.id == Response.unit_id)
        .join(Answer, Answer.response_id == Response.id)
        .where(Response.round_id == rnd.id)
    ).all()
    answers = pd.DataFrame(rows, columns=["respondent", "unit", "role", "item", "value"])
    scores = score_answers(answers.drop(columns="unit"), q)
    plan, unit_of = ScoringPlan(q), dict(zip(answers["respondent"], answers["unit"], strict=True))
    expected: dict[tuple[str, str, str], int] = {}
    for person, own in scores.groupby("respondent"):
        role = own["role"].iloc[0]
        for composite in plan.partial_composites(
            role, dict(zip(own["index"], own["score"], strict=True))
        ):
            key = (unit_of[person], role, composite)
            expected[key] = expected.get(key, 0) + 1
    assert ("EDU-B", "manager", "maturity") in expected
    with app.app_context():  # the app's own session: the scan needs a transaction
        from survey.extensions import db

        round_figures(db.session, "R2025", k=5)  # scans the answers and caches them
        db.session.commit()
    stats = cached(db_session, rnd.id)
    assert stats is not None
    got = {(u, r, i): n for u, r, i, n in stats.partial.itertuples(index=False)}
    assert got == expected
    entry = db_session.get(RoundStatistics, rnd.id)
    entry.payload = {k: v for k, v in entry.payload.items() if k != "partial"}
    db_session.flush()
    assert cached(db_session, rnd.id) is None
