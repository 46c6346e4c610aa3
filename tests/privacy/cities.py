"""Small cities for the disclosure tests: chosen group sizes, real scoring, both rules.

The respondents answer at random on each item's scale (so nobody's scores are equal by chance
of the design), are scored by ``analysis.scoring`` as the app scores them, and the cells are
published by ``build_aggregates`` under either suppression rule — the old one index at a time
or the joint rule — so that the auditor attacks exactly what would be published.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from analysis import disclosure
from analysis.aggregate import cells, rollup
from analysis.audit import Attack, AuditRound, Group
from analysis.comparison import build_aggregates
from analysis.disclosure import score_suppression
from analysis.families import default_families
from analysis.instruments import DONT_KNOW, Questionnaire, load_questionnaire
from analysis.scoring import ScoringPlan, applicable_indices, score_answers
from analysis.suppression import suppress_cells
from analysis.tree import unit_levels

QUESTIONNAIRE = Path(__file__).resolve().parents[2] / "questionnaires" / "malmo-digital.yaml"


def questionnaire() -> Questionnaire:
    return load_questionnaire(QUESTIONNAIRE)


def role_classes(q: Questionnaire) -> dict[str, object]:
    """The report's facts about ``q``'s roles, as keywords of ``score_suppression``."""
    return disclosure.role_rules(q)


def leaf_scores(
    q: Questionnaire, sizes: Mapping[tuple[str, str], int], seed: int = 0, missing: float = 0.0
) -> pd.DataFrame:
    """``unit, role, index, part, n, sum, sumsq`` of ``sizes[(unit, role)]`` random
    respondents; ``part`` is their signature for the auditor (:class:`analysis.audit.AuditRound`)
    , ``attrs["items"]`` holds their answer counts (``unit, role, item, value, count``)
    and ``attrs["partial"]`` counts the partial ones per (unit, role, composite) as the
    report's scan does (:meth:`analysis.scoring.ScoringPlan.partial_composites`)."""
    rng = np.random.default_rng(seed)
    answers = []
    person = 0
    for (unit, role), count in sizes.items():
        for _ in range(count):
            person += 1
            for item_id, (item, cat) in q.items.items():
                if role not in item.roles:
                    continue
                value = (
                    None
                    if rng.random() < missing
                    else int(rng.integers(cat.scale.min, cat.scale.max + 1))
                )
                answers.append((person, unit, role, item_id, value))
    frame = pd.DataFrame(answers, columns=["respondent", "unit", "role", "item", "value"])
    labels = frame.assign(value=[DONT_KNOW if pd.isna(v) else str(int(v)) for v in frame["value"]])
    items = labels.groupby(["unit", "role", "item", "value"], sort=False).size()
    scores = score_answers(frame.drop(columns="unit"), q)
    unit_of = dict(zip(frame["respondent"], frame["unit"], strict=False))
    plan = ScoringPlan(q)
    partial = {
        person: plan.partial_composites(
            str(group["role"].iloc[0]), dict(zip(group["index"], group["score"], strict=True))
        )
        for person, group in scores.groupby("respondent", sort=False)
    }
    part = scores["respondent"].map(
        lambda p: "partial:" + "+".join(partial[p]) if partial[p] else "exact"
    )
    scores = scores.assign(
        unit=scores["respondent"].map(unit_of), sq=scores["score"] ** 2, part=part
    )
    out = scores.groupby(["unit", "role", "index", "part"], sort=False).agg(
        n=("score", "size"), sum=("score", "sum"), sumsq=("sq", "sum")
    )
    people = scores.drop_duplicates("respondent")
    counts = (
        pd.DataFrame(
            [
                (u, r, c)
                for u, r, p in zip(
                    people["unit"], people["role"], people["respondent"], strict=True
                )
                for c in partial[p]
            ],
            columns=["unit", "role", "index"],
        )
        .groupby(["unit", "role", "index"])
        .size()
    )
    out = out.reset_index()
    out.attrs["items"] = items.rename("count").reset_index()
    out.attrs["partial"] = counts.rename("n").reset_index()
    return out


def publish(
    q: Questionnaire, leaf: pd.DataFrame, tree: pd.DataFrame, k: int, rule: str, k_hom: int = 10
) -> pd.DataFrame:
    """The aggregates a report would publish under ``rule``: "old" (one index at a time),
    "joint", or "joint-groups-only" (the joint rule without counting partial respondents)."""
    current = cells(rollup(leaf, tree, indices=list(q.indices)))
    if rule == "old":
        flags = suppress_cells(current[["unit", "role", "index", "n"]], tree, k)
        hidden = pd.Series(
            flags.to_numpy(), index=pd.MultiIndex.from_frame(current[["unit", "role", "index"]])
        )
    else:
        partial = None if rule == "joint-groups-only" else leaf.attrs.get("partial")
        hidden = score_suppression(
            current, tree, k, k_homogeneous=k_hom, partial=partial, **role_classes(q)
        )["suppressed"]
    levels = unit_levels(tree)
    meta = pd.DataFrame(
        {"unit": tree["unit"], "name": tree["unit"], "level": tree["unit"].map(levels)}
    )
    return build_aggregates(
        current,
        None,
        meta,
        round_name="R",
        year=2026,
        compare_round=None,
        suppressed=hidden,
        compare_suppressed=None,
        indices=list(q.indices),
        applicable=applicable_indices(q),
        families=default_families(q),
    )


def audit_round(q: Questionnaire, name: str, leaf: pd.DataFrame, tree: pd.DataFrame) -> AuditRound:
    plan = ScoringPlan(q)
    composites = {role: dict(plan.index_categories[role]) for role in plan.index_categories}
    counts = leaf[["unit", "role", "index", "part", "n"]]
    return AuditRound(name, tree, counts, composites, leaf.attrs.get("items"))


def publish_items(
    leaf: pd.DataFrame,
    tree: pd.DataFrame,
    k: int,
    rule: str,
    hidden_groups: Collection[tuple[str, str]] = (),
    k_hom: int = 10,
) -> pd.DataFrame:
    """The item distributions a results page would show (``unit, role, item, value, count``):
    "joint" as the app decides them (``survey.services.items``, with the score cells' hidden
    groups), "primary" hiding only cells below k (no complementary suppression)."""
    from survey.services import items

    rolled = items._rolled(leaf.attrs["items"], tree, None)
    if rule == "primary":
        cells = items._cells(rolled)
        keys = pd.MultiIndex.from_frame(cells[["unit", "role", "index"]])
        hidden = pd.Series(
            cells["n"].lt(k).to_numpy(), index=keys.set_names(["unit", "role", "item"])
        )
    else:
        hidden = items._hidden(rolled, tree, k, k_hom, hidden_groups)
    return items._blank(rolled, hidden)


def hidden_groups(published: pd.DataFrame, q: Questionnaire) -> set[tuple[str, str]]:
    """As ``RoundFigures.hidden_groups``: groups with a hidden category cell."""
    categories = {c.id for c in q.categories}
    rows = published[published["suppressed"].astype(bool) & published["index"].isin(categories)]
    return set(zip(rows["unit_code"], rows["role"], strict=True))


def attack(
    q: Questionnaire, leaf: pd.DataFrame, tree: pd.DataFrame, published: pd.DataFrame, k: int
) -> list[Group]:
    rnd = audit_round(q, "R", leaf, tree)
    equations = Attack()
    equations.aggregates(rnd, published)
    return equations.recovered([rnd], k)


def tree_frame(parents: Mapping[str, str | None]) -> pd.DataFrame:
    return pd.DataFrame({"unit": list(parents), "parent": list(parents.values())})


def publish_years(
    q: Questionnaire,
    old_leaf: pd.DataFrame,
    old_tree: pd.DataFrame,
    new_leaf: pd.DataFrame,
    new_tree: pd.DataFrame,
    mapping: Mapping[str, str],
    k: int,
    rule: str,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The old round's own aggregates and the new round's, with comparison columns, as the
    report makes them under ``rule``: "old" (the comparison round suppressed on the new tree,
    one index at a time), "joint" (its own decision on its own tree decides), or
    "joint-new-tree" (the joint rule, but the comparison suppressed on the new tree)."""
    from analysis.comparability import comparison_sides

    old_published = publish(q, old_leaf, old_tree, k, "old" if rule == "old" else "joint")
    current = cells(rollup(new_leaf, new_tree, indices=list(q.indices)))
    moved = old_leaf.assign(unit=old_leaf["unit"].map(mapping)).dropna(subset=["unit"])
    compare = cells(rollup(moved, new_tree, indices=list(q.indices)))
    keys = pd.MultiIndex.from_frame(current[["unit", "role", "index"]])
    sides = None
    if rule == "old":
        hidden = pd.Series(suppress_cells(current, new_tree, k).to_numpy(), index=keys)
        compare_hidden = pd.Series(suppress_cells(compare, new_tree, k).to_numpy(), index=keys)
    elif rule == "joint-new-tree":
        classes = role_classes(q)
        hidden = score_suppression(current, new_tree, k, **classes)["suppressed"]
        compare_hidden = score_suppression(compare, new_tree, k, **classes)["suppressed"]
    else:
        classes = role_classes(q)
        hidden = score_suppression(current, new_tree, k, **classes)["suppressed"]
        old_cells = cells(rollup(old_leaf, old_tree, indices=list(q.indices)))
        old_hidden = score_suppression(old_cells, old_tree, k, **classes)["suppressed"]
        sides = comparison_sides(
            current[["unit", "role", "index"]], old_leaf, old_tree, old_hidden, mapping, new_tree
        )
        sides.index = keys
        compare_hidden = sides.ne("")
    levels = unit_levels(new_tree)
    meta = pd.DataFrame(
        {"unit": new_tree["unit"], "name": new_tree["unit"], "level": new_tree["unit"].map(levels)}
    )
    new_published = build_aggregates(
        current,
        compare,
        meta,
        round_name="NEW",
        year=2026,
        compare_round="OLD",
        suppressed=hidden,
        compare_suppressed=compare_hidden,
        indices=list(q.indices),
        applicable=applicable_indices(q),
        compare_applicable=applicable_indices(q),
        reasons=True,
        compare_sides=sides,
        families=default_families(q),
    )
    return old_published, new_published
