"""The SVG chart builders: the picture and its table carry the same numbers, hidden values
carry none, and every chart is a well-formed, labelled image without inline style."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from survey.results.charts import Bar, Stack, bar_chart, line_chart, stacked_bars

SVG = "{http://www.w3.org/2000/svg}"


def texts(svg: str) -> list[str]:
    root = ET.fromstring(svg)
    assert root.get("role") == "img" and root.get("viewBox", "").startswith("0 0 480 ")
    assert root.find(f"{SVG}title") is not None and root.find(f"{SVG}desc") is not None
    assert "style=" not in svg and "<script" not in svg
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


def test_bar_chart_table_equals_picture_and_hides_what_is_hidden() -> None:
    chart = bar_chart(
        "scores",
        [Bar("Mognad", 61.25, 58.5, 63.94), Bar("Liten enhet", None, None, None)],
        title="Poäng",
        caption="Poäng per index",
        fmt="{:.1f}".format,
    )
    assert chart.rows == (("Mognad", "61.2", "58.5", "63.9"), ("Liten enhet", "–", "–", "–"))
    drawn = texts(chart.svg)
    assert "61.2" in drawn and "– visas inte, för att skydda svarande" in drawn
    assert "Liten enhet: –" in chart.alt and "Mognad: 61.2" in chart.alt


def test_line_chart_leaves_a_gap_for_a_hidden_year() -> None:
    chart = line_chart(
        "trend",
        [Bar("2024", 50.0, 45.0, 55.0), Bar("2025", None), Bar("2026", 60.0, 55.0, 65.0)],
        title="Trend",
        caption="Per år",
        fmt="{:.1f}".format,
    )
    assert [r[1] for r in chart.rows] == ["50.0", "–", "60.0"]
    assert chart.svg.count("<path") == 2 + 2  # two whiskers, two one-point segments
    assert {"2024", "2025", "2026", "–"} <= set(texts(chart.svg))


def test_stacked_bars_give_shares_that_add_up_and_patterns_per_answer() -> None:
    chart = stacked_bars(
        "items-x",
        [Stack("Fråga", [1, 1, 2, 4, 0, 2]), Stack("Dold", None)],
        ["1", "2", "3", "4", "5", "Vet ej"],
        title="Svar",
        caption="Fördelning",
        fmt="{:.0f} %".format,
    )
    shown, hidden = chart.rows
    assert shown == ("Fråga", "10 %", "10 %", "20 %", "40 %", "0 %", "20 %")
    assert hidden == ("Dold", "–", "–", "–", "–", "–", "–")
    assert chart.header == ("Enhet", "1", "2", "3", "4", "5", "Vet ej")
    assert chart.svg.count("<pattern ") == 6 and "40 %" in texts(chart.svg)


def test_quadrant_chart_places_each_unit_with_its_cross_and_a_marker_of_its_own() -> None:
    from survey.results.quadrant_chart import Point, QuadrantTexts, quadrant_chart

    points = [
        Point("Förskola", 70.0, 66.0, 74.0, 65.0, 61.0, 69.0, "Digitalt mogen"),
        Point("Skola", 48.0, 45.0, 51.0, 40.0, 37.0, 43.0, "Obestämd"),
        Point("Kommunen", 60.0, 59.0, 61.0, 55.0, 54.0, 56.0, "Digitalt mogen", whole=True),
    ]
    texts_ = QuadrantTexts("Förmåga", "Arv", ("A", "B", "C", "D"), ("Nr", "Enhet", "F", "A", "Q"))
    chart = quadrant_chart(
        "q", points, title="Fyrfält", caption="Förmåga × arv", texts=texts_, fmt="{:.1f}".format
    )
    assert chart.rows[0] == (
        "1",
        "Förskola",
        "70.0 (66.0–74.0)",
        "65.0 (61.0–69.0)",
        "Digitalt mogen",
    )
    assert chart.rows[2][0] == ""  # the organisation is the ring, not numbered
    drawn = texts(chart.svg)
    assert {"1", "2", "A", "B", "C", "D", "Förmåga", "Arv"} <= set(drawn)
    root = ET.fromstring(chart.svg)
    # Two shapes for the two units (greyscale tells them apart), and a cross per point.
    shapes = [e.tag for e in root if e.tag in (f"{SVG}circle", f"{SVG}rect", f"{SVG}polygon")]
    assert f"{SVG}rect" in shapes and f"{SVG}circle" in shapes
    crosses = [e for e in root.iter(f"{SVG}path") if e.get("d", "").count("M") == 2]
    assert len(crosses) == 3
    # The axes are centred on the split of 50 (equal quadrants), every CI inside (74): 20…80.
    assert {"20", "50", "80"} <= set(drawn) and "10" not in drawn and "90" not in drawn
