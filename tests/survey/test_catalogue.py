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


def test_every_message_the_code_marks_has_its_english(tmp_path: Path) -> None:
    """Extract as CONTRIBUTING.md says (``_``, ``ngettext``, ``_l``, ``say``; the code, the
    library and the templates) and find each message with words in it translated: a message
    without English reaches English readers in Swedish."""
    from babel.messages.frontend import CommandLineInterface

    root = FOLDER.parents[3]
    pot = tmp_path / "messages.pot"
    args = ["pybabel", "-q", "extract", "-F", str(root / "babel.cfg"), "-k", "say", "-k", "_l"]
    CommandLineInterface().run([*args, "-o", str(pot), str(root), str(root / "templates/_macros")])
    with pot.open("rb") as f:
        marked = [m for m in read_po(f) if m.id]
    with PO.open("rb") as f:
        english = {key(m.id): m.string for m in read_po(f) if m.id}
    assert len(marked) > 1000  # extraction read the code and the templates
    worded = [m for m in marked if re.search(r"[^\W\d_]", re.sub(r"%\(\w+\)[sd]", "", str(m.id)))]
    missing = [m.id for m in worded if not english.get(key(m.id))]
    assert missing == []
