"""Charts as PNG bytes (matplotlib, Agg backend), Discord-free: a post's views and likes over time."""

from __future__ import annotations

import asyncio
import functools
import gc
import io
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from bot.tracking_models import PostAnalytics
from bot.watch_models import AccountAnalytics

CHART_FILENAME = "chart.png"
VIEWS_COLOUR = "#3498db"
LIKES_COLOUR = "#e91e63"


@dataclass(frozen=True, slots=True)
class ChartPoint:
    at: datetime
    views: int
    likes: int


def points_of(analytics: PostAnalytics) -> list[ChartPoint]:
    return [ChartPoint(s.captured_at, s.metrics.views, s.metrics.likes) for s in analytics.snapshots]


# One thread draws every chart: drawing holds the GIL, so more threads would not draw faster, and each
# would get a malloc arena of its own (measured: ~10 MB more resident memory after 100 charts).
_DRAWER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chart")


async def _draw(render: Any, *args: Any) -> bytes:
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
def _matplotlib() -> tuple[Any, Any, Any, Any]:
    """matplotlib's pieces, imported at the first chart: ~45 MB a bot that draws no chart never pays.

    Agg draws into memory: no display, and no GUI toolkit that would insist on the main thread."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    gc.freeze()  # matplotlib's own ~50,000 objects live for ever: out of the collector's scans
    return Figure, FuncFormatter, AutoDateLocator, ConciseDateFormatter


def _compact(value: float, _pos: object = None) -> str:
    """1.2M, 35k, 900: axis labels that stay narrow."""
    for size, suffix in ((1_000_000_000, "B"), (1_000_000, "M"), (1_000, "k")):
        if abs(value) >= size:
            return f"{value / size:.3g}{suffix}"
    return f"{value:.0f}"


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


def _twin(left_ax: Any, right_ax: Any, left: Sequence[float], right: Sequence[float]) -> None:
    left_limits, right_limits = twin_limits(left, right)
    left_ax.set_ylim(*left_limits)
    right_ax.set_ylim(*right_limits)


def render_growth_chart(points: Sequence[ChartPoint], title: str = "") -> bytes:
    """Views (left axis) and likes (right axis) over time as a PNG. One point still draws a marker."""
    return _two_axes_png(
        [p.at for p in points],
        ("views", [p.views for p in points], VIEWS_COLOUR),
        ("likes", [p.likes for p in points], LIKES_COLOUR),
        title,
    )


Line = tuple[str, list[int], str]  # label, values, colour


def _two_axes_png(times: list[Any], left: Line, right: Line, title: str) -> bytes:
    """Two lines over time, each on an axis of its own (left, right), as a PNG.

    Uses the object API (a Figure of its own, no pyplot state), so renders on several threads do not
    share anything.
    """
    Figure, FuncFormatter, AutoDateLocator, ConciseDateFormatter = _matplotlib()
    fig = Figure(figsize=(8, 3.6), dpi=100)
    # Fixed margins: a constrained layout would cost more than the drawing itself.
    fig.subplots_adjust(left=0.09, right=0.9, top=0.9, bottom=0.16)
    left_ax = fig.add_subplot()
    axes = (left_ax, left_ax.twinx())
    # The right-hand line dashed with square markers: told apart even where the two lines cross.
    styles = ({"marker": "o", "linestyle": "-"}, {"marker": "s", "linestyle": "--"})
    for ax, (label, values, colour), style in zip(axes, (left, right), styles, strict=True):
        ax.plot(times, values, color=colour, markersize=3, label=label, **style)
        ax.set_ylabel(label, color=colour)
        ax.yaxis.set_major_formatter(FuncFormatter(_compact))
    _twin(axes[0], axes[1], left[1], right[1])
    locator = AutoDateLocator()
    left_ax.xaxis.set_major_locator(locator)
    left_ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    left_ax.grid(True, alpha=0.3)
    left_ax.legend(
        axes[0].get_lines() + axes[1].get_lines(), [left[0], right[0]], loc="upper left", fontsize=8
    )
    if title:
        left_ax.set_title(title, fontsize=10)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


async def growth_chart_png(analytics: PostAnalytics) -> bytes:
    """The post's chart, drawn on a worker thread so the event loop keeps answering interactions."""
    title = f"#{analytics.post.id} @{analytics.post.author}"
    return await _draw(render_growth_chart, points_of(analytics), title)


# --- accounts (watched accounts' snapshots, bot/watches.py) ---------------------------------------
FOLLOWERS_COLOUR = "#2ecc71"
HEARTS_COLOUR = "#e91e63"


def render_account_chart(analytics: AccountAnalytics) -> bytes:
    """An account's followers (left axis) and hearts (right axis) over its snapshots, as a PNG."""
    snapshots = analytics.snapshots
    return _two_axes_png(
        [s.captured_at for s in snapshots],  # matplotlib's stubs want numbers: times go as Any
        ("followers", [s.numbers.followers or 0 for s in snapshots], FOLLOWERS_COLOUR),
        ("hearts", [s.numbers.hearts or 0 for s in snapshots], HEARTS_COLOUR),
        f"@{analytics.username}",
    )


async def account_chart_png(analytics: AccountAnalytics) -> bytes:
    """The account's chart, drawn on a worker thread."""
    return await _draw(render_account_chart, analytics)


# --- the month's API calls (/usage, `python -m bot usage`) ------------------------------------------
USAGE_CHART = "usage.png"
CALLS_COLOUR = "#3498db"
BUDGET_COLOUR = "#e67e22"


def render_usage_chart(daily: dict[date, int], month: date, budget: int | None) -> bytes:
    """The month's calls: a bar a day, the running total, and the budget line (the budget spread evenly
    over the month: a total above it runs out before the month ends)."""
    Figure, FuncFormatter, _, _ = _matplotlib()
    following = (month.replace(day=1) + timedelta(days=32)).replace(day=1)
    days = (following - month.replace(day=1)).days
    fig = Figure(figsize=(6, 2.8), dpi=100)
    fig.subplots_adjust(left=0.11, right=0.97, top=0.88, bottom=0.16)
    ax = fig.add_subplot()
    xs = list(range(1, days + 1))
    per_day = [daily.get(month.replace(day=d), 0) for d in xs]
    last = max((d for d in xs if per_day[d - 1]), default=0)
    running, total = [], 0
    for d in xs[:last]:
        total += per_day[d - 1]
        running.append(total)
    ax.bar(xs, per_day, color=CALLS_COLOUR, alpha=0.5, label="calls that day")
    if running:
        ax.plot(xs[:last], running, color=CALLS_COLOUR, marker="o", markersize=2, label="this month")
    if budget:
        ax.plot([0, days], [0, budget], color=BUDGET_COLOUR, linestyle="--", label="budget line")
        ax.axhline(budget, color=BUDGET_COLOUR, linewidth=0.8)
    ax.set_xlim(0.5, days + 0.5)
    ax.yaxis.set_major_formatter(FuncFormatter(_compact))
    ax.set_xlabel(f"{month:%B %Y} (UTC days)", fontsize=8)
    ax.grid(True, alpha=0.3)
    ax.legend(loc="upper left", fontsize=7)
    ax.set_title("Metrics API calls", fontsize=10)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


async def usage_chart_png(daily: dict[date, int], month: date, budget: int | None) -> bytes:
    return await _draw(render_usage_chart, daily, month, budget)
