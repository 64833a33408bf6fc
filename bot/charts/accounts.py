"""A watched account's chart: followers and hearts over its snapshots (bot/watches.py)."""

from __future__ import annotations

from bot.charts.growth import two_axes_png
from bot.charts.style import GREEN, PINK, draw
from bot.watch_models import AccountAnalytics

FOLLOWERS_COLOUR = GREEN
HEARTS_COLOUR = PINK


def render_account_chart(analytics: AccountAnalytics) -> bytes:
    """An account's followers (left axis) and hearts (right axis) over its snapshots, as a PNG."""
    snapshots = analytics.snapshots
    return two_axes_png(
        [s.captured_at for s in snapshots],  # matplotlib's stubs want numbers: times go as Any
        ("followers", [s.numbers.followers or 0 for s in snapshots], FOLLOWERS_COLOUR),
        ("hearts", [s.numbers.hearts or 0 for s in snapshots], HEARTS_COLOUR),
        f"@{analytics.username}",
    )


async def account_chart_png(analytics: AccountAnalytics) -> bytes:
    """The account's chart, drawn on a worker thread."""
    return await draw(render_account_chart, analytics)
