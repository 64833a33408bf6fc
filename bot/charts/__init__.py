"""Charts as PNG bytes (matplotlib, Agg backend), Discord-free. Each chart has a module of its own; all share
the look and the drawing thread of `bot.charts.style`."""

from bot.charts.accounts import FOLLOWERS_COLOUR, HEARTS_COLOUR, account_chart_png, render_account_chart
from bot.charts.growth import (
    CHART_FILENAME,
    LIKES_COLOUR,
    VIEWS_COLOUR,
    ChartPoint,
    growth_chart_png,
    points_of,
    render_growth_chart,
)
from bot.charts.style import LEFT_PEAK, RIGHT_PEAK, twin_limits
from bot.charts.usage import USAGE_CHART, render_usage_chart, usage_chart_png

__all__ = [
    "CHART_FILENAME",
    "FOLLOWERS_COLOUR",
    "HEARTS_COLOUR",
    "LEFT_PEAK",
    "LIKES_COLOUR",
    "RIGHT_PEAK",
    "USAGE_CHART",
    "VIEWS_COLOUR",
    "ChartPoint",
    "account_chart_png",
    "growth_chart_png",
    "points_of",
    "render_account_chart",
    "render_growth_chart",
    "render_usage_chart",
    "twin_limits",
    "usage_chart_png",
]
