"""A digest's chart: the period's views of its top posts, one line a post, on the guild's local time."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.charts.style import LINE_STYLES, SERIES, WIDE, draw, finish, new_figure, png_of, time_axis

DIGEST_CHART = "digest.png"


@dataclass(frozen=True, slots=True)
class ViewsSeries:
    label: str  # "#12 @maker_jo"
    times: list[datetime]
    views: list[int]


def render_digest_chart(
    series: Sequence[ViewsSeries], title: str, start: datetime, end: datetime, zone: ZoneInfo
) -> bytes:
    """Each post's views from `start` to `end`, dates in `zone`: a line begun at the post's last snapshot
    before the period enters from the left edge. A period with no snapshots is still a chart, an empty one."""
    fig, ax = new_figure(WIDE)
    for n, s in enumerate(series):
        ax.plot(
            s.times,
            s.views,
            color=SERIES[n % len(SERIES)],
            label=s.label,
            markersize=3,
            **LINE_STYLES[n % len(LINE_STYLES)],
        )
    ax.set_xlim(start, end)  # a line begun before the period enters from the left edge
    ax.set_ylim(bottom=0)
    time_axis(ax, zone)
    finish(ax, title=title, xlabel=f"time ({zone.key})", ylabel="views", legend=bool(series))
    return png_of(fig)


async def digest_chart_png(
    series: Sequence[ViewsSeries], title: str, start: datetime, end: datetime, zone: ZoneInfo
) -> bytes:
    """The digest's chart, drawn on the chart thread."""
    return await draw(render_digest_chart, list(series), title, start, end, zone)
