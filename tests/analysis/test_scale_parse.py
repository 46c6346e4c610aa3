"""One answer validator for forms, drafts and answer files (``Scale.parse``).

The properties pin it to the rules it replaced: a page takes exactly the values it offers; a
file written by hand may also say "DK" or "+3".
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from analysis.instruments import DONT_KNOW, Invalid, Scale

LIKERT = Scale("likert", 1, 5, dont_know=True, labels={})
LEVELS = Scale("levels", 0, 4, dont_know=False, labels={})
SIGNED = Scale("signed", -2, 2, dont_know=False, labels={})

raws = st.one_of(
    st.text(max_size=6),
    st.sampled_from(["dk", "DK", "Dk", "+dk", "+3", "++3", "03", " 3", "3 ", "-0", "+-1", "٣"]),
    st.integers(-10, 10).map(str),
)


def page_rule(scale: Scale, raw: str) -> bool:
    """What a question page accepted before: exactly one of the values it offers."""
    return raw in {str(v) for v in scale.values} | ({DONT_KNOW} if scale.dont_know else set())


def file_rule(scale: Scale, raw: str) -> int | None | str:
    """What an answer file import accepted before, and which message it gave."""
    if raw.lower() == DONT_KNOW:
        return None if scale.dont_know else "dk"
    try:
        value = int(raw)
    except ValueError:
        return "off"
    if str(value) != raw.lstrip("+") or value not in scale.values:
        return "off"
    return value


@pytest.mark.parametrize("scale", [LIKERT, LEVELS, SIGNED], ids=lambda s: s.id)
@given(raw=raws)
def test_strict_parse_accepts_exactly_what_the_page_offers(scale: Scale, raw: str) -> None:
    parsed = scale.parse(raw)
    assert (not isinstance(parsed, Invalid)) == page_rule(scale, raw)
    if not isinstance(parsed, Invalid):
        assert (DONT_KNOW if parsed is None else str(parsed)) == raw


@pytest.mark.parametrize("scale", [LIKERT, LEVELS, SIGNED], ids=lambda s: s.id)
@given(raw=raws)
def test_lenient_parse_matches_the_file_import(scale: Scale, raw: str) -> None:
    expected = file_rule(scale, raw)
    parsed = scale.parse(raw, lenient=True)
    if expected == "dk":
        assert parsed is Invalid.DONT_KNOW_NOT_ALLOWED
    elif expected == "off":
        assert parsed is Invalid.OFF_SCALE
    else:
        assert parsed == expected and not isinstance(parsed, Invalid)


def test_examples() -> None:
    assert LIKERT.parse("3") == 3
    assert LIKERT.parse("dk") is None
    assert LIKERT.parse("DK") is Invalid.OFF_SCALE
    assert LIKERT.parse("DK", lenient=True) is None
    assert LIKERT.parse("+3") is Invalid.OFF_SCALE
    assert LIKERT.parse("+3", lenient=True) == 3
    assert LIKERT.parse("6", lenient=True) is Invalid.OFF_SCALE
    assert LEVELS.parse("0") == 0
    assert LEVELS.parse("dk") is Invalid.DONT_KNOW_NOT_ALLOWED
    assert SIGNED.parse("-2") == -2
