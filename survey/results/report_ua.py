"""The user-agent stylesheet the report's PDF is laid out with.

WeasyPrint's own HTML5 user-agent sheet styles every element of every kind of page: forms,
``[dir]`` variants, footnotes and ``::marker`` on every element. It is matched against every
element and gives each half a dozen pseudo-element styles: a sixth of the PDF's build time
when the PDF still carried a grid of every cell, and still wasted work on its tables now. The
report is one known template, so it is laid out with WeasyPrint's rules for just the elements
it uses (same values, copied from WeasyPrint's ``html5_ua.css``); everything else comes from
the report's own stylesheet (a ``<br>``, for one, has no rule here: the template uses none).

WeasyPrint has no public way to replace its sheet: :class:`ReportHTML` overrides the private
``HTML._ua_stylesheets(self, forms)``. A rename in a WeasyPrint release would make the
override silently do nothing, a changed signature would break every PDF; so
:func:`document_class` checks the method is there with the expected parameters and otherwise
says so once in the log and lays the report out with WeasyPrint's own sheet (the same look,
slower).
"""

from __future__ import annotations

import inspect
import logging
from typing import Any, cast

import weasyprint  # type: ignore[import-untyped]
from weasyprint import CSS, HTML

log = logging.getLogger(__name__)
_warned: list[str] = []

REPORT_UA = CSS(
    string="""
[hidden], head, link, meta, script, style, template, title { display: none }
body, dd, div, dl, dt, figcaption, figure, h1, h2, h3, h4, header, html, main, nav, ol, p,
  section, ul { display: block }
li { display: list-item }
table { display: table; box-sizing: border-box; border-spacing: 2px; border-collapse: separate;
  text-indent: initial; border-color: gray }
caption { display: table-caption }
colgroup { display: table-column-group }
col { display: table-column }
thead { display: table-header-group }
tbody { display: table-row-group }
tfoot { display: table-footer-group }
tr { display: table-row }
td, th { display: table-cell; padding: 1px; border-color: gray }
thead, tbody, tfoot { vertical-align: middle }
tr, td, th { vertical-align: inherit }
thead, tbody, tfoot, tr { border-color: inherit }
dl, figure, ol, p, ul { margin-top: 1em; margin-bottom: 1em }
body { margin: 8px }
h1 { margin-top: .67em; margin-bottom: .67em; font-size: 2em; bookmark-level: 1 }
h2 { margin-top: .83em; margin-bottom: .83em; font-size: 1.5em; bookmark-level: 2 }
h3 { margin-top: 1em; margin-bottom: 1em; font-size: 1.17em; bookmark-level: 3 }
h4 { margin-top: 1.33em; margin-bottom: 1.33em; font-size: 1em; bookmark-level: 4 }
h1, h2, h3, h4 { font-weight: bold; bookmark-label: content(text); hyphens: manual;
  break-after: avoid; break-inside: avoid }
figure { margin-left: 40px; margin-right: 40px }
dd { margin-left: 40px }
ol, ul { padding-left: 40px; counter-reset: list-item; break-before: avoid }
ol { list-style-type: decimal }
ul { list-style-type: disc }
li::marker { font-variant-numeric: tabular-nums; white-space: pre; text-transform: none }
b, strong, th { font-weight: bold }
em, i { font-style: italic }
code { font-family: monospace }
abbr[title] { text-decoration: dotted underline }
:link { color: blue; text-decoration: underline }
svg { overflow: hidden }
@page { margin: 75px;
  @bottom-center { text-align: center; vertical-align: middle } }
"""
)


class ReportHTML(HTML):
    """The report laid out with the user-agent rules of its own elements only."""

    def _ua_stylesheets(self, forms: bool = False) -> list[Any]:
        return [REPORT_UA]


def hook_as_expected() -> bool:
    """Whether WeasyPrint still has ``HTML._ua_stylesheets(self, forms=...)``."""
    method = getattr(HTML, "_ua_stylesheets", None)
    if method is None:
        return False
    try:
        return list(inspect.signature(method).parameters) == ["self", "forms"]
    except (TypeError, ValueError):
        return False


def document_class() -> type[Any]:
    """:class:`ReportHTML` where the override applies, else WeasyPrint's ``HTML`` (logged once)."""
    if hook_as_expected():
        return ReportHTML
    if not _warned:
        _warned.append(weasyprint.__version__)
        log.warning(
            "WeasyPrint %s has no HTML._ua_stylesheets(self, forms): the report is laid out "
            "with WeasyPrint's own user-agent sheet (same look, slower build)",
            weasyprint.__version__,
        )
    return cast("type[Any]", HTML)  # WeasyPrint ships no types
