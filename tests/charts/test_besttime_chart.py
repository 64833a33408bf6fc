"""The /besttime heatmap drawn from known data: a valid PNG of its size in the project's look, each slot
where it belongs, in the map's colour for its median, the empty slots blank."""

from __future__ import annotations

import numpy
import pytest

from bot.charts.besttime import BESTTIME_SIZE, render_besttime_chart
from bot.charts.style import HEATMAP, PLOT_BACKGROUND, WIDE
from db.what_works import SlotRow
from tests.charts.png import assert_chart, rgb


def test_the_heatmap_is_a_chart_of_its_size_with_each_slot_in_its_place_and_empty_slots_blank() -> None:
    import matplotlib

    slots = [
        SlotRow(day=2, hour=19, median=90_000.0, posts=4),  # Tuesday 19:00: the best
        SlotRow(day=2, hour=9, median=2_000.0, posts=3),
        SlotRow(day=6, hour=13, median=40_000.0, posts=2),
        SlotRow(day=7, hour=21, median=500.0, posts=1),
    ]
    png = render_besttime_chart(slots, slots[:3], "Europe/Paris", "Tracked posts")
    assert BESTTIME_SIZE == WIDE
    pixels = assert_chart(png, BESTTIME_SIZE)[:, :, :3]

    # Each slot is a block of its colour on the map's log scale (least to most), placed by day and hour.
    colours = matplotlib.colormaps[HEATMAP]
    low, high = numpy.log(500.0), numpy.log(90_000.0)
    plot = pixels[:, : int(0.85 * BESTTIME_SIZE[0])]  # left of the colour bar, which has every colour

    def centre(median: float) -> tuple[float, float]:
        colour = numpy.array(colours((numpy.log(median) - low) / (high - low))[:3])
        ys, xs = numpy.where((abs(plot - colour) < 0.02).all(axis=2))
        assert len(ys) > 300, median  # a whole cell of that colour (a rank label takes a little of it)
        return float(xs.mean()), float(ys.mean())

    tue_19, tue_9, sat_13, sun_21 = (centre(s.median) for s in slots)
    assert tue_19[1] == pytest.approx(tue_9[1], abs=2) and tue_9[0] < sat_13[0] < tue_19[0] < sun_21[0]
    assert tue_9[1] < sat_13[1] < sun_21[1]  # Monday on top, Sunday at the bottom
    cell_width = (sun_21[0] - tue_9[0]) / 12
    assert (tue_19[0] - tue_9[0]) / cell_width == pytest.approx(10, abs=0.3)
    blank = (abs(plot - rgb(PLOT_BACKGROUND)) < 0.02).all(axis=2).sum()
    assert blank > 0.4 * plot.shape[0] * plot.shape[1]  # the 164 empty slots: blank, not coloured


def test_a_heatmap_of_one_slot_still_draws() -> None:
    png = render_besttime_chart([SlotRow(day=1, hour=0, median=10.0, posts=1)], [], "UTC")
    assert_chart(png, BESTTIME_SIZE)
