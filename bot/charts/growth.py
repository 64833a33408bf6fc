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
# The projected range's shade: the views colour, this opaque over the plot's background.
BAND_ALPHA = 0.15


@dataclass(frozen=True, slots=True)
class ChartPoint:
    at: datetime
    views: int
    likes: int


@dataclass(frozen=True, slots=True)
class Band:
    """A projected line with its range, on the left axis: from the last snapshot on."""

    times: list[datetime]
    mid: list[int]
    low: list[int]
    high: list[int]


def points_of(analytics: PostAnalytics) -> list[ChartPoint]:
    return [ChartPoint(s.captured_at, s.metrics.views, s.metrics.likes) for s in analytics.snapshots]


def band_of(analytics: PostAnalytics) -> Band | None:
    """The projected views (bot/insight/) from the latest snapshot to 30 days, or None."""
    projection = analytics.insight.projection if analytics.insight else None
    if projection is None or not projection.path or not analytics.snapshots:
        return None
    last = analytics.snapshots[-1]
    path = [p for p in projection.path if p.at > last.captured_at]
    start = [last.metrics.views]
    return Band(
        [last.captured_at, *(p.at for p in path)],
        start + [p.views for p in path],
        start + [p.low for p in path],
        start + [p.high for p in path],
    )


def render_growth_chart(points: Sequence[ChartPoint], title: str = "", band: Band | None = None) -> bytes:
    """Views (left axis) and likes (right axis) over time as a PNG, with the projected views as a dashed
    line in a shaded range when there is one. One point still draws a marker."""
    return two_axes_png(
        [p.at for p in points],
        ("views", [p.views for p in points], VIEWS_COLOUR),
        ("likes", [p.likes for p in points], LIKES_COLOUR),
        title,
        band=band,
    )


Line = tuple[str, list[int], str]  # label, values, colour


def two_axes_png(times: list[Any], left: Line, right: Line, title: str, *, band: Band | None = None) -> bytes:
    """Two lines over time, each on an axis of its own (left, right), as a PNG; `band`: the left line's
    projection (dashed, in its shaded range).

    Uses the object API (a Figure of its own, no pyplot state), so renders on several threads do not
    share anything. The right-hand line is dashed with square markers and peaks lower (`twin_axes`): told
    apart even where the two lines would cross."""
    fig, left_ax = new_figure(WIDE, right_axis=True)
    right_ax = twin_axes(left_ax, left[1] + (band.high if band else []), right[1])
    for ax, (label, values, colour), style in zip(
        (left_ax, right_ax), (left, right), LINE_STYLES[:2], strict=True
    ):
        ax.plot(times, values, color=colour, label=label, **style)
    if band is not None:
        colour = left[2]
        left_ax.fill_between(band.times, band.low, band.high, color=colour, alpha=BAND_ALPHA, linewidth=0)
        left_ax.plot(
            band.times,
            band.mid,
            color=colour,
            linestyle=(0, (6, 3)),
            linewidth=1.2,
            label=f"projected {left[0]}",
        )
    right_ax.set_ylabel(right[0], color=right[2])
    time_axis(left_ax)
    finish(
        left_ax,
        title=title,
        xlabel=TIME_LABEL,
        ylabel=left[0],
        legend=left_ax.get_lines()[:1] + right_ax.get_lines() + left_ax.get_lines()[1:],
    )
    left_ax.yaxis.label.set_color(left[2])
    return png_of(fig)


async def growth_chart_png(analytics: PostAnalytics) -> bytes:
    """The post's chart, drawn on a worker thread so the event loop keeps answering interactions."""
    title = f"#{analytics.post.id} @{analytics.post.author}"
    return await draw(render_growth_chart, points_of(analytics), title, band_of(analytics))
