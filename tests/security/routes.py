"""Every registered route with its variables filled in, for tests that walk ``app.url_map``.

A route's variables get values that exist in the test world where a name says what it is
(a round's id or name, a unit code, a questionnaire) and a plain placeholder otherwise; a
route added later is walked too without touching the tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from flask import Flask
from werkzeug.routing import IntegerConverter, Rule

# Values by variable name; a name not listed gets "x" (or 1 for an int converter).
KNOWN: dict[str, object] = {
    "name": "R2025",
    "code": "EDU-A",
    "unit_code": "EDU-A",
    "kind": "bundled",
    "ref": "dimios",
    "role": "employee",
    "number": 1,
    "fmt": "csv",
    "action": "close",
    "filename": "report.pdf",
    "year": 2025,
    "iid": 1,
    "token_id": 1,
    "token": "x" * 43,
    "key": "x" * 22,
    "ident": "x",
}


@dataclass(frozen=True)
class Route:
    rule: Rule
    url: str
    methods: frozenset[str]

    def __str__(self) -> str:
        return f"{'/'.join(sorted(self.methods))} {self.url} ({self.rule.endpoint})"


def routes(app: Flask, round_id: int) -> Iterator[Route]:
    """Each rule once, with a URL built from it (static files: the stylesheet)."""
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        values: dict[str, object] = {}
        for name in rule.arguments:
            integer = isinstance(rule._converters[name], IntegerConverter)
            if name == "round_id":
                values[name] = round_id
            elif name in KNOWN:
                values[name] = KNOWN[name]
            else:
                values[name] = 1 if integer else "x"
        if rule.endpoint == "static":
            values = {"filename": "mognad.css"}
        with app.test_request_context():
            from flask import url_for

            url = url_for(rule.endpoint, **values)
        yield Route(rule, url, frozenset((rule.methods or set()) - {"HEAD", "OPTIONS"}))
