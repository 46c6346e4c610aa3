"""A round's own invitation and reminder texts: placeholders, checking, plain text and HTML.

Admins write the mail as plain text with ``{placeholders}``; the same text becomes the HTML
alternative (paragraphs, the link as a link), so the two parts can never say different things.
Only the placeholders below exist: a misspelt one would otherwise go out literally to every
respondent, so :func:`unknown_placeholders` lets the page refuse it before anything is stored.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from html import escape
from typing import Any

PLACEHOLDERS = ("organisation", "round", "link", "closes", "contact")
KINDS = ("invitation", "reminder")
_FIELD = re.compile(r"\{([^{}\s]*)\}")


@dataclass(frozen=True)
class OwnText:
    subject: str
    body: str


def own_text(texts: Mapping[str, Any] | None, kind: str, lang: str) -> OwnText | None:
    """The stored text for ``kind`` in ``lang``, or None (the bundled template is used)."""
    entry = ((texts or {}).get(kind) or {}).get(lang) or {}
    subject, body = str(entry.get("subject") or ""), str(entry.get("body") or "")
    if not subject.strip() or not body.strip():
        return None
    return OwnText(subject.strip(), body.replace("\r\n", "\n").strip())


def unknown_placeholders(text: str) -> list[str]:
    return sorted({m for m in _FIELD.findall(text) if m not in PLACEHOLDERS})


def fill(text: str, values: Mapping[str, str]) -> str:
    return _FIELD.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def to_html(body: str, values: Mapping[str, str], subject: str, lang: str) -> str:
    """The HTML alternative: every blank line starts a paragraph, ``{link}`` becomes a link."""
    paragraphs = []
    for block in re.split(r"\n\s*\n", body.strip()):
        lines = []
        for line in block.split("\n"):
            out, last = [], 0
            for m in _FIELD.finditer(line):
                out.append(escape(line[last : m.start()]))
                name = m.group(1)
                value = values.get(name)
                if value is None:
                    out.append(escape(m.group(0)))
                elif name == "link":
                    out.append(f'<a href="{escape(value)}">{escape(value)}</a>')
                else:
                    out.append(escape(value))
                last = m.end()
            out.append(escape(line[last:]))
            lines.append("".join(out))
        paragraphs.append("<p>" + "<br>\n".join(lines) + "</p>")
    return (
        f'<!doctype html>\n<html lang="{escape(lang)}">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{escape(subject)}</title>\n</head>\n<body>\n"
        + "\n".join(paragraphs)
        + "\n</body>\n</html>\n"
    )
