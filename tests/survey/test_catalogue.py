"""The English catalogue: each message defined once, and the tracked ``.mo`` compiled from it.

Swedish is the source language; the English pages read ``messages.mo``. A message defined twice
makes GNU msgfmt refuse the catalogue (Babel keeps one of the two silently), and a ``.po`` edited
without compiling leaves English readers with the Swedish text; both have happened in merges.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

FOLDER = Path(__file__).resolve().parents[2] / "survey" / "translations" / "en" / "LC_MESSAGES"
PO, MO = FOLDER / "messages.po", FOLDER / "messages.mo"


def key(value: object) -> object:
    """A message's id or text as a dictionary key (a plural message's are lists)."""
    return tuple(value) if isinstance(value, list | tuple) else value


def test_every_message_is_defined_once() -> None:
    text = PO.read_text(encoding="utf-8")
    # A definition: optional context, then the id (a single or a continued string).
    keys = re.findall(
        r'^(?:msgctxt "((?:[^"\\]|\\.)*)"\n)?msgid ((?:"(?:[^"\\]|\\.)*"\n?)+)', text, re.M
    )
    counts = Counter(keys)
    twice = [key for key, n in counts.items() if n > 1]
    assert len(keys) > 1000  # the pattern reads the catalogue
    assert twice == []


def test_the_compiled_catalogue_is_the_source_compiled() -> None:
    with PO.open("rb") as f:
        source = read_po(f)
    with MO.open("rb") as f:
        compiled = read_mo(f)
    wanted = {key(m.id): key(m.string) for m in source if m.id and m.string and not m.fuzzy}
    found = {key(m.id): key(m.string) for m in compiled if m.id}
    assert {k: v for k, v in wanted.items() if found.get(k) != v} == {}
