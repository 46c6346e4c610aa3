"""The auditor against the demo city's published files: every table an outsider can download
(aggregates with their comparison columns, HR gaps) of all three years at once.

On the same demo published under the rule before the joint one (one index at a time, computed
here) the attack recovers small groups; on today's files, none.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import select

from analysis.audit import Attack, AuditRound, Group
from analysis.scoring import ScoringPlan
from survey.extensions import db
from survey.models import Round
from survey.services.rounds import snapshot_questionnaire
from survey.services.statistics import cached, code_mapping, tree_frame
from tests.privacy.cities import publish, publish_years
from tests.survey.test_demo_golden import REPORTS, _counter_ids, demo_reports

K = 5
Read = dict[tuple[str, str | None, str], pd.DataFrame]


def _rounds(app) -> tuple[dict[str, AuditRound], dict[str, dict[str, str]]]:
    """Each round as the attacker models it (true leaf counts to judge), and the code
    mappings of the earlier years onto 2026."""
    with app.app_context():
        session = db.session()
        rounds = {}
        for rnd in session.scalars(select(Round)):
            plan = ScoringPlan(snapshot_questionnaire(session, rnd))
            stats = cached(session, rnd.id)
            assert stats is not None, rnd.name  # the reports cached them
            rounds[rnd.name] = AuditRound(
                rnd.name,
                tree_frame(session, rnd.year)[["unit", "parent"]],
                stats.scores[["unit", "role", "index", "n"]],
                {role: dict(plan.index_categories[role]) for role in plan.index_categories},
            )
        mappings = {f"Mognad {y}": code_mapping(session, y, 2026) for y in (2024, 2025)}
    return rounds, mappings


def _attack(rounds: dict[str, AuditRound], mappings: dict, tables: Read) -> list[Group]:
    equations = Attack()
    for name, compare in REPORTS:
        aggregates = tables[(name, compare, "aggregates")]
        equations.aggregates(rounds[name], aggregates)
        equations.gaps(rounds[name], tables[(name, compare, "gaps")])
        if compare:
            new_tree = rounds[name].tree
            equations.comparisons(rounds[compare], aggregates, mappings[compare], new_tree)
    return equations.recovered(rounds.values(), K)


def _old_rule(app) -> Read:
    """The demo's aggregates as the rule before the joint one published them: one index at a
    time, last year's figures suppressed on this year's tree (no gaps: the aggregates suffice)."""
    with app.app_context():
        session = db.session()
        found = {r.name: r for r in session.scalars(select(Round))}
        leaf, tree, q = {}, {}, {}
        for name, rnd in found.items():
            stats = cached(session, rnd.id)
            assert stats is not None, name
            leaf[name], q[name] = stats.scores, snapshot_questionnaire(session, rnd)
            tree[name] = tree_frame(session, rnd.year)[["unit", "parent"]]
        mapping = {f"Mognad {y}": code_mapping(session, y, 2026) for y in (2024, 2025)}
    out: Read = {}
    no_gaps = pd.DataFrame(columns=["unit_code", "role", "category", "mean_level", "share_below"])
    for name, compare in REPORTS:
        if compare is None:
            rows = publish(q[name], leaf[name], tree[name], K, "old")
        else:
            _, rows = publish_years(
                q[name], leaf[compare], tree[compare], leaf[name], tree[name],
                mapping[compare], K, "old",
            )  # fmt: skip
        out[(name, compare, "aggregates")] = rows
        out[(name, compare, "gaps")] = no_gaps
    return out


@pytest.mark.slow
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_demo_files_give_no_small_group_away(app, runner, tmp_path, monkeypatch):
    _counter_ids(monkeypatch)
    folders = demo_reports(runner, tmp_path)
    rounds, mappings = _rounds(app)
    today: Read = {}
    for (name, compare), folder in folders.items():
        for table in ("aggregates", "gaps"):
            today[(name, compare, table)] = pd.read_csv(Path(folder) / f"{table}.csv")
    old = _attack(rounds, mappings, _old_rule(app))
    assert {g.round for g in old} == {"Mognad 2024", "Mognad 2025", "Mognad 2026"}, old
    assert _attack(rounds, mappings, today) == []
