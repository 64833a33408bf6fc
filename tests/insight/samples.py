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

# The views colour (#3498db) at 15% over the white background: the projected range's fill.
SHADE = (225, 240, 250)


def shaded_pixels(png: bytes) -> int:
    """Pixels of the projected range's shade inside the plot (every third pixel of each third row), after
    checking the picture is an 800×360 PNG."""
    from PIL import Image  # matplotlib's own dependency

    with Image.open(BytesIO(png)) as image:
        assert image.format == "PNG" and image.size == (800, 360)
        rgb = image.convert("RGB")
        return sum(
            1
            for x in range(300, 720, 3)
            for y in range(40, 300, 3)
            if max(abs(c - t) for c, t in zip(rgb.getpixel((x, y)), SHADE, strict=True)) <= 6  # type: ignore[arg-type]
        )
