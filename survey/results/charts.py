"""Server-rendered SVG charts: pure functions from plain numbers to a :class:`Chart`.

The CSP forbids inline script and style, so charts are SVG files drawn on the server with
presentation attributes only (no ``style``), usable as ``<img>`` on a page and inlined in the
self-contained report alike. Every chart carries the same numbers as a table (``header`` and
``rows``), a caption and an alt text, because a picture alone is not accessible. Bars and areas
are told apart by patterns and labels, never by colour alone, so a greyscale print reads the
same; the viewBox is narrow enough that the labels stay legible when scaled to a 375 px screen.

Missing values (a suppressed cell) are drawn as a labelled gap and written as ``Texts.missing``
in the table, never as a number. Texts come in as parameters (:class:`Texts`), because the
caller knows the language; numbers are formatted with ``fmt`` for the same reason.

The module is open to more builders (for example a heatmap); each is a function returning a
:class:`Chart` and reusing :func:`_svg` for the frame.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from survey.results import svg as draw

__all__ = [
    "Bar",
    "Chart",
    "Stack",
    "Texts",
    "bar_chart",
    "line_chart",
    "stacked_bars",
]

# How a value is written: a formatter of survey.results.numbers, chosen by the caller.
Number = Callable[[float], str]


@dataclass(frozen=True)
class Texts:
    """The words a chart needs, in the caller's language (Swedish defaults)."""

    label: str = "Enhet"
    value: str = "Värde"
    ci_low: str = "95 % KI, nedre"
    ci_high: str = "95 % KI, övre"
    missing: str = "–"
    missing_note: str = "visas inte, för att skydda svarande"
    ci_note: str = "Strecken visar 95 % konfidensintervall."


@dataclass(frozen=True)
class Chart:
    """One chart: the SVG text, and the same numbers as a table."""

    name: str
    svg: str
    caption: str
    alt: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Bar:
    """One estimate with its 95 % CI: a bar, or a point of a trend (``label`` is then its year);
    ``value=None`` is a hidden (suppressed) cell."""

    label: str
    value: float | None
    low: float | None = None
    high: float | None = None


@dataclass(frozen=True)
class Stack:
    """One stacked bar: answer counts per category in order; ``counts=None``: hidden."""

    label: str
    counts: Sequence[int] | None


def _cell(value: float | None, fmt: Number, texts: Texts) -> str:
    return fmt(value) if value is not None and draw.finite(value) else texts.missing


def _table(items: Sequence[Bar], fmt: Number, texts: Texts) -> tuple[tuple[str, ...], ...]:
    return tuple(
        (
            it.label,
            _cell(it.value, fmt, texts),
            _cell(it.low, fmt, texts),
            _cell(it.high, fmt, texts),
        )
        for it in items
    )


def _ci_chart(
    name: str,
    points: Sequence[Bar],
    title: str,
    caption: str,
    texts: Texts,
    fmt: Number,
    document: Callable[[str], str],
) -> Chart:
    """The end every chart of values with intervals shares: the table of its numbers, the
    description that carries them for screen readers (``document`` draws the SVG around it),
    and the chart."""
    rows = _table(points, fmt, texts)
    desc = "; ".join(f"{r[0]}: {r[1]}" for r in rows)
    svg = document(f"{caption} {texts.ci_note} {desc}")
    header = (texts.label, texts.value, texts.ci_low, texts.ci_high)
    return Chart(name, svg, caption, f"{title}. {desc}.", header, rows)


def bar_chart(
    name: str,
    bars: Sequence[Bar],
    *,
    title: str,
    caption: str,
    texts: Texts = Texts(),
    fmt: Number,
    scale: tuple[float, float] = (0.0, 100.0),
) -> Chart:
    """Horizontal bars with 95 % CI whiskers and the value written at each bar.

    A label sits above its bar so that long unit and category names need no room beside the
    bars at 375 px. A hidden bar is a dashed outline with ``texts.missing_note``.
    """
    cid, left, width, row, top = draw.chart_id(name), 8.0, draw.WIDTH - 16.0, 50.0, 8.0

    def x_of(v: float) -> float:
        return draw.scale_x(v, left, width, scale)

    body: list[str] = []
    y = top - row
    for bar in bars:
        y += row
        lines = draw.wrap(bar.label)
        body.append(draw.label(lines, left, y + 14))
        y += (len(lines) - 1) * draw.LINE
        bar_y = y + 20
        if bar.value is None or not draw.finite(bar.value):
            body += draw.hidden(left, bar_y, width, 18, f"{texts.missing} {texts.missing_note}")
            continue
        end = x_of(bar.value)
        body.append(
            draw.tag(
                "rect",
                x=left,
                y=bar_y,
                width=max(end - left, 1.0),
                height=18.0,
                fill=f"url(#{cid}-hatch)",
                stroke=draw.INK,
                stroke_width=1.5,
            )
        )
        body += draw.whisker(bar.low, bar.high, bar_y + 9, x_of)
        reach = bar.high if bar.high is not None and draw.finite(bar.high) else bar.value
        label_x = x_of(reach) + 6
        if label_x > left + width - 48:  # no room right of the bar: above it, right-aligned
            body.append(
                draw.tag(
                    "text",
                    fmt(bar.value),
                    x=left + width,
                    y=y + 14,
                    text_anchor="end",
                    font_weight="bold",
                )
            )
        else:
            body.append(
                draw.tag("text", fmt(bar.value), x=label_x, y=bar_y + 14, font_weight="bold")
            )
    bottom = y + row
    grid = draw.grid(left, width, top, bottom, scale)
    return _ci_chart(
        name, bars, title, caption, texts, fmt,
        lambda desc: draw.document(
            name, bottom + 24, title, desc, grid + body, draw.patterns(cid, 2)
        ),
    )  # fmt: skip


def line_chart(
    name: str,
    points: Sequence[Bar],
    *,
    title: str,
    caption: str,
    texts: Texts = Texts(),
    fmt: Number,
    scale: tuple[float, float] = (0.0, 100.0),
) -> Chart:
    """A trend: one marker per point with its CI whisker and value, joined where both shown."""
    height, left, right, top, bottom = 260.0, 40.0, draw.WIDTH - 16.0, 16.0, 220.0
    lo, hi = scale
    step = (right - left) / max(len(points), 1)

    def y_of(v: float) -> float:
        return bottom - (min(max(v, lo), hi) - lo) / (hi - lo) * (bottom - top)

    body: list[str] = []
    for tick in (lo, lo + (hi - lo) / 2, hi):
        y = y_of(tick)
        body.append(
            draw.tag(
                "line", x1=left, y1=y, x2=right, y2=y, stroke=draw.GRID, stroke_dasharray="3 3"
            )
        )
        body.append(
            draw.tag("text", f"{tick:g}", x=left - 6, y=y + 5, text_anchor="end", font_size=13)
        )
    xs = [left + step * (i + 0.5) for i in range(len(points))]
    segment: list[str] = []
    for x, p in [*zip(xs, points, strict=True), (0.0, None)]:
        if p is not None and p.value is not None and draw.finite(p.value):
            segment.append(f"{'L' if segment else 'M'}{x:.1f},{y_of(p.value):.1f}")
        elif segment:
            body.append(draw.lines(" ".join(segment), 2.5))
            segment = []
    for x, p in zip(xs, points, strict=True):
        body.append(draw.tag("text", p.label, x=x, y=bottom + 20, text_anchor="middle"))
        if p.value is None or not draw.finite(p.value):
            body.append(draw.tag("text", texts.missing, x=x, y=bottom - 8, text_anchor="middle"))
            continue
        y = y_of(p.value)
        if p.low is not None and p.high is not None and draw.finite(p.low) and draw.finite(p.high):
            y1, y2 = y_of(p.high), y_of(p.low)
            body.append(
                draw.lines(
                    f"M{x - 6:.1f},{y1:.1f} H{x + 6:.1f} M{x:.1f},{y1:.1f} V{y2:.1f} "
                    f"M{x - 6:.1f},{y2:.1f} H{x + 6:.1f}"
                )
            )
        body.append(
            draw.tag("circle", cx=x, cy=y, r=5, fill=draw.PAPER, stroke=draw.INK, stroke_width=2.5)
        )
        body.append(draw.tag("text", fmt(p.value), x=x + 9, y=y - 8, font_weight="bold"))
    return _ci_chart(
        name, points, title, caption, texts, fmt,
        lambda desc: draw.document(name, height, title, desc, body),
    )  # fmt: skip


def stacked_bars(
    name: str,
    stacks: Sequence[Stack],
    categories: Sequence[str],
    *,
    title: str,
    caption: str,
    texts: Texts = Texts(),
    fmt: Number,
) -> Chart:
    """100 % stacked bars of answer counts (e.g. the answers 1…6 and "vet ej" of items).

    Segments carry patterns keyed in a legend, and their share is written inside when the
    segment is wide enough; the table gives every share (formatted by ``fmt``, in per cent).
    A hidden stack is a dashed outline.
    """
    cid, left, width, row = draw.chart_id(name), 8.0, draw.WIDTH - 16.0, 50.0
    top = 8.0 + math.ceil(len(categories) / 2) * 24
    body: list[str] = []
    for j, category in enumerate(categories):
        lx, ly = left + (j % 2) * (width / 2), 8.0 + (j // 2) * 24
        body.append(
            draw.tag(
                "rect",
                x=lx,
                y=ly,
                width=16,
                height=16,
                fill=f"url(#{cid}-{draw.pattern(j)})",
                stroke=draw.INK,
            )
        )
        body.append(draw.tag("text", category, x=lx + 22, y=ly + 13, font_size=13))
    rows: list[tuple[str, ...]] = []
    y = top - row
    for stack in stacks:
        y += row
        lines = draw.wrap(stack.label)
        body.append(draw.label(lines, left, y + 14))
        y += (len(lines) - 1) * draw.LINE
        bar_y = y + 20
        total = sum(stack.counts) if stack.counts is not None else 0
        if stack.counts is None or total == 0:
            body += draw.hidden(left, bar_y, width, 20, f"{texts.missing} {texts.missing_note}")
            rows.append((stack.label, *([texts.missing] * len(categories))))
            continue
        x = left
        shares = [100.0 * c / total for c in stack.counts]
        for j, share in enumerate(shares):
            w = share / 100 * width
            if w <= 0:
                continue
            body.append(
                draw.tag(
                    "rect",
                    x=x,
                    y=bar_y,
                    width=w,
                    height=20.0,
                    fill=f"url(#{cid}-{draw.pattern(j)})",
                    stroke=draw.INK,
                    stroke_width=1,
                )
            )
            if w >= 36:  # the share on a plain label inside the segment, legible on any pattern
                dark = draw.pattern(j) in ("solid", "grey")
                body.append(
                    draw.tag(
                        "rect",
                        x=x + w / 2 - 17,
                        y=bar_y + 2,
                        width=34,
                        height=16,
                        fill=draw.INK if dark else draw.PAPER,
                    )
                )
                body.append(
                    draw.tag(
                        "text",
                        fmt(share),
                        x=x + w / 2,
                        y=bar_y + 15,
                        font_size=12,
                        text_anchor="middle",
                        fill=draw.PAPER if dark else draw.INK,
                    )
                )
            x += w
        rows.append((stack.label, *(fmt(s) for s in shares)))
    desc = "; ".join(
        f"{r[0]}: " + ", ".join(f"{c} {v}" for c, v in zip(categories, r[1:], strict=True))
        for r in rows
    )
    svg = draw.document(
        name,
        y + row + 8,
        title,
        f"{caption} {desc}",
        body,
        draw.patterns(cid, len(categories)),
    )
    return Chart(name, svg, caption, f"{title}. {desc}.", (texts.label, *categories), tuple(rows))
