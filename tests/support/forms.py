"""One form-filling browser for every test that posts forms without a real browser.

It reads forms the way a browser without JavaScript does (hidden fields, radios, checkboxes,
text inputs, textareas, selects, submit buttons) so the tests post exactly what a person could.
The same ``Browser`` drives the Flask test client or, through ``HttpClient``, a real server over
HTTP (subprocess servers, concurrent respondents): one parser, one way of pressing a button.
"""

from __future__ import annotations

import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from html.parser import HTMLParser
from types import SimpleNamespace
from typing import Any, Protocol

NOT_SENT = ("button", "reset", "image", "file")  # input types this browser never sends


@dataclass
class Form:
    action: str
    method: str
    hidden: list[tuple[str, str]] = field(default_factory=list)
    radios: dict[str, list[str]] = field(default_factory=dict)
    checked: dict[str, str] = field(default_factory=dict)  # radios and checkboxes sent as they are
    texts: dict[str, str] = field(default_factory=dict)  # text-like inputs and textareas
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
        self._button: list[Any] | None = None
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
            self._input(self.forms[-1], a)
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

    def _input(self, form: Form, a: dict[str, str]) -> None:
        kind, name = a.get("type", "text").lower(), a.get("name", "")
        if kind == "submit":
            form.buttons[a.get("value", "")] = (name or None, a.get("value") or None)
        elif not name or kind in NOT_SENT:
            return
        elif kind == "radio":
            form.radios.setdefault(name, []).append(a.get("value", ""))
            if "checked" in a:
                form.checked[name] = a.get("value", "")
        elif kind == "checkbox":
            if "checked" in a:
                form.checked[name] = a.get("value", "on")
        elif kind == "hidden":
            form.hidden.append((name, a.get("value", "")))
        else:
            form.texts[name] = a.get("value", "")

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


class Response(Protocol):
    """What the browser needs of a response: the Flask test client's, or ``HttpClient``'s."""

    status_code: int
    request: Any

    def get_data(self, as_text: bool = False) -> Any: ...


class Client(Protocol):
    def get(self, path: str, follow_redirects: bool = ...) -> Any: ...

    def post(self, path: str, data: Any = ..., follow_redirects: bool = ...) -> Any: ...


@dataclass
class Page:
    response: Response
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


def parse(response: Response, path: str) -> Page:
    html = response.get_data(as_text=True)
    p = _Parser()
    p.feed(html)
    return Page(
        response, path, html, p.forms, " ".join(p.h1.split()), " ".join(p.title.split()), p.lang
    )


class Browser:
    """One respondent's browser: follows redirects, keeps cookies, fills and presses forms."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.page: Page | None = None

    def _done(self, response: Response) -> Page:
        self.page = parse(response, response.request.path)
        return self.page

    def get(self, url: str) -> Page:
        parts = urllib.parse.urlsplit(url)
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

    def walk_to_review(
        self, choose: str | None = "first", limit: int = 40, answer_pages: int | None = None
    ) -> list[Page]:
        """From the welcome page, press Start and then Next until the review page.

        With ``answer_pages`` only the first that many question pages are answered.
        """
        pages = [self.press("Starta enkäten")]
        while self.page is not None and self.page.h1 != "Granska dina svar":
            assert self.page.status == 200, (self.page.path, self.page.status, self.page.h1)
            assert len(pages) < limit, f"never reached the review page (at {self.page.path})"
            answer = answer_pages is None or len(pages) <= answer_pages
            pages.append(self.press("Nästa", choose=choose if answer else None))
        return pages


class HttpClient:
    """The two calls ``Browser`` makes on a Flask test client, over real HTTP with a cookie jar.

    Redirects are always followed (as a browser does); ``requests`` counts the calls made.
    """

    def __init__(
        self, base: str, cookies: http.cookiejar.CookieJar | None = None, timeout: float = 30
    ) -> None:
        self.base = base
        self.timeout = timeout
        self.cookies = cookies if cookies is not None else http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))
        self.requests = 0

    def copy(self) -> HttpClient:
        """A second client holding the same cookies (another tab, another thread)."""
        jar = http.cookiejar.CookieJar()
        for cookie in self.cookies:
            jar.set_cookie(cookie)
        return HttpClient(self.base, jar, self.timeout)

    def _open(self, path: str, data: bytes | None) -> SimpleNamespace:
        self.requests += 1
        url = urllib.parse.urljoin(self.base, path)
        try:
            with self.opener.open(url, data=data, timeout=self.timeout) as r:
                status, body, url = r.status, r.read().decode("utf-8", "replace"), r.geturl()
        except urllib.error.HTTPError as e:
            status, body, url = e.code, e.read().decode("utf-8", "replace"), e.geturl()
        parts = urllib.parse.urlsplit(url)
        return SimpleNamespace(
            status_code=status,
            get_data=lambda as_text=False: body,
            request=SimpleNamespace(path=parts.path),
        )

    def get(self, path: str, follow_redirects: bool = True) -> SimpleNamespace:
        return self._open(path, None)

    def post(
        self, path: str, data: dict[str, Any] | None = None, follow_redirects: bool = True
    ) -> SimpleNamespace:
        return self._open(path, urllib.parse.urlencode(data or {}, doseq=True).encode())


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
STYLE_ATTR = re.compile(r"\sstyle\s*=", re.I)
EVENT_ATTR = re.compile(r"\son[a-z]+\s*=", re.I)


def inline_code(html: str) -> list[str]:
    """Every inline script, style element, style attribute or event handler in ``html``."""
    found = INLINE_SCRIPT.findall(html) + STYLE_ATTR.findall(html) + EVENT_ATTR.findall(html)
    found += re.findall(r"<style\b", html, re.I)
    return found
