"""The figure services called directly on a real database: no HTTP, no CLI runner.

Two closed yearly rounds on the small tree are made through the services themselves (org
import, round creation, answer import, open and close), from answers drawn here. Then:

* :func:`survey.services.report.round_figures` equals :func:`analysis.figures.figures` called
  on the same answers gathered by the test itself (its own scan rows, tree, "vet ej" counts and
  identity mapping), not by the database readers;
* every shown cell's n and mean are those of the test's own scorer, and a gap shows exactly
  when its score cell does (``tests/analysis/test_figures_properties.check_cells``);
* :func:`survey.services.stored.figures` reads back, from the row closing stored, exactly
  what is computed;
* the stored item tables count the drawn answers (rolled up the tree) in every shown cell.

These are the service layer of ``make test-fast`` (docs/architecture.md, "Test layers").
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict

import numpy as np
import pandas as pd
import pytest
from sqlalchemy.orm import Session

from analysis.figures import Figures, RoundData, Rules, figures
from analysis.headline import Population
from analysis.instruments import Questionnaire, load_questionnaire
from analysis.nonresponse import Responses
from analysis.roles import ALL, ROLES
from analysis.sufficient import accumulate
from survey.sealing import Sealer
from survey.services import stored
from survey.services.errors import InputError, StateError
from survey.services.imports import import_responses
from survey.services.org import ORG_COLUMNS, ROLE_HEADCOUNTS, import_org
from survey.services.report import round_figures
from survey.services.rounds import create_round, get_round
from survey.services.settings import FigureSettings
from survey.services.tabular import Table
from survey.services.transitions import move_round
from tests.analysis.test_figures_properties import Person, check_cells, scan_rows, subtree
from tests.support.factory import QUESTIONNAIRE
from tests.survey.services.conftest import ORG

SEALER = Sealer(["a test installation's secret key"])
SETTINGS = FigureSettings()
# Every (unit, role) group has at least k = 5 people, so closing moves none up the tree
# (k-anonymity at rest) and the stored answers are exactly the drawn ones.
GROUPS = {
    2024: {
        ("EDU-A", "employee"): 6,
        ("EDU-A", "manager"): 5,
        ("EDU-B", "employee"): 7,
        ("EDU-B", "specialist"): 6,
        ("CARE", "manager"): 5,
    },
    2025: {
        ("EDU-A", "employee"): 8,
        ("EDU-A", "manager"): 5,
        ("EDU-B", "employee"): 6,
        ("EDU-B", "specialist"): 5,
        ("CARE", "employee"): 9,
        ("CARE", "manager"): 6,
        ("CARE", "specialist"): 5,
    },
}
FRAMES = ("aggregates", "reliability", "gaps", "comparisons", "units")
# People of each unit itself (employee, manager, specialist), never fewer than answered: the
# population of the estimates and of the standardised headline.
OWN = {
    "CITY": (2, 1, 1),
    "CARE": (20, 8, 6),
    "EDU": (1, 1, 0),
    "EDU-A": (12, 7, 1),
    "EDU-B": (10, 2, 8),
}


def draw(q: Questionnaire, year: int) -> list[Person]:
    """Every item of the role answered at random, "vet ej" (None) where the scale offers it."""
    rng = np.random.default_rng(year)
    people = []
    for (unit, role), count in GROUPS[year].items():
        for _ in range(count):
            answers: dict[str, int | None] = {}
            for cat in q.categories:
                for item in cat.items_for(role):
                    dont_know = cat.scale.dont_know and rng.random() < 0.1
                    x = int(rng.integers(cat.scale.min, cat.scale.max + 1))
                    answers[item.id] = None if dont_know else x
            people.append(Person(unit, role, answers))
    return people


def answer_table(q: Questionnaire, people: list[Person]) -> Table:
    """The people as an answers file: ``dk`` for "vet ej", blank for items not asked."""
    items = list(q.items)
    rows = [
        (p.unit, p.role, *("" if i not in p.answers else p.answers[i] or "dk" for i in items))
        for p in people
    ]
    return Table.of("answers", ("unit_code", "role", *items), rows)


@pytest.fixture
def rounds(session: Session) -> Iterator[dict[int, list[Person]]]:
    """R2024 and R2025, closed through the services, and the people who answered each."""
    q = load_questionnaire(QUESTIONNAIRE)
    drawn = {}
    for year in GROUPS:
        import_org(session, year, org_table())
        create_round(session, f"R{year}", year, "malmo-digital")
        drawn[year] = draw(q, year)
        import_responses(session, f"R{year}", answer_table(q, drawn[year]), sealer=SEALER)
        move_round(session, f"R{year}", "open")
        move_round(session, f"R{year}", "close", sealer=SEALER, settings=SETTINGS)
        session.commit()
    yield drawn


def tree() -> pd.DataFrame:
    """The small tree as the test knows it: preorder, siblings by code (as a year's tree is
    read from the database)."""
    frame = pd.DataFrame(
        [(code, name, parent or None) for code, name, parent in ORG],
        columns=["unit", "name", "parent"],
    )
    return frame.set_index("unit").loc[["CITY", "CARE", "EDU", "EDU-A", "EDU-B"]].reset_index()


def org_table() -> Table:
    """The small tree with each unit's headcounts per role, its sub-units' people included."""
    below = subtree(tree())
    rows = [
        (code, name, parent, *(sum(OWN[u][r] for u in below[code]) for r in range(3)))
        for code, name, parent in ORG
    ]
    return Table.of("org", (*ORG_COLUMNS, *ROLE_HEADCOUNTS), rows)


def reference(q: Questionnaire, people: list[Person], earlier: list[Person]) -> Figures:
    """``analysis.figures`` on the drawn answers: the test's own scan rows and counts."""
    answered: Counter[tuple[str, str, str]] = Counter()
    dont_know: Counter[tuple[str, str, str]] = Counter()
    for p in people:
        for item, x in p.answers.items():
            answered[(p.unit, p.role, item)] += 1
            dont_know[(p.unit, p.role, item)] += x is None
    answers = pd.DataFrame(
        [(*key, n, dont_know[key]) for key, n in answered.items()],
        columns=["unit", "role", "item", "answered", "dont_know"],
    )
    heads = pd.DataFrame(
        [(u, r, float(OWN[u][i])) for u in tree()["unit"] for i, r in enumerate(ROLES)],
        columns=["unit", "role", "headcount"],
    )
    population = Population(heads, "organisation")

    def data(name: str, year: int, who: list[Person]) -> RoundData:
        stats = accumulate(scan_rows(q, who), q)
        return RoundData(name, year, q, stats, tree(), SETTINGS.k, (), population)

    return figures(
        data("R2025", 2025, people),
        Responses(None, {code: None for code, _, _ in ORG}, answers),
        Rules(SETTINGS.k_homogeneous, SETTINGS.min_test_n),
        data("R2024", 2024, earlier),
        {code: code for code, _, _ in ORG},
    )


def same_gaps(found: pd.DataFrame, expected: pd.DataFrame) -> None:
    """Equal gap tables, but for the order of gaps equal in exact arithmetic: a mean level is
    a sum of levels over respondents, added in the database's order there (ballots are
    shuffled at close) and in the drawn order here, and the ranking breaks such a tie by the
    last bits of the two sums (reported; the published ranking is kept as it is)."""
    key = ["unit", "role", "category"]
    a = found.sort_values(key).reset_index(drop=True)
    b = expected.sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(a.drop(columns="rank"), b.drop(columns="rank"), rtol=1e-12)
    gap = b["gap"].round(9)
    tied = gap.duplicated(keep=False) & b.duplicated(["unit", "role"], keep=False)
    tied &= b.groupby(["unit", "role", gap], dropna=False)["gap"].transform("size").gt(1)
    assert a.loc[~tied, "rank"].equals(b.loc[~tied, "rank"])


def test_round_figures_equal_the_pipeline_on_the_same_answers(session, rounds) -> None:
    q = load_questionnaire(QUESTIONNAIRE)
    fig = round_figures(session, "R2025", SETTINGS.k)
    assert fig.compare is not None and fig.compare.name == "R2024" and fig.k == SETTINGS.k
    ref = reference(q, rounds[2025], rounds[2024])
    for name in FRAMES:
        if name != "gaps":
            pd.testing.assert_frame_equal(getattr(fig, name), getattr(ref, name), rtol=1e-12)
    same_gaps(fig.gaps, ref.gaps)
    assert fig.estimates is not None
    pd.testing.assert_frame_equal(fig.estimates.cells, ref.estimates.cells, rtol=1e-12)
    assert fig.estimates.source == "organisation" and fig.estimates.headline is not None
    found, expected = fig.estimates.headline, ref.estimates.headline
    assert expected is not None and found.keys() == expected.keys()
    assert found["compare_round"] == "R2024"
    for key, value in expected.items():
        assert found[key] == (value if isinstance(value, str) else pytest.approx(value, rel=1e-12))
    # Not only equal to the pipeline: true to the answers, and both years compared.
    check_cells(tree(), rounds[2025], fig)  # RoundFigures: the same frames as Figures
    agg = fig.aggregates
    shown = ~agg["suppressed"].astype(bool)
    assert shown.any() and (~shown).any()  # the small groups hide cells, the root shows
    assert agg.loc[shown & (agg["unit_code"] == "CITY"), "compare_score"].notna().any()
    # A comparison asked for explicitly: the same round, or a later one, is refused.
    with pytest.raises(InputError, match="compared with itself"):
        round_figures(session, "R2025", SETTINGS.k, compare_to="R2025")
    with pytest.raises(InputError, match="later than"):
        round_figures(session, "R2024", SETTINGS.k, compare_to="R2025")


def test_a_round_still_in_fieldwork_has_no_figures(session, new_round) -> None:
    """Two reports one response apart would give that response away: refused until close."""
    name = new_round()
    move_round(session, name, "open")
    with pytest.raises(StateError, match="only made from a closed or published round"):
        round_figures(session, name, SETTINGS.k)


def test_stored_figures_and_item_tables_read_back_what_is_computed(
    session, rounds, monkeypatch
) -> None:
    """Closing stored both; read back (never rebuilt), they equal a fresh build and count
    the drawn answers."""
    rnd = get_round(session, "R2025")
    assert stored.current(session, rnd, SETTINGS)  # closing stored them
    for name in ("round_figures", "item_table"):
        monkeypatch.setattr(stored, name, lambda *a, **k: pytest.fail("built, not read back"))
    kept = stored.figures(session, "R2025", SETTINGS)
    fresh = round_figures(session, "R2025", SETTINGS.k)
    for name in FRAMES:
        pd.testing.assert_frame_equal(getattr(kept, name), getattr(fresh, name))
    assert (kept.k, kept.compare) == (fresh.k, fresh.compare)
    assert [asdict(r) for r in kept.fieldwork] == [asdict(r) for r in fresh.fieldwork]
    assert kept.estimates is not None and fresh.estimates is not None
    pd.testing.assert_frame_equal(kept.estimates.cells, fresh.estimates.cells)
    assert kept.estimates.headline == fresh.estimates.headline
    # Other settings make other figures: the stored row is not served for them.
    assert not stored.current(session, rnd, FigureSettings(k=6))
    q = load_questionnaire(QUESTIONNAIRE)
    table = stored.items(session, rnd, kept, SETTINGS)
    below = subtree(tree())
    people = rounds[2025]
    seen = 0
    for unit in below:
        for role in (ALL, "employee", "manager", "specialist"):
            for row in table.rows(unit, role):
                if row.suppressed:
                    assert row.counts is None and row.n is None
                    continue
                who = [p for p in people if p.unit in below[unit] and role in (ALL, p.role)]
                values = [p.answers[row.item] for p in who if row.item in p.answers]
                scale = q.items[row.item][1].scale
                assert row.n == len(values) >= SETTINGS.k
                assert row.dont_know == values.count(None)
                assert row.counts == tuple(values.count(v) for v in range(scale.min, scale.max + 1))
                seen += 1
    assert seen > 0
