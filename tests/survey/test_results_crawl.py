"""One source of truth: a crawl of every results page, chart, download and API response, as
each kind of reader, finds only the engine's figures and never a hidden one.

The data (``tests.support.crawl``) puts canary respondents in cells below k; their unsuppressed
scores, computed by the engine with suppression switched off, are searched for in every
response. Each surface's figures are then read back with the per-surface helpers the other
results tests use and compared with ``round_figures`` for the same cell.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections import Counter
from urllib.parse import parse_qsl, urlsplit

import pandas as pd
import pytest
import sqlalchemy as sa

import analysis.figures as figure_pipeline
from analysis.opendata import to_records
from survey.extensions import db
from survey.models import PublishedFile, Round
from survey.services.report import round_figures
from tests.support.crawl import Crawl, csv_rows, pdf_text, text_of, xlsx_rows
from tests.support.report_html import number
from tests.support.results import ORG
from tests.support.tables import cells, table, tables
from tests.survey.dashboard_pages import assert_row_matches, labels
from tests.survey.gap_pages import CODE, assert_shows, cell, svg_rows
from tests.survey.staff import signed_in

TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$", re.MULTILINE)
START = ("/results/", "/dashboard/", "/api/v1/rounds", "/api/openapi.json")
NAMES = {code: name for code, name, _ in ORG[1:]}
BY_NAME = {name: code for code, name in NAMES.items()}
SUBTREE = {"EDU", "EDU-A", "EDU-B"}
FIGURES = ("score", "sd", "ci_low", "ci_high", "delta", "delta_ci_low", "delta_ci_high")
#: What a staff crawl must reach, round ids as N (items.svg: every category's chart).
STAFF_SURFACES = {
    "/dashboard/N/", "/dashboard/N/gaps", "/dashboard/N/gaps.svg", "/dashboard/N/gaps.xlsx",
    "/dashboard/N/charts/scores.svg", "/dashboard/N/charts/trend.svg",
    "/dashboard/N/charts/compare.svg", "/dashboard/N/charts/items.svg",
}  # fmt: skip
#: Who crawls on which database: each reader's crawl takes seconds, so the staff crawls are
#: split between the two (the public and the token's are cheap and run on both).
IDENTITIES = {
    "sqlite": ("admin", "anonymous", "token"),
    "postgresql": ("hr", "manager", "anonymous", "token"),
}
NUMBER = re.compile(r"\d+(?:[.,]\d+)?(?:e-?\d+)?")
N_SHOWN = re.compile(r"\bn\s*=\s*(\d+)|(\d+)\s+(?:svar|responses|respondenter|respondents)\b")


def _figures(app, name: str) -> pd.DataFrame:
    with app.app_context():
        return round_figures(db.session(), name, int(app.config["K_ANONYMITY"])).aggregates


def _forms(value: float) -> set[str]:
    one, six = f"{value:.1f}", f"{value:.6f}".rstrip("0")
    return {one, one.replace(".", ","), repr(value)} | ({six} if not six.endswith(".") else set())


def _nothing_hidden(current: pd.DataFrame, *_: object, **__: object) -> pd.DataFrame:
    """The disclosure decision switched off: every cell shown."""
    keys = pd.MultiIndex.from_frame(current[["unit", "role", "index"]])
    return pd.DataFrame({"suppressed": False, "reason": ""}, index=keys)


def canaries(app, monkeypatch, shown: dict[str, pd.DataFrame]) -> dict[str, tuple]:
    """Every written form of the figures of cells below k, as the engine computes them with
    suppression switched off; minus any form a visible cell legitimately has."""
    with monkeypatch.context() as m:
        m.setattr(figure_pipeline, "score_suppression", _nothing_hidden)
        raw = {name: _figures(app, name) for name in shown}
    k = int(app.config["K_ANONYMITY"])
    legit: set[str] = set()
    for frame in shown.values():
        for col in FIGURES:
            legit |= {f for v in frame[col].dropna() for f in _forms(float(v))}
    out = {}
    for name, frame in raw.items():
        small = frame[(frame["n"] > 0) & (frame["n"] < k)]
        for row in small.to_dict("records"):
            for col in ("score", "ci_low", "ci_high"):
                if pd.notna(row[col]) and not _forms(float(row[col])) & legit:
                    for form in _forms(float(row[col])):
                        out[form] = (name, row["unit_code"], row["role"], row["index"], col)
    return out


def _find_canary(text: str, forms: dict[str, tuple]) -> list[tuple[str, tuple]]:
    """Every whole number written in ``text`` that is a canary's form."""
    return [(t, forms[t]) for t in set(NUMBER.findall(text)) if t in forms]


def _row(frame: pd.DataFrame, unit: str, role: str, index: str) -> dict:
    match = frame[(frame.unit_code == unit) & (frame.role == role) & (frame["index"] == index)]
    assert len(match) == 1, (unit, role, index)
    return {k: (None if pd.isna(v) else v) for k, v in match.iloc[0].to_dict().items()}


class Reader:
    """Checks one response against the figures of its round; counts what it compared."""

    def __init__(self, app, figures: dict, root: str, scope: set[str] | None = None) -> None:
        self.figures, self.root, self.scope = figures, root, scope
        self.k = int(app.config["K_ANONYMITY"])
        self.labels = {v: k for k, v in labels().items()}
        self.compared: dict[str, int] = {}

    def count(self, kind: str, n: int = 1) -> None:
        self.compared[kind] = self.compared.get(kind, 0) + n

    def check(self, url: str, r) -> None:
        parts = urlsplit(url)
        query = dict(parse_qsl(parts.query))
        found = re.match(r"/(dashboard|results|api/v1/rounds)/(\d+)/(.*)$", parts.path)
        if not found or r.status_code != 200 or int(found.group(2)) not in self.figures:
            return
        fig = self.figures[int(found.group(2))]
        agg, rest = fig.aggregates, found.group(3)
        body = r.get_data(as_text=r.mimetype != "application/pdf" and "xml" not in r.mimetype)
        if found.group(1) == "dashboard" and "compare" not in query and "lang" not in query:
            role = query.get("role", "all")
            if rest == "" and "index" not in query:
                for cells_ in table(body, "scores-table"):
                    unit = query.get("unit", self.root)
                    assert_row_matches(cells_[1:], _row(agg, unit, role, self.labels[cells_[0]]))
                    self.count("overview")
            elif rest.startswith("units/"):
                index = query.get("index", "maturity")
                for cells_ in table(body, "tree-table"):
                    assert_row_matches(cells_[1:], _row(agg, BY_NAME[cells_[0]], role, index))
                    self.count("drill-down")
            elif rest in ("gaps", "gaps.svg"):
                self._gaps(fig, rest, query.get("role", "employee"), body)
        elif rest == "aggregates":
            rows = [row for row in to_records(agg) if all(
                row[{"unit": "unit_code"}.get(k, k)] == v for k, v in query.items())]  # fmt: skip
            if self.scope is not None and fig.round.status != "published":
                rows = [row for row in rows if row["unit_code"] in self.scope]
            got = json.loads(body)["rows"]
            assert got == rows, url
            assert all(row["n"] is None or row["n"] >= self.k for row in got), url
            self.count("api rows", len(rows))
        elif rest.startswith("files/"):
            self._file(rest.removeprefix("files/"), fig, r)

    def _gaps(self, fig, rest: str, role: str, body) -> None:
        categories = [
            c.id for c in fig.questionnaire.categories
            if c.dimension == "competence" and role in c.target
        ]  # fmt: skip
        if rest == "gaps":
            shown = {CODE.search(row[0]).group(1): row[1:]
                     for row in tables(body)["heatmap-caption"][1:]}  # fmt: skip
        else:
            shown = svg_rows(body, len(categories))
        for code, texts in shown.items():
            for text, category in zip(texts, categories, strict=True):
                assert_shows(text, cell(fig.gaps, code, role, category))
                self.count("heatmap")

    def _file(self, name: str, fig, r) -> None:
        agg, records = fig.aggregates, to_records(fig.aggregates)
        if name == "aggregates.json":
            assert json.loads(r.get_data()) == records
            assert all(row["n"] is None or row["n"] >= self.k for row in records)
            self.count("aggregates.json", len(records))
        elif name == "aggregates.csv":
            rows = csv_rows(r.get_data())
            assert len(rows) == len(records)
            for got, want in zip(rows, records, strict=True):
                for col in ("n", *FIGURES):
                    value = want[col]
                    assert (got[col] == "") if value is None else float(got[col]) == value, col
            self.count("aggregates.csv", len(rows))
        elif name == "aggregates.xlsx":
            sheet = next(s for s in xlsx_rows(r.get_data()).values() if s and "score" in s[0])
            assert len(sheet) == len(records)
            for got, want in zip(sheet, records, strict=True):
                for col in ("n", "score", "ci_low", "ci_high"):
                    value = want[col]
                    assert got[col] is None if value is None else abs(got[col] - value) < 1e-6
            self.count("aggregates.xlsx", len(sheet))
        elif name in ("report.html", "report.en.html"):
            lang = "en" if ".en." in name else "sv"
            shown = cells(r.get_data(as_text=True))
            for row in agg.to_dict("records"):
                got = shown[f"{row['unit_code']}|{row['role']}|{row['index']}"]
                if row["suppressed"]:
                    assert not re.search(r"\d", got["text"]), got
                    continue
                for col, digits in (("n", 0), ("score", 1), ("delta", 1)):
                    value, text = row[col], number(got[col], lang)
                    if pd.isna(value):
                        assert text is None, (row, col)
                    else:
                        assert text is not None and abs(text - round(value, digits)) < 1e-9
                self.count(name)
        elif name == "report.pdf":
            text = pdf_text(r.get_data())
            # The city's "all" cells are hidden (the canary managers and specialists, five, all
            # answering alike, make them homogeneous below K_HOMOGENEOUS): said, never shown.
            root = _row(agg, "CITY", "all", "maturity")
            if root["suppressed"]:
                assert "Organisationens mognad kan inte redovisas" in text
            else:
                assert f"{root['score']:.1f}".replace(".", ",") in text
            tiny = [line for line in text.splitlines() if NAMES["TINY"] in line]
            assert tiny and not [line for line in tiny if re.search(r"\d", line)], tiny
            self.count("report.pdf", _pdf_units(text, agg))


def _pdf_units(text: str, agg: pd.DataFrame) -> int:
    """The PDF's page per förvaltning: a shown one's maturity is in the text, and the lines
    naming one whose cells are all hidden carry no score. (The PDF has no grid of every cell:
    the HTML report's appendix and the open data have them, checked above.)"""
    units = agg[(agg.unit_level == 1) & (agg.role == "all") & (agg["index"] == "maturity")]
    for row in units.itertuples():
        lines = [line for line in text.splitlines() if row.unit_name in line]
        assert lines, row.unit_name
        part = agg[(agg.unit_code == row.unit_code) & (agg.role == "all")]
        if part.suppressed.all():  # no score (its response count may show, from k up)
            assert not [line for line in lines if re.search(r"\d+,\d", line)], lines
        elif not row.suppressed:
            assert f"{row.score:.1f}".replace(".", ",") in text, row.unit_name
    return len(units)


def crawl_as(
    get, reader: Reader, canary: dict, extra: tuple[str, ...], done: set, choose: bool = True
) -> dict:
    """Crawl, then check every response: no canary, every n at least k, figures as engine's
    (a response another reader got byte for byte, ``done``, was checked already)."""
    seen = Crawl(get, START + extra, choose=choose).run()
    for url, r in seen.items():
        key = (url, hashlib.sha256(r.get_data()).hexdigest())
        if r.status_code != 200 or key in done:
            continue
        done.add(key)
        text = text_of(r)
        leaked = _find_canary(text, canary)
        assert not leaked, (url, leaked[:3])
        for a, b in N_SHOWN.findall(text):
            assert int(a or b) >= reader.k, (url, a or b)
        if r.mimetype == "text/html":
            reader.count("n shown", n_columns(r.get_data(as_text=True), reader.k, url))
        reader.check(url, r)
    return seen


def n_columns(page: str, k: int, url: str) -> int:
    """In every table with an "n" column: each n shown is at least k, and a row whose n is
    hidden shows no figure in any other column (its label aside)."""
    checked = 0
    for caption, rows in tables(page).items():
        head = next((row for row in rows if "n" in row), None)
        if head is None:
            continue
        at = head.index("n")
        for row in rows[rows.index(head) + 1 :]:
            if len(row) <= at:
                continue
            if re.fullmatch(r"[\d\s]+", row[at]):
                assert int(re.sub(r"\s", "", row[at])) >= k, (url, caption, row)
                checked += 1
            else:
                assert not [c for c in row[1:] if re.search(r"\d", c)], (url, caption, row)
    return checked


def kinds(seen: dict) -> set[str]:
    out = set()
    for url, r in seen.items():
        if r.status_code == 200:
            path = re.sub(r"/\d+/", "/N/", urlsplit(url).path)
            out.add(re.sub(r"/charts/items-[a-z_]+", "/charts/items", path))
    return out


@pytest.fixture
def world(app, runner, write_csv, clock, db_session):
    from tests.support.crawl import load_canary_years

    load_canary_years(runner, write_csv)
    assert runner.invoke(args=["round", "publish", "R2025"]).exit_code == 0
    ids = dict(db_session.execute(sa.select(Round.id, Round.name)).all())
    files = set(db_session.scalars(sa.select(PublishedFile.filename)))
    return {v: k for k, v in ids.items()}, files


@pytest.mark.parametrize("database_url", list(IDENTITIES), indirect=True)
def test_every_surface_shows_the_engines_figures_and_no_hidden_one(
    app, runner, clock, monkeypatch, world, request
) -> None:
    database = request.node.callspec.params["database_url"]
    ids, files = world
    rid, closed = ids["R2025"], ids["R2024"]
    shown = {name: _figures(app, name) for name in ids}
    canary = canaries(app, monkeypatch, shown)
    # the canary cells are there, with values no visible cell has; the canary groups (fewer
    # than k in TINY, EDU-B and CARE-B) are stored under CITY at close (k-anonymous storage)
    assert {w[1] for w in canary.values()} >= {"CITY"}, canary
    assert len(canary) >= 12, canary
    api = f"/api/v1/rounds/{rid}/aggregates"
    filters = tuple(f"{api}?unit={u}" for u in NAMES) + (
        f"{api}?role=specialist", f"{api}?index=maturity", f"{api}?unit=EDU-B&role=specialist",
    )  # fmt: skip
    admin = signed_in(app, runner, clock, "admin@example.org", "admin")
    hr = signed_in(app, runner, clock, "hr@example.org", "hr")
    boss = signed_in(app, runner, clock, "boss@example.org", "manager", "EDU")
    out = runner.invoke(args=["token", "create", "boss@example.org", "--name", "crawl"]).output
    token = TOKEN.search(out).group(0)
    client = app.test_client()
    bearer = {"Authorization": f"Bearer {token}"}
    with app.app_context():
        k = int(app.config["K_ANONYMITY"])
        figures = {ids[name]: round_figures(db.session(), name, k) for name in ids}

    crawled = {}
    done: set = set()
    for who, get, root, scope in (
        ("admin", admin.get, "CITY", None),
        ("hr", hr.get, "CITY", None),
        ("manager", boss.get, "EDU", SUBTREE),
        ("anonymous", client.get, "CITY", None),
        ("token", lambda u: client.get(u, headers=bearer), "EDU", SUBTREE),
    ):
        if who not in IDENTITIES[database]:
            continue
        t0 = time.time()
        reader = Reader(app, figures, root, scope)
        # hr sees what admin sees: where both crawl, hr follows the links only
        choose = who != "hr" or "admin" not in IDENTITIES[database]
        english = tuple(f"{u}{'&' if '?' in u else '?'}lang=en" for u in (
            f"/results/{rid}/", f"/dashboard/{rid}/", f"/dashboard/{rid}/units/{root}?role=all",
            f"/dashboard/{rid}/gaps", f"/dashboard/{rid}/charts/scores.svg?unit={root}",
        ))  # fmt: skip
        seen = crawl_as(get, reader, canary, filters + english, done, choose)
        crawled[who] = (seen, reader.compared)
        print(who, len(seen), time.time() - t0, reader.compared)

    # The crawl reached every kind of surface.
    lead = "admin" if "admin" in crawled else "hr"
    staff = kinds(crawled[lead][0])
    for rnd in (rid, closed):
        for code in NAMES:
            assert f"/dashboard/{rnd}/units/{code}" in {
                urlsplit(u).path for u in crawled[lead][0]}  # fmt: skip
    assert staff >= STAFF_SURFACES, STAFF_SURFACES - staff
    assert '<html lang="en"' in crawled[lead][0][f"/dashboard/{rid}/?lang=en"].get_data(
        as_text=True
    )
    public = {urlsplit(u).path for u in crawled["anonymous"][0]}
    assert {f"/results/{rid}/files/{name}" for name in files} <= public
    compared = sum((Counter(c) for _, c in crawled.values()), Counter())
    for kind in ("overview", "drill-down", "heatmap", "api rows", "aggregates.json",
                 "aggregates.csv", "aggregates.xlsx", "report.html", "report.en.html",
                 "report.pdf", "n shown"):  # fmt: skip
        assert compared.get(kind, 0) > 0, (kind, compared)

    # The manager never reaches a unit outside EDU; anonymous never the unpublished round.
    for url, r in crawled.get("manager", ({}, {}))[0].items():
        if url.startswith("/dashboard/") and r.status_code == 200:
            units = set(re.findall(r"/units/([A-Z-]+)", url)) | {
                v for k, v in parse_qsl(urlsplit(url).query) if k == "unit"}  # fmt: skip
            assert units <= SUBTREE, url
            text = text_of(r)
            assert not [n for c, n in NAMES.items() if c not in SUBTREE and n in text], url
    if "manager" in crawled:
        assert crawled["manager"][1].get("drill-down", 0) > 0
    for url in crawled["anonymous"][0]:
        assert not re.search(rf"/{closed}(/|$)", urlsplit(url).path), url
    listed = json.loads(crawled["anonymous"][0]["/api/v1/rounds"].get_data())["rounds"]
    assert [x["name"] for x in listed] == ["R2025"]
    assert crawled["token"][0][f"/api/v1/rounds/{closed}/aggregates"].status_code == 200
    for url in ("/results/{}/", "/results/{}/files/aggregates.csv", "/api/v1/rounds/{}/aggregates"):
        hidden, unknown = client.get(url.format(closed)), client.get(url.format(9999))
        assert hidden.status_code == unknown.status_code == 404, url
        same = [re.sub(rf"(?<!\d)({closed}|9999)(?!\d)".encode(), b"X", x.get_data())
                for x in (hidden, unknown)]  # fmt: skip
        assert same[0] == same[1], url
