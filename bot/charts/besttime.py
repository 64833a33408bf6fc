"""When to post, as a heatmap: day of week x hour of publishing, each cell the median 24-hour views of the
posts published then (/besttime). Empty slots stay blank (the plot's white); the best slots carry their rank."""

from __future__ import annotations

from collections.abc import Sequence

from bot.charts.style import HEATMAP, INK, PLOT_BACKGROUND, WIDE, compact, draw, finish, new_figure, png_of
from bot.what_works import BestTime
from db.what_works import SlotRow

BESTTIME_SIZE = WIDE
DAY_LABELS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def render_besttime_chart(
    slots: Sequence[SlotRow], best: Sequence[SlotRow], timezone: str = "UTC", title: str = ""
) -> bytes:
    """The heatmap as a PNG of BESTTIME_SIZE: rows Monday to Sunday, columns 00 to 23 in `timezone`."""
    import numpy as np  # matplotlib's own dependency: loaded with it, at the first chart
    from matplotlib.colors import LogNorm
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    fig, ax = new_figure(BESTTIME_SIZE)
    fig.subplots_adjust(right=0.9)  # room for the colour bar and its labels
    grid = np.full((7, 24), np.nan)
    for s in slots:
        grid[s.day - 1, s.hour] = s.median
    # Views spread over orders of magnitude (a hit is 20x the typical): a log scale keeps the ordinary
    # slots apart instead of painting them all the darkest colour.
    low, high = (float(np.nanmin(grid)), float(np.nanmax(grid))) if slots else (0.0, 0.0)
    norm = LogNorm(vmin=max(low, 1.0), vmax=max(high, 1.0)) if high > low > 0 else None
    image = ax.imshow(
        np.ma.masked_invalid(grid), cmap=HEATMAP, norm=norm, aspect="auto", interpolation="nearest"
    )
    ax.set_facecolor(PLOT_BACKGROUND)  # an empty slot: blank, not the colour of "few views"
    bar = fig.colorbar(image, ax=ax, pad=0.015, fraction=0.05)
    if norm is not None:  # ticks at 1, 2 and 5 of each power of ten, unlabelled ones between
        bar.ax.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
        bar.ax.yaxis.set_minor_formatter(NullFormatter())
    bar.ax.yaxis.set_major_formatter(FuncFormatter(compact))
    bar.set_label("median views at 24 h")
    for rank, s in enumerate(best, start=1):
        # The map runs dark (few views) to light (many): light text on dark cells, ink on light ones.
        light = norm is None or norm(grid[s.day - 1, s.hour]) >= 0.5
        ax.text(s.hour, s.day - 1, str(rank), ha="center", va="center", fontweight="bold",
                color=INK if light else PLOT_BACKGROUND)  # fmt: skip
    ax.set_yticks(range(7), DAY_LABELS)
    ax.set_xticks(range(0, 24, 2), [f"{h:02d}" for h in range(0, 24, 2)])
    finish(
        ax,
        title=title or "Median views at 24 hours by publishing time",
        xlabel=f"hour of publishing ({timezone})",
        ylabel="day of publishing",
        legend=False,
        y_counts=False,
    )
    ax.grid(False)  # the cells are the grid
    return png_of(fig)


async def besttime_png(result: BestTime) -> bytes:
    """/besttime's heatmap, drawn on the chart thread so the event loop keeps answering interactions."""
    whose = f"@{result.account}" if result.account else "Tracked posts"
    title = f"{whose}: median views at 24 hours by publishing time"
    return await draw(render_besttime_chart, result.slots, result.best, result.timezone, title)
