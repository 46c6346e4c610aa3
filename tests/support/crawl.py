"""A crawl of every results surface, and the canary answers that make a leak findable.

The canary: respondents in cells below k (``TINY``'s two, two specialists in ``EDU-B``, three
managers in ``CARE-B``) answer one fixed, near-top pattern, so the scores of the cells they
alone make up are values no visible cell has. A crawl that finds such a value anywhere (as
"93,3", "93.3" or the raw float) has found a figure that suppression should have hidden.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from html import unescape
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit
from xml.etree import ElementTree

import pypdf
from click.testing import Result
from flask.testing import FlaskCliRunner
from openpyxl import load_workbook
from werkzeug.test import TestResponse

from analysis.instruments import load_questionnaire
from tests.support.factory import QUESTIONNAIRE, WriteCsv, create_round
from tests.support.forms import parse
from tests.support.results import ORG, YEARS, answers

#: Small role cells inside visible units: (unit, role, how many), beside TINY's two employees.
CANARIES = (("TINY", "employee", 2), ("EDU-B", "specialist", 2), ("CARE-B", "manager", 3))
PREFIXES = ("/results", "/dashboard", "/api", "/method")
LINK = re.compile(r"""\b(href|src)\s*=\s*["']([^"']+)["']""")
TAG = re.compile(r"<[^>]+>")
FILE = re.compile(r"\.(svg|xlsx|csv|json|pdf)$")


def canary_row(header: list[str], unit: str, role: str) -> list[object]:
    """One respondent of the fixed pattern: the top answer, one below it on every second item
    of a category, nothing on the items the role is not asked."""
    q = load_questionnaire(QUESTIONNAIRE)
    row: list[object] = [unit, role]
    for name in header[2:]:
        item, category = q.items[name]
        if role not in item.roles:
            row.append("")
            continue
        position = [i.id for i in category.items].index(name)
        row.append(category.scale.max - position % 2)
    return row


def _ok(result: Result) -> None:
    assert result.exit_code == 0, result.output


def load_canary_years(runner: FlaskCliRunner, write_csv: WriteCsv) -> tuple[str, str]:
    """``load_two_years`` with the canary respondents in place of some of the generated ones."""
    for year, planted in YEARS:
        org = write_csv(f"org{year}.csv", ORG)
        _ok(runner.invoke(args=["org", "import", "--year", str(year), str(org)]))
        create_round(runner, write_csv, f"R{year}", year, "invited", "draft", False)
        header, *rows = answers(year, planted)
        for unit, role, count in CANARIES:
            mine = [i for i, r in enumerate(rows) if r[0] == unit][:count]
            assert len(mine) == count, (unit, count)
            for i in mine:
                rows[i] = canary_row(header, unit, role)
        path = write_csv(f"answers{year}.csv", [header, *rows])
        _ok(runner.invoke(args=["responses", "import", f"R{year}", str(path)]))
        for move in ("open", "close"):
            _ok(runner.invoke(args=["round", move, f"R{year}"]))
    return "R2024", "R2025"


# --- reading any response as text ------------------------------------------------------------


def html_text(page: str) -> str:
    return " ".join(unescape(TAG.sub(" ", page)).split())


def svg_text(body: bytes) -> str:
    """Every text node of the SVG, its ``<title>`` and ``<desc>`` included."""
    root = ElementTree.fromstring(body)
    return " ".join(" ".join(root.itertext()).split())


def xlsx_text(body: bytes) -> str:
    """Every cell of every sheet, numbers as Python writes them (the raw floats)."""
    book = load_workbook(io.BytesIO(body), read_only=True)
    out = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows(values_only=True):
            out.append("\t".join("" if v is None else str(v) for v in row))
    return "\n".join(out)


def xlsx_rows(body: bytes) -> dict[str, list[dict[str, object]]]:
    """Every sheet's rows keyed by its header row."""
    book = load_workbook(io.BytesIO(body), read_only=True)
    out = {}
    for sheet in book.worksheets:
        rows = list(sheet.iter_rows(values_only=True))
        head = [str(h) for h in rows[0]] if rows else []
        out[sheet.title] = [dict(zip(head, r, strict=False)) for r in rows[1:]]
    return out


def pdf_text(body: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(body))
    return "\n".join(page.extract_text() for page in reader.pages)


def csv_rows(body: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


KINDS: dict[str, Callable[[bytes], str]] = {
    "text/html": lambda b: html_text(b.decode("utf-8")),
    "image/svg+xml": svg_text,
    "text/csv": lambda b: b.decode("utf-8-sig"),
    "application/json": lambda b: b.decode("utf-8"),
    "application/ld+json": lambda b: b.decode("utf-8"),
    "application/problem+json": lambda b: b.decode("utf-8"),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": xlsx_text,
    "application/pdf": pdf_text,
}


def text_of(r: TestResponse) -> str:
    """What a reader of the response can see, by its content type (unknown types fail)."""
    assert r.mimetype in KINDS, (r.request.path, r.mimetype)
    return KINDS[r.mimetype](r.get_data())


# --- the crawl ------------------------------------------------------------------------------


def links_of(r: TestResponse, url: str, resources_only: bool = False) -> list[str]:
    """Same-site addresses under the results prefixes that the response points to (only what
    it embeds, ``src``, with ``resources_only``)."""
    found: list[str] = []
    if r.mimetype == "text/html":
        found = [
            unescape(h)
            for attr, h in LINK.findall(r.get_data(as_text=True))
            if attr == "src" or not resources_only or FILE.search(h.split("?")[0])
        ]
    elif r.mimetype == "application/json":
        found = list(_json_urls(json.loads(r.get_data())))
    out = []
    for href in found:
        parts = urlsplit(urljoin(url, href))
        if parts.netloc not in ("", "mognad.test", "localhost"):
            continue
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if parts.path.startswith(PREFIXES):
            out.append(path)
    return out


def _json_urls(value: object) -> Iterable[str]:
    if isinstance(value, dict):
        for key, v in value.items():
            if isinstance(v, str) and key.endswith("url") and v.startswith("/"):
                yield v
            else:
                yield from _json_urls(v)
    elif isinstance(value, list):
        for v in value:
            yield from _json_urls(v)


@dataclass
class Crawl:
    """Breadth-first from ``start``; every response kept by address (redirects not followed)."""

    get: Callable[[str], TestResponse]
    start: tuple[str, ...]
    seen: dict[str, TestResponse] = field(default_factory=dict)
    tried: set[tuple[str, str, str]] = field(default_factory=set)
    chosen: set[str] = field(default_factory=set)
    choose: bool = True

    def choices(self, r: TestResponse, url: str) -> list[str]:
        """The GET forms' choices (role, index, comparison round, unit), each option of each
        select once per kind of page: what a reader can pick without typing an address."""
        out = []
        current = dict(parse_qsl(urlsplit(url).query))
        for form in parse(r, url).forms:
            action = urlsplit(urljoin(url, form.action or url)).path
            if form.method != "get" or not action.startswith(PREFIXES):
                continue
            kind = re.sub(r"/units/[^/]+", "/units/X", action)
            base = dict(form.hidden)
            base.update({k: current.get(k, opts[0]) for k, opts in form.selects.items() if opts})
            for name, options in form.selects.items():
                for option in options:
                    # every index once, on one round: the drill-downs of the others are alike
                    where = re.sub(r"/\d+/", "/N/", kind) if name == "index" else kind
                    if (where, name, option) in self.tried:
                        continue
                    self.tried.add((where, name, option))
                    query = {k: v for k, v in {**base, name: option}.items() if v != ""}
                    out.append(f"{action}?{urlencode(query)}" if query else action)
        self.chosen.update(out)
        return out

    def run(self, limit: int = 2000) -> dict[str, TestResponse]:
        queue = deque(self.start)
        while queue:
            url = queue.popleft()
            if url in self.seen:
                continue
            assert len(self.seen) < limit, f"more than {limit} addresses: the crawl runs away"
            r = self.get(url)
            self.seen[url] = r
            if r.status_code != 200:
                continue
            # A page reached by a choice is read with its charts; its links are the same
            # pages as the ones the crawl reaches anyway, with the choice carried along.
            picked = url in self.chosen
            queue.extend(u for u in links_of(r, url, picked) if u not in self.seen)
            if r.mimetype == "text/html" and self.choose and not picked:
                queue.extend(u for u in self.choices(r, url) if u not in self.seen)
        return self.seen
