"""The one look of every chart, and where charts are drawn: matplotlib loaded at the first chart (Agg, no
display), one drawing thread, the palette, figure sizes, labelled axes and numbers with separators.
Discord-free.

A new chart reads like this (see bot/charts/compare.py):

    fig, ax = new_figure(WIDE)
    ax.plot(xs, ys, color=SERIES[0], label="views")
    finish(ax, title="...", xlabel="hours since publish", ylabel="views")
    return png_of(fig)

The look. Discord shows an image as it is, on its dark theme (#313338) or its light one (#ffffff). A
transparent chart's dark text vanishes on the dark theme and light text on the light one, so every chart is
an opaque card: a light grey background (BACKGROUND) with dark ink (INK), which reads on the dark theme as
a card and is set off the light theme's white by its grey and a one-pixel frame (FRAME). The series colours
are the Okabe-Ito palette (told apart with the common colour blindnesses), each dark enough on the white
plot area; two series on one chart differ in line style and marker too, so neither hides the other.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import io
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, tzinfo
from typing import Any

# One thread draws every chart: drawing holds the GIL, so more threads would not draw faster, and each
# would get a malloc arena of its own (measured: ~10 MB more resident memory after 100 charts).
_DRAWER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chart")

BACKGROUND = "#eceef1"  # the card: light grey, opaque
PLOT_BACKGROUND = "#ffffff"  # inside the axes
FRAME = "#a3a9b1"  # the card's one-pixel edge and the axes' spines
INK = "#1f2328"  # titles and axis labels
MUTED = "#4b525a"  # tick labels, legend text
GRID = "#d7dbe0"

# Okabe-Ito, in the order charts take them.
BLUE = "#0072b2"
VERMILION = "#d55e00"
GREEN = "#009e73"
PINK = "#cc79a7"
ORANGE = "#e69f00"
SKY = "#56b4e9"
SERIES = (BLUE, VERMILION, GREEN, PINK, ORANGE, SKY)
# Line styles and markers by series, in the same order: series that run together stay told apart.
LINE_STYLES: tuple[dict[str, Any], ...] = (
    {"linestyle": "-", "marker": "o"},
    {"linestyle": "--", "marker": "s"},
    {"linestyle": "-.", "marker": "^"},
    {"linestyle": ":", "marker": "D"},
)
HEATMAP = "cividis"  # sequential, dark to light, even to colour-blind readers and in grey

DPI = 100
# Figure sizes in pixels (width, height). Discord shrinks an embed's image to about 400 px wide, so text is
# sized for that: a 10 pt label at 800 px reads as 5 pt would on paper, never smaller.
WIDE = (800, 400)
SMALL = (640, 320)

_RC: dict[str, Any] = {
    "font.size": 11,
    "axes.titlesize": 13,
    "axes.titleweight": "bold",
    "axes.titlepad": 8,
    "axes.labelsize": 11,
    "axes.labelcolor": INK,
    "axes.edgecolor": FRAME,
    "axes.facecolor": PLOT_BACKGROUND,
    "text.color": INK,
    "xtick.color": MUTED,
    "ytick.color": MUTED,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "legend.fontsize": 10,
    "legend.framealpha": 0.9,
    "legend.edgecolor": GRID,
    "grid.color": GRID,
    "grid.linewidth": 0.8,
    "lines.linewidth": 2.0,
    "lines.markersize": 4,
    "figure.facecolor": BACKGROUND,
    "figure.edgecolor": FRAME,
    "savefig.facecolor": BACKGROUND,
}


async def draw(render: Any, *args: Any) -> bytes:
    """`render(*args)` on the chart thread, then the figure's reference cycles collected at once.

    A matplotlib Figure is a web of cycles that only the generational collector frees; left to it, ~25 MB
    of dead figures pile up between full collections (measured over 100 charts). A young-generation
    collection right after the drawing (~3 ms, on the chart thread) frees them while they are young."""

    def run() -> bytes:
        try:
            return bytes(render(*args))
        finally:
            gc.collect(1)

    return await asyncio.get_running_loop().run_in_executor(_DRAWER, run)


@functools.cache
def matplotlib_parts() -> tuple[Any, Any, Any, Any]:
    """matplotlib's pieces, imported at the first chart: ~45 MB a bot that draws no chart never pays.
    The project's look (`_RC`) is set here, once, for every chart of the process.

    Agg draws into memory: no display, and no GUI toolkit that would insist on the main thread."""
    import matplotlib

    matplotlib.use("Agg")
    from cycler import cycler
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    rc: Any = matplotlib.rcParams  # its stubs list every key as a literal: our table is a plain dict
    rc.update(_RC)
    rc["axes.prop_cycle"] = cycler(color=SERIES)
    gc.freeze()  # matplotlib's own ~50,000 objects live for ever: out of the collector's scans
    return Figure, FuncFormatter, AutoDateLocator, ConciseDateFormatter


def new_figure(size: tuple[int, int] = WIDE, *, right_axis: bool = False) -> tuple[Any, Any]:
    """A figure of `size` pixels in the project's look and its one axes: (figure, axes).

    Margins are fixed (a constrained layout would cost more than the drawing itself); `right_axis` leaves
    room for a second axis's labels on the right (`twin_axes`)."""
    Figure = matplotlib_parts()[0]
    fig = Figure(figsize=(size[0] / DPI, size[1] / DPI), dpi=DPI, linewidth=1)
    fig.subplots_adjust(left=0.1, right=0.88 if right_axis else 0.97, top=0.88, bottom=0.15)
    return fig, fig.add_subplot()


def twin_axes(ax: Any, left: Sequence[float], right: Sequence[float]) -> Any:
    """A right-hand axis sharing `ax`'s x, with limits that keep the two series apart (`twin_limits`)."""
    right_ax = ax.twinx()
    left_limits, right_limits = twin_limits(left, right)
    ax.set_ylim(*left_limits)
    right_ax.set_ylim(*right_limits)
    count_axis(right_ax.yaxis)
    return right_ax


# Where finish() puts the legend by default: in the header row, right of a left-aligned title, outside the
# plot, so it never covers a series (inside the plot, "upper left" hides a post tracked when already old).
ABOVE = "above"
# More entries than this do not fit the header row: the legend goes inside, where matplotlib finds the
# emptiest corner.
ABOVE_MAX_ENTRIES = 3


def finish(
    ax: Any,
    *,
    title: str,
    xlabel: str,
    ylabel: str,
    legend: bool | Sequence[Any] = True,
    legend_loc: str = ABOVE,
    y_counts: bool = True,
) -> None:
    """Title, labelled axes, the light grid, and a legend (True: of `ax`'s labelled lines; a sequence: of
    those artists, e.g. both axes' lines of a twin chart; False: none), above the plot unless told
    another place (a matplotlib `loc`). `y_counts` formats the y axis as counts (`compact`, whole ticks)."""
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(True)
    ax.set_axisbelow(True)
    if y_counts:
        count_axis(ax.yaxis)
    if legend is True:
        handles, labels = ax.get_legend_handles_labels()
    elif legend:
        handles = list(legend)
        labels = [h.get_label() for h in handles]
    else:
        handles, labels = [], []
    if (
        legend_loc == ABOVE
        and 0 < len(handles) <= ABOVE_MAX_ENTRIES
        and _header_row(ax, title, handles, labels)
    ):
        return
    if title:
        ax.set_title(title)
    if handles:
        ax.legend(handles, labels, loc="best" if legend_loc == ABOVE else legend_loc)


def _header_row(ax: Any, title: str, handles: list[Any], labels: list[str]) -> bool:
    """The title on the left and the legend on the right of the row above the plot, if they fit side by
    side (measured); else nothing is placed and False."""
    title_text = ax.set_title(title, loc="left") if title else None
    key = ax.legend(
        handles,
        labels,
        loc="lower right",
        bbox_to_anchor=(1.0, 1.0),
        ncol=len(handles),
        frameon=False,
        borderaxespad=0.3,
        handlelength=2.6,
    )
    if title_text is None or title_text.get_window_extent().x1 + HEADER_GAP <= key.get_window_extent().x0:
        return True
    key.remove()
    title_text.set_text("")
    return False


HEADER_GAP = 16  # pixels between the title and the legend in the header row


def count_axis(axis: Any) -> None:
    """Whole-number ticks labelled compactly (1.2M, 35k, 900)."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    axis.set_major_locator(MaxNLocator(nbins=6, integer=True, min_n_ticks=3))
    axis.set_major_formatter(FuncFormatter(compact))


def time_axis(ax: Any, zone: tzinfo | None = None) -> None:
    """Dates on the x axis, concise (hours under their day, days under their month), in `zone` (UTC)."""
    _, _, AutoDateLocator, ConciseDateFormatter = matplotlib_parts()
    locator = AutoDateLocator(tz=zone or UTC)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator, tz=zone or UTC))


def compact(value: float, _pos: object = None) -> str:
    """1.23M, 35k, 900, 1,230B: three significant digits, a unit, and separators where a full number
    shows. Rounds first, so 999,999 is 1M, not 1,000k."""
    rounded = float(f"{value:.3g}")
    for size, suffix in ((1_000_000_000, "B"), (1_000_000, "M"), (1_000, "k")):
        if abs(rounded) >= size:
            return f"{_trim(rounded / size)}{suffix}"
    return _trim(rounded)


def thousands(value: float, _pos: object = None) -> str:
    """1,234,567: the full number with separators (a table's cell, an axis that needs the exact count)."""
    return _trim(value) if abs(value) < 100 else f"{value:,.0f}"


def _trim(value: float) -> str:
    text = f"{value:,.2f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


# The right-hand series tops out at this fraction of the plot's height, the left-hand one near the top: two
# series that grow in proportion (a steady like rate) would otherwise draw one line over the other.
RIGHT_PEAK = 0.6
LEFT_PEAK = 0.92


def twin_limits(
    left: Sequence[float], right: Sequence[float]
) -> tuple[tuple[float, float], tuple[float, float]]:
    """The y limits of twin axes, both from 0, so the left series peaks at LEFT_PEAK of the height and
    the right one at RIGHT_PEAK: two proportional series never coincide."""
    left_top = max([*left, 0]) or 1
    right_top = max([*right, 0]) or 1
    return (0.0, left_top / LEFT_PEAK), (0.0, right_top / RIGHT_PEAK)


def png_of(fig: Any) -> bytes:
    """The figure as PNG bytes: opaque, in the card's colour, framed."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", facecolor=BACKGROUND, edgecolor=FRAME)
    return buffer.getvalue()
