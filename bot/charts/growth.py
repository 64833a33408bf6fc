"""A post's chart (views and likes over time) and the two-axes chart it shares with accounts' charts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.charts.style import compact, draw, matplotlib_parts, png_of, twin
from bot.tracking_models import PostAnalytics

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


def render_growth_chart(points: Sequence[ChartPoint], title: str = "") -> bytes:
    """Views (left axis) and likes (right axis) over time as a PNG. One point still draws a marker."""
    return two_axes_png(
        [p.at for p in points],
        ("views", [p.views for p in points], VIEWS_COLOUR),
        ("likes", [p.likes for p in points], LIKES_COLOUR),
        title,
    )


Line = tuple[str, list[int], str]  # label, values, colour


def two_axes_png(times: list[Any], left: Line, right: Line, title: str) -> bytes:
    """Two lines over time, each on an axis of its own (left, right), as a PNG.

    Uses the object API (a Figure of its own, no pyplot state), so renders on several threads do not
    share anything.
    """
    Figure, FuncFormatter, AutoDateLocator, ConciseDateFormatter = matplotlib_parts()
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
        ax.yaxis.set_major_formatter(FuncFormatter(compact))
    twin(axes[0], axes[1], left[1], right[1])
    locator = AutoDateLocator()
    left_ax.xaxis.set_major_locator(locator)
    left_ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    left_ax.grid(True, alpha=0.3)
    left_ax.legend(
        axes[0].get_lines() + axes[1].get_lines(), [left[0], right[0]], loc="upper left", fontsize=8
    )
    if title:
        left_ax.set_title(title, fontsize=10)
    return png_of(fig)


async def growth_chart_png(analytics: PostAnalytics) -> bytes:
    """The post's chart, drawn on a worker thread so the event loop keeps answering interactions."""
    title = f"#{analytics.post.id} @{analytics.post.author}"
    return await draw(render_growth_chart, points_of(analytics), title)
