"""The month's API calls as a chart (/usage, `python -m bot usage`)."""

from __future__ import annotations

from datetime import date, timedelta

from bot.charts.style import compact, draw, matplotlib_parts, png_of

USAGE_CHART = "usage.png"
CALLS_COLOUR = "#3498db"
BUDGET_COLOUR = "#e67e22"


def render_usage_chart(daily: dict[date, int], month: date, budget: int | None) -> bytes:
    """The month's calls: a bar a day, the running total, and the budget line (the budget spread evenly
    over the month: a total above it runs out before the month ends)."""
    Figure, FuncFormatter, _, _ = matplotlib_parts()
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
    ax.yaxis.set_major_formatter(FuncFormatter(compact))
    ax.set_xlabel(f"{month:%B %Y} (UTC days)", fontsize=8)
    ax.grid(True, alpha=0.3)
    ax.legend(loc="upper left", fontsize=7)
    ax.set_title("Metrics API calls", fontsize=10)
    return png_of(fig)


async def usage_chart_png(daily: dict[date, int], month: date, budget: int | None) -> bytes:
    return await draw(render_usage_chart, daily, month, budget)
