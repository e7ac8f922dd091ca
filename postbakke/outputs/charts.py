"""The report's charts, drawn by matplotlib (Agg) as inline SVG: no file, no external resource."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from typing import Any

from postbakke.outputs.figures import GOAL_DIGITAL_SHARE, Figures
from postbakke.outputs.wording import percent_da
from postbakke.privacy import mask_cpr_in_text

# Chart size in inches at 100 % zoom: 7 in = 178 mm, the text width of A4
# portrait with 16 mm margins.
CHART_WIDTH_IN = 7.0
CHART_HEIGHT_IN = 3.0

COLOUR_LEAK = "#c0392b"
COLOUR_JUSTIFIED = "#e0a458"
COLOUR_DIGITAL = "#1f6f8b"
COLOUR_GOAL = "#2e7d32"


def _svg(figure: object, prefix: str) -> str:
    """A matplotlib figure as an inline <svg> element: no XML prologue, no DTD or namespace
    URLs (HTML knows SVG), ids prefixed so that two charts on one page cannot clash."""
    buffer = io.StringIO()
    figure.savefig(  # type: ignore[attr-defined]
        buffer, format="svg", bbox_inches="tight",
        metadata={"Date": None, "Creator": None, "Format": None, "Type": None},
    )
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg"):]
    svg = re.sub(r'\s+xmlns(?::xlink)?="[^"]*"', "", svg, count=2)
    svg = re.sub(r'\bid="([^"]+)"', rf'id="{prefix}-\1"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", rf"url(#{prefix}-\1)", svg)
    svg = re.sub(r'href="#([^"]+)"', rf'href="#{prefix}-\1"', svg)
    # coordinates to 1/100 px: matplotlib writes 6 decimals, and runs of them were read
    # as CPR numbers by the pages' guard ("rotate(-90 14.038594" masked, the axis label
    # lost), besides a third of the chart's size
    svg = _COORDINATE_DECIMALS.sub(r"\1", svg)
    return svg.strip()


_COORDINATE_DECIMALS = re.compile(r"(\d\.\d\d)\d+")


def _new_figure(width_in: float, height_in: float) -> Any:
    """A matplotlib Figure drawn without pyplot (whose import alone took ~1 s, twice the
    rest of a week's report): the SVG is rendered by the figure's own canvas."""
    import matplotlib

    matplotlib.rcParams.update({
        "svg.fonttype": "none",  # text stays text: small, searchable, sharp in print
        "svg.hashsalt": "postbakke",  # the same figures give the same file
        "font.family": "DejaVu Sans",
        "font.size": 9,
        "axes.spines.top": False,
    })
    from matplotlib.figure import Figure

    return Figure(figsize=(width_in, height_in))


def _percent_axis(axis: object) -> None:
    from matplotlib.ticker import FuncFormatter

    axis.set_major_formatter(  # type: ignore[attr-defined]
        FuncFormatter(lambda v, _: percent_da(v / 100, decimals=0))
    )


# Week labels under the trend at most (a longer trend labels every 2nd, 3rd, ... week).
MAX_WEEK_LABELS = 13


def _bars(ax: Any, xs: Sequence[int], heights: Sequence[int], bottoms: Sequence[int],
          colour: str, label: str) -> None:
    """One series of bars as one collection (a bar patch each cost ~5 ms: a year's
    trend of 52 weeks drew 104 of them)."""
    from matplotlib.collections import PolyCollection

    ax.add_collection(PolyCollection(
        [[(x - 0.3, b), (x - 0.3, b + h), (x + 0.3, b + h), (x + 0.3, b)]
         for x, h, b in zip(xs, heights, bottoms, strict=True) if h],
        facecolors=colour, edgecolors="none", label=label), autolim=False)


def trend_chart_svg(weeks: Sequence[Figures]) -> str:
    """Leaks (bars) and digital share (line, right axis) per ISO week, with the goal."""
    figure = _new_figure(CHART_WIDTH_IN, CHART_HEIGHT_IN)
    ax = figure.subplots()
    xs = list(range(len(weeks)))
    labels = [f"U{w.label.split('-W')[1]}" for w in weeks]
    leaks = [w.leaks for w in weeks]
    _bars(ax, xs, leaks, [0] * len(xs), COLOUR_LEAK, "Læk")
    _bars(ax, xs, [w.justified for w in weeks], leaks, COLOUR_JUSTIFIED, "Begrundet papir")
    ax.set_xlim(-0.6, len(xs) - 0.4)
    ax.set_ylim(0, max([1] + [w.leaks + w.justified for w in weeks]) * 1.05)
    ax.set_ylabel("Papirbreve")
    step = -(-len(xs) // MAX_WEEK_LABELS)  # a year's 52 weeks: every 4th labelled
    ax.set_xticks(xs[::step], labels[::step])
    ax.yaxis.get_major_locator().set_params(integer=True)
    handles, names = ax.get_legend_handles_labels()
    shares = [w.digital_share for w in weeks]
    if any(s is not None for s in shares):
        right = ax.twinx()
        right.plot(xs, [float("nan") if s is None else s * 100 for s in shares],
                   color=COLOUR_DIGITAL, marker="o", linewidth=2, label="Digital andel")
        right.axhline(GOAL_DIGITAL_SHARE * 100, color=COLOUR_GOAL, linestyle="--",
                      linewidth=1, label=f"Mål {percent_da(GOAL_DIGITAL_SHARE, decimals=0)}")
        right.set_ylim(0, 100)
        right.set_ylabel("Digital andel")
        right.spines["top"].set_visible(False)
        _percent_axis(right.yaxis)
        more, more_names = right.get_legend_handles_labels()
        handles, names = handles + more, names + more_names
    ax.legend(handles, names, loc="upper left", fontsize=8, frameon=False, ncols=4,
              bbox_to_anchor=(0, 1.15))
    return _svg(figure, "udvikling")


def department_chart_svg(departments: Sequence[Figures]) -> str | None:
    """Digital share per department against the goal; None without digital counts."""
    rows = [d for d in departments if d.digital_share is not None]
    if not rows:
        return None
    height = max(1.6, 0.4 * len(rows) + 0.8)
    figure = _new_figure(CHART_WIDTH_IN, height)
    ax = figure.subplots()
    ys = list(range(len(rows)))[::-1]
    shares = [(d.digital_share or 0) * 100 for d in rows]
    colours = [COLOUR_GOAL if d.meets_goal else COLOUR_JUSTIFIED for d in rows]
    ax.barh(ys, shares, color=colours, height=0.6)
    ax.axvline(GOAL_DIGITAL_SHARE * 100, color=COLOUR_GOAL, linestyle="--", linewidth=1)
    goal = f"Mål {percent_da(GOAL_DIGITAL_SHARE, decimals=0)}"
    ax.text(GOAL_DIGITAL_SHARE * 100, max(ys) + 0.55, goal, ha="center", fontsize=8,
            color=COLOUR_GOAL)
    for y, share in zip(ys, shares, strict=True):
        ax.text(min(share, 100) + 1, y, percent_da(share / 100), va="center", fontsize=8)
    ax.set_yticks(ys, [mask_cpr_in_text(d.label) for d in rows])  # masked where drawn
    ax.set_xlim(0, 110)
    ax.set_xticks([0, 25, 50, 75, 100])
    _percent_axis(ax.xaxis)
    ax.spines["right"].set_visible(False)
    return _svg(figure, "afdelinger")
