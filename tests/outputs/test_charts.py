"""The report's two charts, written as our own SVG (issue 24: no matplotlib).

GIVEN a trend of weeks (leaks, justified paper, digital share) or departments' shares
WHEN the charts are drawn
THEN what a reader measures on them matches the figures: bar heights proportional to the
     letters, the justified bar on top of the leaks, the share line and the goal at their
     percent of the right axis with a gap for a week without a share, every 4th week
     labelled in a year, department bars as long as their share and coloured by the goal;
     names masked and escaped, ids prefixed, no CPR-shaped run of decimals, same bytes
     for the same figures.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from postbakke.outputs.charts import (
    COLOUR_GOAL,
    COLOUR_JUSTIFIED,
    COLOUR_LEAK,
    department_chart_svg,
    nice_step,
    trend_chart_svg,
)
from postbakke.outputs.figures import Figures


def week(n: int, leaks: int = 0, justified: int = 0, share: float | None = None,
         year: int = 2026) -> Figures:
    return Figures(f"{year}-W{n:02d}", paper=leaks + justified, leaks=leaks,
                   justified=justified, digital=None if share is None else 100,
                   digital_share=share)


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def f(element: ET.Element, name: str) -> float:
    return float(element.attrib[name])


def week_groups(root: ET.Element) -> list[ET.Element]:
    return root.findall(".//g[@class='uge']")


def bar(group: ET.Element, kind: str) -> ET.Element | None:
    return group.find(f"rect[@class='{kind}']")


def axis_ticks(root: ET.Element, axis: str) -> dict[str, float]:
    """An axis's tick labels -> their y (the text's own y, its middle with dy=0.35em)."""
    return {t.text or "": f(t, "y") for t in root.findall(f".//g[@class='{axis}']/text")}


def x_axis_y(root: ET.Element) -> float:
    """The trend's x axis: the horizontal axis line under the bars."""
    lines = [line for line in root.findall("line")
             if line.attrib["y1"] == line.attrib["y2"] and "class" not in line.attrib]
    return f(lines[0], "y1")


# --------------------------------------------------------------------------- the trend


def test_a_week_with_twice_the_leaks_has_a_bar_twice_as_tall_and_justified_on_top():
    root = parse(trend_chart_svg([week(45, 3, 2), week(46, 6, 0), week(47, 0, 4)]))
    w45, w46, w47 = week_groups(root)
    leak45, leak46 = bar(w45, "laek"), bar(w46, "laek")
    assert leak45 is not None and leak46 is not None
    assert f(leak46, "height") == pytest.approx(2 * f(leak45, "height"), abs=0.02)
    # the leaks stand on the x axis, the justified paper on the leaks
    bottom = x_axis_y(root)
    assert f(leak45, "y") + f(leak45, "height") == pytest.approx(bottom, abs=0.01)
    justified45 = bar(w45, "begrundet")
    assert justified45 is not None
    assert f(justified45, "y") + f(justified45, "height") == pytest.approx(f(leak45, "y"),
                                                                         abs=0.02)
    assert f(justified45, "height") == pytest.approx(f(leak45, "height") * 2 / 3, abs=0.02)
    # a week without leaks has only its justified bar, standing on the axis
    assert bar(w47, "laek") is None and bar(w46, "begrundet") is None
    justified47 = bar(w47, "begrundet")
    assert justified47 is not None
    assert f(justified47, "y") + f(justified47, "height") == pytest.approx(bottom, abs=0.01)
    assert (leak45.attrib["fill"], justified45.attrib["fill"]) == (COLOUR_LEAK, COLOUR_JUSTIFIED)
    # the bars are read off the left axis: 6 letters reach the tick "6"
    ticks = axis_ticks(root, "venstre-akse")
    assert f(leak46, "y") == pytest.approx(ticks["6"], abs=0.01)


@pytest.mark.parametrize(("highest", "ticks"), [
    (0, ["0", "1"]),  # no letter at all: an axis of one letter
    (2, ["0", "1", "2"]),
    (7, ["0", "2", "4", "6", "8"]),
    (48, ["0", "10", "20", "30", "40", "50"]),
    (51, ["0", "20", "40", "60"]),
    (130, ["0", "50", "100", "150"]),
    (2400, ["0", "500", "1000", "1500", "2000", "2500"]),
])
def test_the_letters_axis_has_about_five_nice_integer_ticks(highest, ticks):
    root = parse(trend_chart_svg([week(47, highest)]))
    assert list(axis_ticks(root, "venstre-akse")) == ticks, highest


def test_nice_steps_are_1_2_5_times_a_power_of_ten():
    assert [nice_step(n) for n in (1, 5, 6, 10, 11, 25, 26, 50, 51, 100, 101, 499, 501)] == [
        1, 1, 2, 2, 5, 5, 10, 10, 20, 20, 50, 100, 200]


def test_the_share_line_sits_at_its_percent_of_the_right_axis_with_a_gap_for_no_share():
    root = parse(trend_chart_svg([week(44, 1, share=0.5), week(45, 1), week(46, 1, share=0.8),
                                  week(47, 1, share=0.9)]))
    right = axis_ticks(root, "hoejre-akse")
    zero, hundred = right["0 %"], right["100 %"]
    assert list(right) == ["0 %", "20 %", "40 %", "60 %", "80 %", "100 %"]

    def at(share: float) -> float:
        return zero - share * (zero - hundred)

    dots = root.findall(".//g[@class='digital-andel']/circle")
    assert [f(d, "cy") for d in dots] == pytest.approx([at(0.5), at(0.8), at(0.9)], abs=0.01)
    centres = [f(bar(g, "laek"), "x") + f(bar(g, "laek"), "width") / 2  # type: ignore[arg-type]
               for g in week_groups(root)]
    assert [f(d, "cx") for d in dots] == pytest.approx([centres[0], *centres[2:]], abs=0.01)
    # week 45 has no share: week 44's dot stands alone, the line runs from week 46 to 47
    lines = root.findall(".//g[@class='digital-andel']/polyline")
    assert len(lines) == 1
    points = [float(v) for p in lines[0].attrib["points"].split() for v in p.split(",")]
    assert points == pytest.approx([centres[2], at(0.8), centres[3], at(0.9)], abs=0.01)


def test_the_goal_line_is_dashed_at_85_percent_of_the_right_axis():
    root = parse(trend_chart_svg([week(46, 2, share=0.7), week(47, 3, share=0.9)]))
    right = axis_ticks(root, "hoejre-akse")
    goal = root.find("line[@class='maal']")
    assert goal is not None and goal.attrib["stroke"] == COLOUR_GOAL
    assert "stroke-dasharray" in goal.attrib
    expected = right["0 %"] - 0.85 * (right["0 %"] - right["100 %"])
    assert f(goal, "y1") == f(goal, "y2") == pytest.approx(expected, abs=0.01)
    legend = [t.text for t in root.findall(".//g[@class='legende']/text")]
    assert legend == ["Læk", "Begrundet papir", "Digital andel", "Mål 85 %"]


def test_without_any_digital_share_there_is_no_line_no_goal_and_no_right_axis():
    root = parse(trend_chart_svg([week(46, 2), week(47, 3, 1)]))
    legend = [t.text for t in root.findall(".//g[@class='legende']/text")]
    assert legend == ["Læk", "Begrundet papir"]
    assert root.find(".//g[@class='hoejre-akse']") is None
    assert root.find(".//line[@class='maal']") is None
    assert root.find(".//circle") is None


def test_a_years_trend_labels_every_4th_week_under_its_bars():
    weeks = ([week(n, n % 5, 1, year=2025) for n in range(49, 53)]
             + [week(n, n % 5, 1) for n in range(1, 49)])
    root = parse(trend_chart_svg(weeks))
    groups = week_groups(root)
    assert len(groups) == 52
    labelled = [(i, label.text) for i, g in enumerate(groups)
                for label in g.findall("text[@class='ugenummer']")]
    assert [text for _, text in labelled] == [
        "U49", "U01", "U05", "U09", "U13", "U17", "U21", "U25", "U29", "U33", "U37", "U41",
        "U45"]
    assert [i for i, _ in labelled] == list(range(0, 52, 4))
    for i, _ in labelled:  # centred under its week's bars
        rect, text = groups[i].find("rect"), groups[i].find("text")
        assert rect is not None and text is not None
        assert f(text, "x") == pytest.approx(f(rect, "x") + f(rect, "width") / 2, abs=0.02)


def test_a_short_trend_labels_every_week():
    root = parse(trend_chart_svg([week(n, 1) for n in range(45, 49)]))
    assert [t.text for t in root.findall(".//text[@class='ugenummer']")] == [
        "U45", "U46", "U47", "U48"]


def test_trend_chart_is_an_inline_svg_without_prologue_script_or_link():
    svg = trend_chart_svg([week(47, 2, share=0.8)])
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert "<?xml" not in svg and "DOCTYPE" not in svg
    assert not re.search(r"<script|href=|https?:|url\(", svg)
    root = parse(svg)
    assert root.attrib["viewBox"] == "0 0 672 288"
    assert 'transform="rotate(-90 ' in svg and "Papirbreve" in svg


# --------------------------------------------------------------------------- departments

DEPARTMENTS = [
    Figures("Jobcenter", digital=190, digital_share=0.95),
    Figures("Teknik", digital=None, digital_share=None),  # no digital counts: no bar
    Figures("Børn & Unge <Skole>", digital=40, digital_share=0.5),
    Figures("Sag 010203-1234 Ydelse", digital=10, digital_share=0.85),
]


def department_rows(root: ET.Element) -> list[ET.Element]:
    return root.findall(".//g[@class='afdeling']")


def test_department_bars_are_as_long_as_their_share_and_green_when_they_meet_the_goal():
    svg = department_chart_svg(DEPARTMENTS)
    assert svg is not None
    root = parse(svg)
    ticks = {t.text: f(t, "x") for t in root.findall(".//g[@class='x-akse']/text")}
    assert list(ticks) == ["0 %", "25 %", "50 %", "75 %", "100 %"]
    full = ticks["100 %"] - ticks["0 %"]
    rows = department_rows(root)
    assert len(rows) == 3  # Teknik has no share
    bars = [row.find("rect") for row in rows]
    assert [f(b, "x") for b in bars] == [ticks["0 %"]] * 3  # type: ignore[arg-type]
    assert [f(b, "width") / full for b in bars] == pytest.approx(  # type: ignore[arg-type]
        [0.95, 0.5, 0.85], abs=0.001)
    assert [b.attrib["fill"] for b in bars] == [  # type: ignore[union-attr]
        COLOUR_GOAL, COLOUR_JUSTIFIED, COLOUR_GOAL]
    values = root.findall(".//g[@class='vaerdier']/text")
    assert [v.text for v in values] == ["95,0 %", "50,0 %", "85,0 %"]
    assert [f(v, "x") for v in values] == pytest.approx(  # just after each bar
        [f(b, "x") + f(b, "width") + 5 for b in bars], abs=0.02)  # type: ignore[arg-type]
    goal = root.find("line[@class='maal']")
    assert goal is not None
    assert f(goal, "x1") == pytest.approx(ticks["0 %"] + 0.85 * full, abs=0.01)
    label = root.find(f"text[@fill='{COLOUR_GOAL}']")
    assert label is not None and label.text == "Mål 85 %"
    assert f(label, "x") == f(goal, "x1") and f(label, "y") < f(goal, "y1")


def test_department_names_are_masked_and_escaped():
    svg = department_chart_svg(DEPARTMENTS)
    assert svg is not None
    assert "010203-1234" not in svg and "<Skole>" not in svg
    assert "Børn &amp; Unge &lt;Skole&gt;" in svg
    names = [row.findall("text")[0].text for row in department_rows(parse(svg))]
    assert names == ["Jobcenter", "Børn & Unge <Skole>", "Sag 010203-XXXX Ydelse"]


def test_a_long_department_name_is_shortened_and_whole_in_its_tooltip():
    name = "Social, Sundhed og Ældre – Myndighedsafdelingen for voksne med handicap"
    svg = department_chart_svg([Figures(name, digital=9, digital_share=0.9)])
    assert svg is not None
    row = department_rows(parse(svg))[0]
    shown = row.findall("text")[0].text or ""
    assert shown.endswith("…") and name.startswith(shown[:-1]) and len(shown) < len(name)
    assert name in (row.findtext("title") or "")


def test_a_cpr_number_is_masked_before_a_long_name_is_shortened():
    """Shortened first, "010203-12…" would be no whole CPR number any more: nothing would
    mask the digits shown."""
    name = "Ydelsesafdelingen, sager om 010203-1234 og andre"
    svg = department_chart_svg([Figures(name, digital=9, digital_share=0.9)])
    assert svg is not None
    assert "010203-1" not in svg and "010203-XXXX" in svg  # the whole (masked) name in the tooltip
    shown = department_rows(parse(svg))[0].findall("text")[0].text or ""
    assert shown.startswith("Ydelsesafdelingen, sager om 010203-X") and shown.endswith("…")


def test_no_department_chart_without_digital_counts():
    assert department_chart_svg([Figures("Jobcenter", paper=4, leaks=2)]) is None


# --------------------------------------------------------------------------- both charts


def awkward_weeks() -> list[Figures]:
    """52 weeks whose positions are far from round numbers (thirds, sevenths)."""
    return [week(n, (n * 7) % 13, (n * 3) % 7, None if n % 11 == 0 else (n % 9) / 9 + 0.001)
            for n in range(1, 53)]


def test_no_run_of_decimals_long_enough_to_look_like_a_cpr_number():
    departments = [Figures(f"Afdeling {i}", digital=3, digital_share=i / 7) for i in range(7)]
    for svg in (trend_chart_svg(awkward_weeks()), department_chart_svg(departments)):
        assert svg is not None
        assert re.search(r"\d\.\d{3}", svg) is None
        assert not re.search(r"\d{7}", svg)


def test_ids_are_prefixed_per_chart_and_unique_on_a_page_with_both():
    trend = trend_chart_svg([week(46, 1, share=0.9), week(47, 2, share=0.8)])
    departments = department_chart_svg(DEPARTMENTS)
    assert departments is not None
    for svg, prefix, says in ((trend, "udvikling-", "pr. uge"),
                              (departments, "afdelinger-", "pr. afdeling")):
        ids = re.findall(r'\bid="([^"]+)"', svg)
        assert ids and all(i.startswith(prefix) for i in ids), ids
        # named by aria-labelledby: a Danish title saying what the chart shows
        root = parse(svg)
        assert root.attrib["role"] == "img"
        title = root.find(f"title[@id='{root.attrib['aria-labelledby']}']")
        assert title is not None and says in (title.text or ""), says
    page = trend + departments
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids))


def test_the_same_figures_give_the_same_bytes():
    assert trend_chart_svg(awkward_weeks()) == trend_chart_svg(awkward_weeks())
    assert department_chart_svg(DEPARTMENTS) == department_chart_svg(list(DEPARTMENTS))
