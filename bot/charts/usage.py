"""The month's API calls as a chart (/usage, `python -m bot usage`)."""

from __future__ import annotations

from datetime import date, timedelta

from bot.charts.style import BLUE, ORANGE, SMALL, draw, finish, new_figure, png_of

USAGE_CHART = "usage.png"
CALLS_COLOUR = BLUE
BUDGET_COLOUR = ORANGE


def render_usage_chart(daily: dict[date, int], month: date, budget: int | None) -> bytes:
    """The month's calls: a bar a day, the running total, and the budget line (the budget spread evenly
    over the month: a total above it runs out before the month ends)."""
    following = (month.replace(day=1) + timedelta(days=32)).replace(day=1)
    days = (following - month.replace(day=1)).days
    fig, ax = new_figure(SMALL)
    xs = list(range(1, days + 1))
    per_day = [daily.get(month.replace(day=d), 0) for d in xs]
    last = max((d for d in xs if per_day[d - 1]), default=0)
    running, total = [], 0
    for d in xs[:last]:
        total += per_day[d - 1]
        running.append(total)
    ax.bar(xs, per_day, color=CALLS_COLOUR, alpha=0.45, label="calls that day")
    if running:
        ax.plot(xs[:last], running, color=CALLS_COLOUR, marker="o", markersize=2, label="this month")
    if budget:
        ax.plot([0, days], [0, budget], color=BUDGET_COLOUR, linestyle="--", label="budget line")
        ax.axhline(budget, color=BUDGET_COLOUR, linewidth=0.8)
    ax.set_xlim(0.5, days + 0.5)
    finish(ax, title="Metrics API calls", xlabel=f"day of {month:%B %Y} (UTC)", ylabel="calls")
    return png_of(fig)


async def usage_chart_png(daily: dict[date, int], month: date, budget: int | None) -> bytes:
    return await draw(render_usage_chart, daily, month, budget)
