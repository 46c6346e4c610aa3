"""A tiny form-filling browser over the Flask test client, for the respondent tests.

It reads forms the way a browser without JavaScript does (hidden fields, radios, textareas,
selects, submit buttons) so the tests post exactly what a person could.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlsplit

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from analysis.roles import ROLES


@dataclass
class Form:
    action: str
    method: str
    hidden: list[tuple[str, str]] = field(default_factory=list)
    radios: dict[str, list[str]] = field(default_factory=dict)
    checked: dict[str, str] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)
    selects: dict[str, list[str]] = field(default_factory=dict)
    buttons: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.h1 = ""
        self.title = ""
        self.lang = ""
        self._in: str | None = None
        self._button: list | None = None
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "html":
            self.lang = a.get("lang", "")
        elif tag in ("h1", "title"):
            self._in = tag
        elif tag == "form":
            self.forms.append(Form(a.get("action", ""), a.get("method", "get").lower()))
        elif not self.forms:
            return
        elif tag == "input":
            form, kind, name = self.forms[-1], a.get("type", "text"), a.get("name", "")
            if kind == "radio":
                form.radios.setdefault(name, []).append(a.get("value", ""))
                if "checked" in a:
                    form.checked[name] = a.get("value", "")
            elif kind == "hidden":
                form.hidden.append((name, a.get("value", "")))
            elif kind == "text":
                form.texts[name] = a.get("value", "")
        elif tag == "button" and a.get("type", "submit") == "submit":
            self._button = [a.get("name") or None, a.get("value") or None, ""]
        elif tag == "textarea":
            self._textarea = a.get("name")
            self.forms[-1].texts[self._textarea] = ""
        elif tag == "select":
            self._select = a.get("name")
            self.forms[-1].selects[self._select] = []
        elif tag == "option" and self._select:
            self.forms[-1].selects[self._select].append(a.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == self._in:
            self._in = None
        elif tag == "button" and self._button is not None:
            name, value, text = self._button
            self.forms[-1].buttons[" ".join(text.split())] = (name, value)
            self._button = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data: str) -> None:
        if self._in == "h1":
            self.h1 += data
        elif self._in == "title":
            self.title += data
        if self._button is not None:
            self._button[2] += data
        if self._textarea:
            self.forms[-1].texts[self._textarea] += data


@dataclass
class Page:
    response: TestResponse
    path: str
    html: str
    forms: list[Form]
    h1: str
    title: str
    lang: str

    @property
    def status(self) -> int:
        return self.response.status_code

    def form_with(self, button: str) -> Form:
        for form in self.forms:
            if button in form.buttons:
                return form
        raise AssertionError(f"no button {button!r} on {self.path} (h1 {self.h1!r})")

    def radio_names(self) -> list[str]:
        return [name for form in self.forms for name in form.radios]


def parse(response: TestResponse, path: str) -> Page:
    html = response.get_data(as_text=True)
    p = _Parser()
    p.feed(html)
    return Page(
        response, path, html, p.forms, " ".join(p.h1.split()), " ".join(p.title.split()), p.lang
    )


class Browser:
    """One respondent's browser: follows redirects, keeps cookies, fills and presses forms."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self.page: Page | None = None

    def _done(self, response: TestResponse) -> Page:
        self.page = parse(response, response.request.path)
        return self.page

    def get(self, url: str) -> Page:
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        return self._done(self.client.get(path, follow_redirects=True))

    def press(
        self,
        button: str,
        fill: dict[str, str] | None = None,
        choose: str | None = None,
        page: Page | None = None,
    ) -> Page:
        """Press ``button``; ``fill`` sets fields; ``choose`` ("first"/"last") answers the rest."""
        page = page or self.page
        assert page is not None
        form = page.form_with(button)
        data: dict[str, list[str]] = {}
        for name, value in form.hidden:
            data.setdefault(name, []).append(value)
        for name, value in form.checked.items():
            data[name] = [value]
        for name, value in form.texts.items():
            data[name] = [value]
        for name, options in form.selects.items():
            data[name] = [options[0]] if options else []
        if choose:
            for name, values in form.radios.items():
                if name not in form.checked:
                    data[name] = [values[0] if choose == "first" else values[-1]]
        for name, value in (fill or {}).items():
            data[name] = [value]
        name, value = form.buttons[button]
        if name:
            data[name] = [value or ""]
        action = form.action or page.path
        return self._done(self.client.post(action, data=data, follow_redirects=True))

    def walk_to_review(self, choose: str | None = "first", limit: int = 40) -> list[Page]:
        """From the welcome page, press Start and then Next until the review page."""
        pages = [self.press("Starta enkäten")]
        while self.page.h1 != "Granska dina svar":
            assert self.page.status == 200, (self.page.path, self.page.status)
            assert len(pages) < limit
            pages.append(self.press("Nästa", choose=choose))
        return pages


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
STYLE_ATTR = re.compile(r"\sstyle\s*=", re.I)
EVENT_ATTR = re.compile(r"\son[a-z]+\s*=", re.I)


def inline_code(html: str) -> list[str]:
    """Every inline script, style element, style attribute or event handler in ``html``."""
    found = INLINE_SCRIPT.findall(html) + STYLE_ATTR.findall(html) + EVENT_ATTR.findall(html)
    found += re.findall(r"<style\b", html, re.I)
    return found


def invite(
    runner,
    write_csv,
    name: str = "R2025",
    people: list[tuple[str, str, str]] | None = None,
    status: str = "open",
) -> None:  # type: ignore[no-untyped-def]
    """Import respondents (email, unit_code, role) into a draft round; move it to ``status``."""
    people = people or [(f"{role}@example.org", "EDU-A", role) for role in ROLES]
    path = write_csv(f"people-{name}.csv", [["email", "unit_code", "role"], *map(list, people)])
    result = runner.invoke(args=["respondents", "import", name, str(path)])
    assert result.exit_code == 0, result.output
    for move in {"draft": [], "open": ["open"], "closed": ["open", "close"]}[status]:
        result = runner.invoke(args=["round", move, name])
        assert result.exit_code == 0, result.output


def issue_links(runner, out, name: str = "R2025", unit: str | None = None) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    """Run `mognad links` and return the CSV rows."""
    import csv

    args = ["links", name, "--out", str(out)] + (["--unit", unit] if unit else [])
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    with open(out, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def close_round(runner, name: str = "R2025") -> None:  # type: ignore[no-untyped-def]
    """Close the round; closing mixes every pending submission into the responses."""
    result = runner.invoke(args=["round", "close", name])
    assert result.exit_code == 0, result.output
