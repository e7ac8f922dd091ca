"""The report's charts as inline SVG: a layout function per chart computes the coordinates,
a Jinja template (templates/charts/) writes the elements; no file, no external resource.

We write the SVG ourselves instead of drawing with matplotlib (issue 24): importing it alone
cost 0.65-0.85 s and a year's trend 0.2 s more, while the whole `report --week` command
must take at most 1 s; bars, a line and some text need no plotting library.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from postbakke.outputs.figures import GOAL_DIGITAL_SHARE, Figures
from postbakke.outputs.wording import percent_da, template_environment, week_da
from postbakke.privacy import mask_cpr_in_text

# Chart width at 100 % zoom: 7 in at 96 px/in = 178 mm, the text width of A4 portrait with
# 16 mm margins; the viewBox lets it scale to the page.
WIDTH = 672.0
TREND_HEIGHT = 288.0  # 3 in

# Width of a character at the charts' 11 px in DejaVu Sans (the report's font, and the
# widest of the usual sans-serifs), an upper bound: measured in Chromium, 5.4-6.0 px a
# character for the legend and department names, 6.5 for "100,0 %" (capitals are wider).
# It places the legend's items and the column of department names; text is never measured.
CHAR_PX = 6.5

COLOUR_LEAK = "#c0392b"
COLOUR_JUSTIFIED = "#e0a458"
COLOUR_DIGITAL = "#1f6f8b"
COLOUR_GOAL = "#2e7d32"

# Week labels under the trend at most (a longer trend labels every 2nd, 3rd, ... week).
MAX_WEEK_LABELS = 13

# About this many ticks on the trend's left axis: its step is the smallest "nice" one
# (1, 2, 5 x 10^n) that reaches the highest week in at most this many steps.
Y_TICKS = 5

# A bar is 60 % of its week's band, at most this wide: a week's report of one to four
# weeks otherwise draws slabs a quarter of the page wide.
BAR_MAX_PX = 64.0

GOAL_PERCENT = percent_da(GOAL_DIGITAL_SHARE, decimals=0)  # "85 %"
GOAL_LABEL = f"Mål {GOAL_PERCENT}"


def px(value: float) -> str:
    """A coordinate to 1/100 px without trailing zeros ("12.5", "300"): a longer run of
    decimals was once read as a CPR number by the pages' guard ("rotate(-90 14.038594")."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def nice_step(highest: int, ticks: int = Y_TICKS) -> int:
    """The smallest of 1, 2, 5 x 10^n that reaches `highest` in at most `ticks` steps."""
    magnitude = 1
    while True:
        for m in (1, 2, 5):
            if m * magnitude * ticks >= highest:
                return m * magnitude
        magnitude *= 10


def trend_layout(weeks: Sequence[Figures]) -> dict[str, Any]:
    """Where the trend chart's bars, line, ticks and labels go, in px of the viewBox."""
    shares = [w.digital_share for w in weeks]
    has_share = any(s is not None for s in shares)
    left, right = 56.0, WIDTH - (60 if has_share else 16)
    top, bottom = 36.0, TREND_HEIGHT - 28
    highest = max([1] + [w.leaks + w.justified for w in weeks])
    step = nice_step(highest)
    y_max = -(-highest // step) * step

    def y_of(letters: int) -> float:
        return bottom - letters / y_max * (bottom - top)

    def y_of_share(share: float) -> float:
        return bottom - share * (bottom - top)

    band = (right - left) / max(1, len(weeks))
    bar_width = min(band * 0.6, BAR_MAX_PX)
    label_every = max(1, -(-len(weeks) // MAX_WEEK_LABELS))  # a year's 52 weeks: every 4th
    columns: list[dict[str, Any]] = []
    runs: list[list[tuple[float, float]]] = []  # the share line's points, split at gaps
    run: list[tuple[float, float]] = []
    for i, w in enumerate(weeks):
        centre = left + band * (i + 0.5)
        bars = [(kind, colour, y_of(below + n), y_of(below) - y_of(below + n))
                for kind, colour, below, n in (
                    ("laek", COLOUR_LEAK, 0, w.leaks),
                    ("begrundet", COLOUR_JUSTIFIED, w.leaks, w.justified)) if n]
        columns.append({
            "x": centre - bar_width / 2, "width": bar_width, "centre": centre, "bars": bars,
            "label": f"U{w.label.split('-W')[1]}" if i % label_every == 0 else None,
            "title": f"{week_da(w.label)}: {w.leaks} læk, {w.justified} begrundede"
                     + (f", digital andel {percent_da(w.digital_share)}"
                        if w.digital_share is not None else ""),
        })
        if w.digital_share is None:  # a gap in the line
            run = []
        else:
            if not run:
                runs.append(run)
            run.append((centre, y_of_share(min(w.digital_share, 1.0))))
    legend = [("bar", "Læk", COLOUR_LEAK), ("bar", "Begrundet papir", COLOUR_JUSTIFIED)]
    if has_share:
        legend += [("line", "Digital andel", COLOUR_DIGITAL), ("goal", GOAL_LABEL, COLOUR_GOAL)]
    return {
        "width": WIDTH, "height": TREND_HEIGHT,
        "left": left, "right": right, "top": top, "bottom": bottom,
        "title": _trend_title(weeks, has_share),
        "legend": _legend(legend, left, 12),
        "y_ticks": [(y_of(v), str(v)) for v in range(0, y_max + 1, step)],
        "y_title": (16, (top + bottom) / 2),
        "columns": columns,
        "share": None if not has_share else {
            "ticks": [(y_of_share(p / 100), percent_da(p / 100, decimals=0))
                      for p in range(0, 101, 20)],
            "title": (WIDTH - 12, (top + bottom) / 2),
            "goal_y": y_of_share(GOAL_DIGITAL_SHARE),
            "lines": [" ".join(f"{px(x)},{px(y)}" for x, y in r) for r in runs if len(r) > 1],
            "points": [p for r in runs for p in r],
        },
    }


def _trend_title(weeks: Sequence[Figures], has_share: bool) -> str:
    span = (f"{week_da(weeks[0].label)} til {week_da(weeks[-1].label)}" if len(weeks) > 1
            else week_da(weeks[0].label) if weeks else "ingen uger")
    share = f", og den digitale andel som linje mod målet på {GOAL_PERCENT}" if has_share else ""
    return f"Læk og begrundede papirbreve pr. uge som søjler, {span}{share}."


def _legend(items: list[tuple[str, str, str]], x: float, y: float) -> list[dict[str, Any]]:
    """The legend's items in a row from (x, y): a 16 px sample, then the name."""
    placed = []
    for kind, name, colour in items:
        placed.append({"kind": kind, "name": name, "colour": colour, "x": x, "y": y})
        x += 16 + 5 + len(name) * CHAR_PX + 14
    return placed


# The department chart: a row per department, names in a column at the left as wide as the
# longest (up to NAME_COLUMN_MAX px; a longer name is shortened with "…", whole in its tooltip).
ROW_PX = 26.0
NAME_COLUMN_MAX = 260.0


def department_layout(rows: Sequence[Figures]) -> dict[str, Any]:
    """Where the department chart's bars, names, values and ticks go, in px of the viewBox."""
    names = [mask_cpr_in_text(d.label) for d in rows]  # masked where drawn
    longest = max(len(n) for n in names)
    left = min(NAME_COLUMN_MAX, max(60.0, longest * CHAR_PX + 16))
    fits = int((left - 16) // CHAR_PX)
    right = WIDTH - 56  # room for "100,0 %" after a full bar
    top = 28.0
    bottom = top + ROW_PX * len(rows)

    def x_of(share: float) -> float:
        return left + min(share, 1.0) * (right - left)

    bars = []
    for i, (d, name) in enumerate(zip(rows, names, strict=True)):
        share = d.digital_share or 0.0
        bars.append({
            "y": top + ROW_PX * (i + 0.2), "height": ROW_PX * 0.6,
            "centre": top + ROW_PX * (i + 0.5), "width": x_of(share) - left,
            "colour": COLOUR_GOAL if d.meets_goal else COLOUR_JUSTIFIED,
            "name": name if len(name) <= fits else name[:fits - 1] + "…",
            "value": percent_da(share), "title": f"{name}: {percent_da(share)} digital",
        })
    return {
        "width": WIDTH, "height": bottom + 26, "left": left, "right": right, "top": top,
        "bottom": bottom, "bars": bars, "goal_x": x_of(GOAL_DIGITAL_SHARE),
        "x_ticks": [(x_of(p / 100), percent_da(p / 100, decimals=0)) for p in range(0, 101, 25)],
        "title": f"Digital andel pr. afdeling som vandrette søjler, grønne for de afdelinger, "
                 f"der når målet på {GOAL_PERCENT}.",
    }


@cache
def _environment() -> Any:
    """One environment a process: the two templates are compiled once."""
    env = template_environment()
    env.filters["px"] = px
    env.globals.update(GOAL_LABEL=GOAL_LABEL, COLOUR_GOAL=COLOUR_GOAL,
                       COLOUR_DIGITAL=COLOUR_DIGITAL)
    return env


def trend_chart_svg(weeks: Sequence[Figures]) -> str:
    """Leaks and justified paper (stacked bars) and the digital share (line, right axis)
    per ISO week, with the goal."""
    return str(_environment().get_template("charts/trend.svg.j2")
               .render(c=trend_layout(weeks))).strip()


def department_chart_svg(departments: Sequence[Figures]) -> str | None:
    """Digital share per department against the goal; None without digital counts."""
    rows = [d for d in departments if d.digital_share is not None]
    if not rows:
        return None
    return str(_environment().get_template("charts/departments.svg.j2")
               .render(c=department_layout(rows))).strip()
