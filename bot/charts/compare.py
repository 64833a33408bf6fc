"""Two posts' views on one chart, by age (hours since publishing): /compare and `python -m bot compare`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.charts.style import LINE_STYLES, SERIES, WIDE, compact, draw, finish, new_figure, png_of
from bot.compare import ComparedPost, Comparison

COMPARE_CHART = "compare.png"
# Past this ratio between the two posts' highest views the y axis is logarithmic: on a linear one the
# smaller post would be a flat line along the bottom, hidden under the axis.
LOG_SCALE_RATIO = 20.0
# Tick steps on the age axis, in hours: the first that gives at most MAX_TICKS ticks.
AGE_STEPS = (1, 2, 3, 6, 12, 24, 48, 72, 168, 336, 720)
MAX_TICKS = 9


@dataclass(frozen=True, slots=True)
class AgeSeries:
    label: str  # "#12 @maker_jo"
    hours: list[float]
    views: list[int]


def series_of(compared: ComparedPost) -> AgeSeries:
    post = compared.post
    return AgeSeries(
        label=f"#{post.id} @{post.author}",
        hours=[p.hours for p in compared.aged],
        views=[p.snapshot.metrics.views for p in compared.aged],
    )


def age_step(span_hours: float) -> int:
    """The tick step (hours) for an age axis `span_hours` long."""
    return next((s for s in AGE_STEPS if span_hours / s <= MAX_TICKS), AGE_STEPS[-1])


def age_label(hours: float, step: int) -> str:
    """An age tick in the step's unit: hours ("36h") for steps under a day, else days ("3d")."""
    return f"{hours / 24:g}d" if step >= 24 else f"{hours:g}h"


def wants_log_scale(series: Sequence[AgeSeries]) -> bool:
    tops = [max(s.views, default=0) for s in series]
    positive = [t for t in tops if t > 0]
    return len(positive) == len(tops) > 1 and max(positive) / min(positive) > LOG_SCALE_RATIO


def render_compare_chart(series: Sequence[AgeSeries], title: str) -> bytes:
    """Each post's views by its age, as a PNG; one line style and colour a post. The two lines may run
    together (the same growth): solid and dashed, round and square markers, they stay told apart."""
    from matplotlib.ticker import FuncFormatter, MultipleLocator, NullFormatter

    fig, ax = new_figure(WIDE)
    log = wants_log_scale(series)
    for n, s in enumerate(series):
        points = [(h, v) for h, v in zip(s.hours, s.views, strict=True) if v > 0 or not log]
        ax.plot(
            [h for h, _ in points],
            [v for _, v in points],
            color=SERIES[n % len(SERIES)],
            label=s.label,
            **LINE_STYLES[n % len(LINE_STYLES)],
        )
    span = max((h for s in series for h in s.hours), default=1.0) or 1.0
    ax.set_xlim(0, span * 1.03)
    step = age_step(span)
    ax.xaxis.set_major_locator(MultipleLocator(step))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda hours, _pos: age_label(hours, step)))
    if log:
        ax.set_yscale("log")
    else:
        ax.set_ylim(bottom=0)
    finish(
        ax,
        title=title,
        xlabel="age (time since publishing)",
        ylabel="views (log scale)" if log else "views",
        y_counts=not log,
    )
    if log:
        ax.yaxis.set_major_formatter(FuncFormatter(compact))
        ax.yaxis.set_minor_formatter(NullFormatter())
    return png_of(fig)


def compare_title(comparison: Comparison) -> str:
    return f"Views by age: #{comparison.a.post.id} and #{comparison.b.post.id}"


async def compare_chart_png(comparison: Comparison) -> bytes:
    """The comparison's chart, drawn on the chart thread."""
    series = [series_of(comparison.a), series_of(comparison.b)]
    return await draw(render_compare_chart, series, compare_title(comparison))
