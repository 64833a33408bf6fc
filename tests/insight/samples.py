"""Shared by the insight tests: a projection's figures, and reading a post's chart back (how much of it is
the projected range's shade)."""

from __future__ import annotations

from io import BytesIO

from bot.insight.models import ProjectedViews

PROJECTION = ProjectedViews(
    basis="curve",
    age_hours=24,
    views_7d=120_000,
    low_7d=90_000,
    high_7d=150_000,
    views_30d=180_000,
    low_30d=130_000,
    high_30d=240_000,
)


def _shade() -> tuple[int, ...]:
    """The projected range's fill: the views colour at BAND_ALPHA over the plot's background."""
    from bot.charts.growth import BAND_ALPHA, VIEWS_COLOUR
    from bot.charts.style import PLOT_BACKGROUND

    def rgb(colour: str) -> tuple[int, ...]:
        return tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))

    return tuple(
        round(BAND_ALPHA * c + (1 - BAND_ALPHA) * b)
        for c, b in zip(rgb(VIEWS_COLOUR), rgb(PLOT_BACKGROUND), strict=True)
    )


def shaded_pixels(png: bytes) -> int:
    """Pixels of the projected range's shade inside the plot of a wide chart's PNG (every third pixel of
    each third row)."""
    from PIL import Image  # matplotlib's own dependency

    shade = _shade()
    with Image.open(BytesIO(png)) as image:
        rgb = image.convert("RGB")
        return sum(
            1
            for x in range(300, 720, 3)
            for y in range(40, 300, 3)
            if max(abs(c - t) for c, t in zip(rgb.getpixel((x, y)), shade, strict=True)) <= 6  # type: ignore[arg-type]
        )
