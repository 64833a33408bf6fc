"""Every chart renders from known data as a PNG of its size in the one look; the look's helpers (numbers
with separators, labelled axes) say what a reader sees."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.charts import ChartPoint, render_account_chart, render_growth_chart, render_usage_chart
from bot.charts.style import SMALL, WIDE, compact, finish, new_figure, png_of, thousands
from bot.watch_models import AccountAnalytics, AccountNumbers, AccountSnapshotView
from tests.charts.png import assert_chart, decoded

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def growth_points(count: int) -> list[ChartPoint]:
    hours = [0, 1, 6, 12, 24, 48, 72][:count]
    return [
        ChartPoint(
            T0 + timedelta(hours=h),
            int(120_000 * (1 - math.exp(-h / 20))),
            int(9_000 * (1 - math.exp(-h / 15))),
        )
        for h in hours
    ]


@pytest.mark.parametrize("count", [1, 7])
def test_the_growth_chart_is_a_wide_png(count: int) -> None:
    assert_chart(render_growth_chart(growth_points(count), "#12 @maker_jo"), WIDE)


@pytest.mark.parametrize("count", [1, 12])
def test_the_account_chart_is_a_wide_png(count: int) -> None:
    snapshots = [
        AccountSnapshotView(
            captured_at=T0 + timedelta(hours=6 * i),
            numbers=AccountNumbers(followers=10_000 + 150 * i, hearts=500_000 + 9_000 * i, videos=3),
        )
        for i in range(count)
    ]
    assert_chart(render_account_chart(AccountAnalytics(username="maker_jo", snapshots=snapshots)), WIDE)


@pytest.mark.parametrize("budget", [None, 20_000])
def test_the_usage_chart_is_a_small_png(budget: int | None) -> None:
    daily = {date(2026, 3, d): 300 + 20 * d for d in range(1, 18)}
    assert_chart(render_usage_chart(daily, date(2026, 3, 1), budget), SMALL)
    assert_chart(render_usage_chart({}, date(2026, 2, 1), budget), SMALL)  # an empty month still draws


def test_a_png_that_is_not_one_is_refused() -> None:
    png = render_usage_chart({}, date(2026, 2, 1), None)
    with pytest.raises(AssertionError):
        decoded(b"GIF89a" + png[6:])
    with pytest.raises(AssertionError):
        assert_chart(png, WIDE)  # the wrong size


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0, "0"),
        (0.5, "0.5"),
        (900, "900"),
        (1_000, "1k"),
        (1_234, "1.23k"),
        (35_000, "35k"),
        (999_999, "1M"),  # rounded first: never "1,000k"
        (1_250_000, "1.25M"),
        (-2_500, "-2.5k"),
        (1_234_000_000_000, "1,230B"),  # a separator where the full number shows
    ],
)
def test_compact_numbers_stay_narrow_and_keep_their_separators(value: float, text: str) -> None:
    assert compact(value) == text


def test_thousands_shows_the_full_number_with_separators() -> None:
    assert thousands(1_234_567) == "1,234,567"
    assert thousands(999) == "999"
    assert thousands(12.5) == "12.5"


def test_finish_labels_both_axes_and_counts_the_y_axis() -> None:
    fig, ax = new_figure(SMALL)
    ax.plot([0, 1, 2], [0, 40_000, 95_000], label="views")
    finish(ax, title="t", xlabel="hours since publish", ylabel="views")
    png = png_of(fig)  # draws, so the tick labels exist
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("hours since publish", "views")
    ticks = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    assert "20k" in ticks and all(not t.endswith("000") for t in ticks if t != "0")
    assert ax.get_legend() is not None
    assert_chart(png, SMALL)


def test_a_time_axis_reads_in_the_zone_it_is_given() -> None:
    from zoneinfo import ZoneInfo

    from bot.charts.style import time_axis

    labels = {}
    for zone in (None, ZoneInfo("America/New_York")):
        fig, ax = new_figure(SMALL)
        ax.plot([T0, T0 + timedelta(hours=6)], [1, 2])
        time_axis(ax, zone)
        finish(ax, title="", xlabel="time", ylabel="views")
        png_of(fig)
        labels[zone] = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    # 09:00 UTC is 04:00 in New York that day: the same instants, other hours on the axis.
    assert "09:00" in labels[None] and "04:00" in labels[ZoneInfo("America/New_York")]


def test_the_legend_sits_above_the_plot_beside_the_title_or_inside_when_they_do_not_fit() -> None:
    def drawn(title: str, entries: int) -> tuple[object, object]:
        fig, ax = new_figure(SMALL)
        for n in range(entries):
            ax.plot([0, 1], [n, n + 1], label=f"series number {n}")
        finish(ax, title=title, xlabel="x", ylabel="y")
        png_of(fig)
        return ax, ax.get_legend()

    ax, key = drawn("Short", 2)
    plot, box = ax.get_window_extent(), key.get_window_extent()
    assert box.y0 >= plot.y1 - 1  # above the plot: covers no series
    assert (ax.get_title("left"), ax.get_title()) == ("Short", "")
    assert ax._left_title.get_window_extent().x1 < box.x0  # beside the title, not over it
    for title, entries in (("A title far too long to share its row with a legend", 2), ("Short", 5)):
        ax, key = drawn(title, entries)
        assert key.get_window_extent().y1 <= ax.get_window_extent().y1 + 1  # inside, in the emptiest corner
        assert (ax.get_title(), ax.get_title("left")) == (title, "")
