"""Figures stored once: closing stores a round's figures and item tables; a new app (a worker
that just started, its memory empty) serves every results page and the API from them without
building figures; what is stored equals what is computed; a stale row is rebuilt once."""

from __future__ import annotations

import re
import zlib
from dataclasses import asdict

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from survey import create_app
from survey.extensions import db
from survey.models import Round, StoredFigures
from survey.services import memo, stored
from survey.services.report import round_figures
from survey.services.settings import FigureSettings
from tests.survey.staff import Staff

TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$", re.MULTILINE)


@pytest.fixture
def fresh_app(app):
    """Make a second app on the same database, as a newly started worker: nothing in memory."""
    made = []

    def make(**config):
        memo.forget()
        keys = ("DATABASE_URL", "TESTING", "SECRET_KEY", "BASE_URL", "CLOSE_VERIFY_WAIT")
        made.append(create_app({**{key: app.config[key] for key in keys}, **config}))
        return made[-1]

    yield make
    for new in made:
        with new.app_context():
            db.engine.dispose()


def signed_in_admin(new_app, admin, clock) -> Staff:
    staff = Staff(new_app)
    staff.secret = admin.secret
    clock.advance(minutes=1)  # a new sign-in code: the old one was used
    staff.sign_in("admin@example.org", clock)
    assert staff.signed_in()
    return staff


class Builds:
    """Counts calls of the compute paths, failing the request if ``refuse`` is set."""

    def __init__(self, monkeypatch, refuse: bool) -> None:
        self.calls: list[str] = []
        for module, name in (
            ("survey.services.stored", "round_figures"),
            ("survey.services.stored", "item_table"),
            ("survey.services.report", "leaf_statistics"),
        ):
            original = getattr(__import__(module, fromlist=[name]), name)
            monkeypatch.setattr(f"{module}.{name}", self._wrap(name, original, refuse))

    def _wrap(self, name, original, refuse):
        def counted(*args, **kwargs):
            self.calls.append(name)
            if refuse:
                raise AssertionError(f"{name} was called: the figures should have been read")
            return original(*args, **kwargs)

        return counted


def ids(app) -> dict[str, int]:
    with app.app_context():
        return {r.name: r.id for r in db.session.scalars(sa.select(Round))}


def stored_rows(app) -> list[tuple[str, str, int]]:
    with app.app_context():
        query = sa.select(Round.name, StoredFigures.kind, StoredFigures.compare_key).join(Round)
        return sorted(tuple(r) for r in db.session.execute(query))


def test_closing_stores_figures_and_item_tables(app, two_years) -> None:
    assert stored_rows(app) == [
        ("R2024", "figures", 0),
        ("R2024", "items", 0),
        ("R2025", "figures", 0),
        ("R2025", "items", ids(app)["R2024"]),
    ]


@pytest.mark.parametrize("name", ["R2024", "R2025"])
def test_stored_figures_equal_computed_ones(app, two_years, name) -> None:
    with app.app_context():
        session = db.session()
        rnd = session.scalars(sa.select(Round).where(Round.name == name)).one()
        row = session.scalars(
            sa.select(StoredFigures).where(
                StoredFigures.round_id == rnd.id, StoredFigures.kind == "figures"
            )
        ).one()
        kept = stored.decode(session, rnd, stored.codec.unpack(row.payload))
        fresh = round_figures(session, name, int(app.config["K_ANONYMITY"]))
        for frame in stored.FRAMES:
            pd.testing.assert_frame_equal(getattr(kept, frame), getattr(fresh, frame))
        assert kept.k == fresh.k and kept.compare == fresh.compare
        assert [asdict(r) for r in kept.fieldwork] == [asdict(r) for r in fresh.fieldwork]
        assert kept.estimates is not None and fresh.estimates is not None
        pd.testing.assert_frame_equal(kept.estimates.cells, fresh.estimates.cells)
        assert kept.estimates.headline == fresh.estimates.headline
        assert (kept.estimates.source, kept.estimates.root, kept.estimates.weights) == (
            fresh.estimates.source,
            fresh.estimates.root,
            fresh.estimates.weights,
        )
        kept_items = stored.items(session, rnd, kept, FigureSettings.of(app.config))
        table = kept_items.rows("CITY", "all")
        assert table and table == stored.item_table(
            session,
            rnd,
            kept.k,
            fresh.compare,
            max(5, fresh.compare.k_min or 5) if fresh.compare else 5,
            int(app.config["K_HOMOGENEOUS"]),
            fresh.hidden_groups,
        ).rows("CITY", "all")


def test_a_new_worker_serves_every_results_page_without_building_figures(
    app, two_years, admin, clock, runner, monkeypatch, fresh_app
) -> None:
    rid = ids(app)["R2025"]
    new = fresh_app()
    staff = signed_in_admin(new, admin, clock)
    builds = Builds(monkeypatch, refuse=True)
    for path in (
        f"/dashboard/{rid}/",
        f"/dashboard/{rid}/units/EDU",
        f"/dashboard/{rid}/gaps",
    ):
        r = staff.get(path)
        assert r.status_code == 200, (path, builds.calls)
    token = runner.invoke(args=["token", "create", "admin@example.org", "--name", "t"]).output
    bearer = {"Authorization": f"Bearer {TOKEN.search(token).group(0)}"}
    api = new.test_client().get(f"/api/v1/rounds/{rid}/aggregates", headers=bearer)
    assert api.status_code == 200 and api.get_json(), api.get_data(as_text=True)[:300]
    assert builds.calls == []


def test_a_missing_or_stale_row_is_built_once(
    app, two_years, admin, clock, monkeypatch, fresh_app
) -> None:
    rid = ids(app)["R2025"]
    with app.app_context():  # a round closed before figures were stored
        db.session.execute(sa.delete(StoredFigures))
        db.session.commit()
    builds = Builds(monkeypatch, refuse=False)
    staff = signed_in_admin(fresh_app(), admin, clock)
    assert staff.get(f"/dashboard/{rid}/units/EDU").status_code == 200
    assert builds.calls.count("round_figures") == 1 and builds.calls.count("item_table") == 1
    staff = signed_in_admin(fresh_app(), admin, clock)
    assert staff.get(f"/dashboard/{rid}/units/EDU").status_code == 200
    assert builds.calls.count("round_figures") == 1  # read back, not built again
    # Another minimum group size: the stored figures do not apply and are replaced.
    staff = signed_in_admin(fresh_app(K_ANONYMITY=7), admin, clock)
    assert staff.get(f"/dashboard/{rid}/").status_code == 200
    rebuilt = builds.calls.count("round_figures")
    assert rebuilt > 1  # this round's and the trend's earlier round's
    staff = signed_in_admin(fresh_app(K_ANONYMITY=7), admin, clock)
    assert staff.get(f"/dashboard/{rid}/").status_code == 200
    assert builds.calls.count("round_figures") == rebuilt
    with app.app_context():
        kinds = db.session.scalars(
            sa.select(StoredFigures.kind).where(StoredFigures.round_id == rid)
        ).all()
    assert sorted(kinds) == ["figures", "items"]  # replaced, not added


def test_frames_read_back_equal() -> None:
    frame = pd.DataFrame(
        {
            "a": [1, 2, 3],
            "b": [0.1, float("nan"), 1 / 3],
            "c": pd.array([1, None, 3], dtype="Int64"),
            "d": ["x", None, "z"],
            "e": [True, False, True],
            "t": pd.to_datetime(["2025-01-01", "2025-06-30", None], utc=True),
            "f": pd.array([True, None, False], dtype="boolean"),
            "o": pd.Series(["a", "b", "a"], dtype=object),
            "m": pd.Series(["a", 1, None], dtype=object),
            "s": pd.Series(["x", None, "x"], dtype="str"),
            "g": pd.array([0.5, None, 2.0], dtype="Float64"),
        }
    )
    data = stored.codec.unpack(stored.codec.pack(stored.codec.frame_data(frame)))
    pd.testing.assert_frame_equal(stored.codec.data_frame(data), frame)
    series = pd.Series(
        [True, False], index=pd.MultiIndex.from_tuples([("A", "all"), ("B", "hr")]), name="s"
    ).rename_axis(["unit", "role"])
    data = stored.codec.unpack(stored.codec.pack(stored.codec.series_data(series)))
    pd.testing.assert_series_equal(stored.codec.data_series(data), series)


def test_stored_arrays_are_only_numbers() -> None:
    """A payload naming an object array is refused: arrays are read with ``frombuffer``, and
    only numbers and flags may come back from the database that way."""
    payload = stored.codec.pack({"x": np.array([1, 2])})
    body = zlib.decompress(payload).replace(b'"<i8"', b'"|O8"')
    with pytest.raises(ValueError, match="refused"):
        stored.codec.unpack(zlib.compress(body))


def test_a_warmed_worker_reads_nothing_on_its_first_requests(
    app, two_years, admin, clock, runner, monkeypatch, fresh_app
) -> None:
    """gunicorn's post_worker_init warms a new worker (``survey.warm``): afterwards its first
    pages and API call neither build nor read stored figures, and warming noted nothing as
    shown (only a request that shows figures may)."""
    from survey.models import AuditLog
    from survey.warm import warm

    rid = ids(app)["R2025"]
    new = fresh_app()
    with new.app_context():
        audited = db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog))
    warm(new)
    with new.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog)) == audited
    staff = signed_in_admin(new, admin, clock)
    builds = Builds(monkeypatch, refuse=True)

    def refused(*args, **kwargs):
        raise AssertionError("stored figures were read: the worker was not warm")

    for name in ("figures", "items"):
        monkeypatch.setattr(f"survey.services.stored.{name}", refused)
    for path in (f"/dashboard/{rid}/", f"/dashboard/{rid}/units/EDU", f"/dashboard/{rid}/gaps"):
        assert staff.get(path).status_code == 200, (path, builds.calls)
    token = runner.invoke(args=["token", "create", "admin@example.org", "--name", "t"]).output
    bearer = {"Authorization": f"Bearer {TOKEN.search(token).group(0)}"}
    api = new.test_client().get(f"/api/v1/rounds/{rid}/aggregates", headers=bearer)
    assert api.status_code == 200 and api.get_json()
    assert builds.calls == []


def test_row_lookup_gives_the_rows_as_python_values_with_none_for_missing() -> None:
    """The pages test ``is none`` on a cell's fields: NaN, NA and None all arrive as None and
    numbers as Python's own, as ``DataFrame.to_dict`` after ``where(notna, None)`` gives them."""
    from survey.services.row_lookup import RowLookup

    frame = pd.DataFrame(
        {
            "unit_code": ["A", "A", "B"],
            "role": ["all", "all", "hr"],
            "index": ["x", "y", "x"],
            "rate": [0.5, float("nan"), 1.0],
            "text": pd.Series(["a", None, "b"], dtype="str"),
            "n": pd.array([1, None, 2], dtype="Int64"),
            "shown": [True, False, True],
        }
    )
    lookup = RowLookup(frame, ("unit_code", "role"), "index")
    expected = frame.astype(object).where(frame.notna(), None).to_dict("records")
    got = lookup.get(("A", "all"), {})
    assert got == {"x": expected[0], "y": expected[1]}
    assert [type(v) for v in got["x"].values()] == [str, str, str, float, str, int, bool]
    assert got["y"]["rate"] is None and lookup.get(("C", "all"), {}) == {}
