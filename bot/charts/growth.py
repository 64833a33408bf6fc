"""A post's chart (views and likes over time) and the two-axes chart it shares with accounts' charts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.charts.style import (
    BLUE,
    LINE_STYLES,
    VERMILION,
    WIDE,
    draw,
    finish,
    new_figure,
    png_of,
    time_axis,
    twin_axes,
)
from bot.tracking_models import PostAnalytics

CHART_FILENAME = "chart.png"
VIEWS_COLOUR = BLUE
LIKES_COLOUR = VERMILION
TIME_LABEL = "time (UTC)"


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
    share anything. The right-hand line is dashed with square markers and peaks lower (`twin_axes`): told
    apart even where the two lines would cross."""
    fig, left_ax = new_figure(WIDE, right_axis=True)
    right_ax = twin_axes(left_ax, left[1], right[1])
    for ax, (label, values, colour), style in zip(
        (left_ax, right_ax), (left, right), LINE_STYLES[:2], strict=True
    ):
        ax.plot(times, values, color=colour, label=label, **style)
    right_ax.set_ylabel(right[0], color=right[2])
    time_axis(left_ax)
    finish(
        left_ax,
        title=title,
        xlabel=TIME_LABEL,
        ylabel=left[0],
        legend=left_ax.get_lines() + right_ax.get_lines(),
    )
    left_ax.yaxis.label.set_color(left[2])
    return png_of(fig)


async def growth_chart_png(analytics: PostAnalytics) -> bytes:
    """The post's chart, drawn on a worker thread so the event loop keeps answering interactions."""
    title = f"#{analytics.post.id} @{analytics.post.author}"
    return await draw(render_growth_chart, points_of(analytics), title)
