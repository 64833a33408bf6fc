"""What a newcomer reads: counts agree with their nouns, and a chart's two series never hide each other."""

from __future__ import annotations

import io
from datetime import timedelta

from bot.charts import ChartPoint, render_growth_chart, twin_limits
from bot.render.text import count, skipped_text
from tests.conftest import BOT_START


def test_counts_agree_with_their_nouns() -> None:
    assert count(1, "reply", "replies") == "1 reply"
    assert count(2, "reply", "replies") == "2 replies"
    assert count(0, "like") == "0 likes"
    assert count(1, "check-back") == "1 check-back"
    assert count(1200, "like") == "1,200 likes"
    assert skipped_text(1) == "1 already past was skipped"
    assert skipped_text(3) == "3 already past were skipped"


def test_two_series_growing_in_proportion_are_drawn_apart() -> None:
    views = [100.0, 1_000.0, 5_000.0, 20_000.0]
    likes = [v * 0.08 for v in views]  # a steady like rate: on autoscaled twin axes, one line over the other
    (v_low, v_high), (l_low, l_high) = twin_limits(views, likes)
    assert v_low == 0 and l_low == 0
    for v, lk in zip(views, likes, strict=True):
        # Where each point sits, as a fraction of the plot's height: never the same spot.
        assert abs(v / v_high - lk / l_high) > 0.2 * (v / v_high)


def test_the_growth_chart_draws_proportional_views_and_likes_apart() -> None:
    import matplotlib.image
    import numpy

    from bot.charts import LIKES_COLOUR, VIEWS_COLOUR

    points = [
        ChartPoint(BOT_START + timedelta(hours=h), views=1000 * h, likes=80 * h) for h in range(1, 49, 4)
    ]
    png = render_growth_chart(points, "#1 @demo")
    pixels = matplotlib.image.imread(io.BytesIO(png), format="png")
    plot = pixels[40:300, 200:700, :3]  # inside the axes, right of the legend

    def rows(colour: str) -> numpy.ndarray:
        """Per column, the mean row of the pixels of that colour (NaN where there is none)."""
        rgb = numpy.array([int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)])
        close = (abs(plot - rgb) < 0.1).all(axis=2)
        index = numpy.arange(plot.shape[0])[:, None]
        with numpy.errstate(invalid="ignore"):
            return (close * index).sum(axis=0) / close.sum(axis=0)

    views, likes = rows(VIEWS_COLOUR), rows(LIKES_COLOUR)
    both = ~numpy.isnan(views) & ~numpy.isnan(likes)
    assert both.sum() > 50  # both lines are drawn across the plot
    assert numpy.median(abs(views[both] - likes[both])) > 15  # ... and not on top of each other
