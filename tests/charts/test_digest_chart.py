"""The digest's chart (bot/charts/digest.py): a wide PNG in the project's look, with lines, with one line,
and for a period with no snapshots at all; on the chart thread as the engine draws it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy

from bot.charts.digest import ViewsSeries, digest_chart_png, render_digest_chart
from bot.charts.style import SERIES, WIDE
from tests.charts.png import assert_chart, rgb

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
END = START + timedelta(days=1)
BERLIN = ZoneInfo("Europe/Berlin")


def series(n: int) -> list[ViewsSeries]:
    return [
        ViewsSeries(
            f"#{k} @demo",
            [START - timedelta(hours=2) + timedelta(hours=6 * i) for i in range(5)],
            [1_000 * (k + 1) * (i + 1) for i in range(5)],
        )
        for k in range(n)
    ]


def shows(pixels: numpy.ndarray, colour: str) -> bool:
    return bool((numpy.abs(pixels[:, :, :3] - rgb(colour)).sum(axis=2) < 0.05).any())


def test_the_digest_chart_draws_each_post_in_its_colour() -> None:
    pixels = assert_chart(render_digest_chart(series(5), "Views of the top posts", START, END, BERLIN), WIDE)
    assert all(shows(pixels, colour) for colour in SERIES[:5])
    one = assert_chart(render_digest_chart(series(1), "Views of the top posts", START, END, BERLIN), WIDE)
    assert shows(one, SERIES[0]) and not shows(one, SERIES[1])


def test_a_period_without_snapshots_is_still_a_chart() -> None:
    pixels = assert_chart(render_digest_chart([], "No snapshots in this period", START, END, BERLIN), WIDE)
    assert not shows(pixels, SERIES[0])


async def test_the_engine_draws_it_on_the_chart_thread() -> None:
    png = await digest_chart_png(series(2), "Views of the top posts", START, END, ZoneInfo("UTC"))
    assert_chart(png, WIDE)
