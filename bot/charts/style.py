"""The one look of every chart, and where charts are drawn: matplotlib loaded at the first chart (Agg, no
display), one drawing thread, axis labels that stay narrow. Discord-free."""

from __future__ import annotations

import asyncio
import functools
import gc
import io
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

# One thread draws every chart: drawing holds the GIL, so more threads would not draw faster, and each
# would get a malloc arena of its own (measured: ~10 MB more resident memory after 100 charts).
_DRAWER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chart")


async def draw(render: Any, *args: Any) -> bytes:
    """`render(*args)` on the chart thread, then the figure's reference cycles collected at once.

    A matplotlib Figure is a web of cycles that only the generational collector frees; left to it, ~25 MB
    of dead figures pile up between full collections (measured over 100 charts). A young-generation
    collection right after the drawing (~3 ms, on the chart thread) frees them while they are young."""

    def run() -> bytes:
        try:
            return bytes(render(*args))
        finally:
            gc.collect(1)

    return await asyncio.get_running_loop().run_in_executor(_DRAWER, run)


@functools.cache
def matplotlib_parts() -> tuple[Any, Any, Any, Any]:
    """matplotlib's pieces, imported at the first chart: ~45 MB a bot that draws no chart never pays.

    Agg draws into memory: no display, and no GUI toolkit that would insist on the main thread."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    gc.freeze()  # matplotlib's own ~50,000 objects live for ever: out of the collector's scans
    return Figure, FuncFormatter, AutoDateLocator, ConciseDateFormatter


def compact(value: float, _pos: object = None) -> str:
    """1.2M, 35k, 900: axis labels that stay narrow."""
    for size, suffix in ((1_000_000_000, "B"), (1_000_000, "M"), (1_000, "k")):
        if abs(value) >= size:
            return f"{value / size:.3g}{suffix}"
    return f"{value:.0f}"


# The right-hand series tops out at this fraction of the plot's height, the left-hand one near the top: two
# series that grow in proportion (a steady like rate) would otherwise draw one line over the other.
RIGHT_PEAK = 0.6
LEFT_PEAK = 0.92


def twin_limits(
    left: Sequence[float], right: Sequence[float]
) -> tuple[tuple[float, float], tuple[float, float]]:
    """The y limits of twin axes, both from 0, so the left series peaks at LEFT_PEAK of the height and
    the right one at RIGHT_PEAK: two proportional series never coincide."""
    left_top = max([*left, 0]) or 1
    right_top = max([*right, 0]) or 1
    return (0.0, left_top / LEFT_PEAK), (0.0, right_top / RIGHT_PEAK)


def twin(left_ax: Any, right_ax: Any, left: Sequence[float], right: Sequence[float]) -> None:
    left_limits, right_limits = twin_limits(left, right)
    left_ax.set_ylim(*left_limits)
    right_ax.set_ylim(*right_limits)


def png_of(fig: Any) -> bytes:
    """The figure as PNG bytes."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()
