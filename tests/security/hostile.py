"""Hostile form posts: what they contain, how they are sent, what must come back.

A post is always refusable: besides junk values, missing and extra fields it carries at least
one of a missing or wrong form token, a control character, bytes that are not UTF-8 (in a value,
a field name or the query), or, on a question page, an answer off the scale. Every field value
may be of the wrong type (numbers where text goes, text where numbers go, NaN, 5,000
characters). The expected outcome is a 4xx page in Swedish that says what went wrong, with
the database exactly as before.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote, quote_from_bytes, unquote_to_bytes, urlencode

from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.test import TestResponse

from tests.support.database import table_snapshot

SETTINGS = settings(
    max_examples=10,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)

CONTROLS = ["\x00", "\x01", "\x07", "\x08", "\x0b", "\x0c", "\x1b", "\x7f", "\r"]
# Percent-escaped and raw bytes that no UTF-8 decoder accepts: a lone continuation byte,
# a truncated sequence, an encoded surrogate, an overlong slash, bytes never used in UTF-8.
NOT_UTF8 = [b"%FF", b"%C3%28", b"%E2%82", b"%ED%A0%80", b"%C0%AF", b"\xfe\xff", b"a\x80b"]

printable = st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffd")
junk = st.one_of(
    st.text(printable, max_size=30),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.floats().map(repr),
    st.sampled_from(["", " ", "null", "[]", "{}", "true", "-1", "0", "6", "99", "1e309", "NaN"]),
    st.just("x" * 5000),
)
names = st.text(st.characters(min_codepoint=97, max_codepoint=122), min_size=1, max_size=12)


@dataclass(repr=False)
class Post:
    """One hostile request: the fields, and what makes it refusable."""

    kind: str  # no_token | bad_token | control | not_utf8 | off_scale
    fields: list[tuple[str, str]]
    token: str | None
    raw_tail: bytes = b""  # appended to the body (bytes that are not UTF-8)
    query: str = ""

    def __repr__(self) -> str:  # a 10 MB value would drown the failure report
        short = [(n[:40], v[:40]) for n, v in self.fields]
        token, query = repr(self.token)[:30], repr(self.query)[:60]
        return f"Post({self.kind}, {short}, token={token}, tail={self.raw_tail!r}, query={query})"

    def send(self, client, url: str) -> TestResponse:
        pairs = list(self.fields)
        if self.token is not None:
            pairs.insert(0, ("csrf_token", self.token))
        body = urlencode(pairs).encode("ascii") + self.raw_tail
        target = f"{url}?{self.query}" if self.query else url
        return client.post(target, data=body, content_type="application/x-www-form-urlencoded")


@st.composite
def hostile(draw, fields: list[str], token: str, scales: dict[str, list[str]] | None = None):
    """A refusable post to a form with ``fields`` (``scales``: a question page's answers)."""
    kinds = ["no_token", "bad_token", "control", "not_utf8"] + (["off_scale"] if scales else [])
    kind = draw(st.sampled_from(kinds))
    kept = draw(st.lists(st.sampled_from(fields), unique=True)) if fields else []
    extra = draw(st.lists(names, max_size=3))
    pairs = [(name, draw(junk)) for name in kept + extra]
    if scales:  # junk in answers may be on the scale, so any missing-or-valid page could save
        pairs = [(n, v) for n, v in pairs if n not in scales]
    post = Post(kind, pairs, token)
    if kind == "no_token":
        post.token = None
    elif kind == "bad_token":
        post.token = draw(st.one_of(st.text(printable, max_size=20), st.just(token[::-1])))
    elif kind == "control":
        name = draw(st.sampled_from(fields + ["x"]))
        value = draw(junk)
        at = draw(st.integers(0, len(value)))
        bad = value[:at] + draw(st.sampled_from(CONTROLS)) + value[at:]
        where = draw(st.sampled_from(["value", "name", "query"]))
        if where == "query":
            post.query = urlencode({name: bad})
        else:
            post.fields.append((bad, "1") if where == "name" else (name, bad))
    elif kind == "not_utf8":
        name = draw(st.sampled_from(fields + ["x"]))
        raw = draw(st.sampled_from(NOT_UTF8))
        where = draw(st.sampled_from(["value", "name", "query"]))
        if where == "query":
            # A URL carries bytes only percent-escaped (the client would encode raw ones).
            post.query = f"{quote(name)}=" + quote_from_bytes(unquote_to_bytes(raw))
        elif where == "name":
            post.raw_tail = b"&" + raw + b"=1"
        else:
            post.raw_tail = b"&" + quote(name).encode() + b"=" + raw
    else:  # off_scale: at least one answer outside its scale, the others junk or missing
        assert scales
        item = draw(st.sampled_from(sorted(scales)))
        value = draw(
            junk.filter(lambda v, ok=scales[item]: v.strip() not in ok and v.strip() != "")
        )
        post.fields.append((item, value))
        for other in draw(st.lists(st.sampled_from(sorted(scales)), unique=True, max_size=4)):
            if other != item:
                post.fields.append((other, draw(junk)))
    return post


# What each kind of refusal says (Swedish, the default language).
MESSAGES = {
    "no_token": ("säkerhetskod", "Sidan var för gammal"),
    "bad_token": ("säkerhetskod", "Sidan var för gammal"),
    "control": ("otillåtna styrtecken",),
    "not_utf8": ("ogiltig UTF-8",),
    "off_scale": ("Välj ett av svarsalternativen",),
}
LEAKS = ("Traceback", 'File "/', "The CSRF token", "Bad Request", "Internal Server Error")


def refused(app: Flask, send: Callable[[Post], TestResponse], post: Post) -> None:
    """Send ``post``; assert a 4xx page with its Swedish message and no change to any table."""
    before = table_snapshot(app)
    response = send(post)
    body = response.get_data(as_text=True)
    response.close()
    assert 400 <= response.status_code < 500, (post, response.status_code, body[:400])
    assert '<html lang="sv"' in body, (post, body[:400])
    assert any(m in body for m in MESSAGES[post.kind]), (post, response.status_code, body[-1500:])
    assert not [leak for leak in LEAKS if leak in body], (post, body)
    assert table_snapshot(app) == before, post


def run(app: Flask, send: Callable[[Post], TestResponse], strategy) -> int:
    """Check every generated post; return how many were sent."""
    sent: list[Post] = []

    @given(post=strategy)
    @SETTINGS
    def check(post: Post) -> None:
        refused(app, send, post)
        sent.append(post)

    check()
    return len(sent)
