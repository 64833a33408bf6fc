"""What every chart's test checks: a valid PNG (header, IHDR and the decoded pixels agree) of the expected
size, opaque, on the project's card colour (bot.charts.style)."""

from __future__ import annotations

import io
import struct

import matplotlib.image
import numpy

from bot.charts.style import BACKGROUND

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def rgb(colour: str) -> numpy.ndarray:
    return numpy.array([int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)])


def decoded(png: bytes) -> numpy.ndarray:
    """The PNG's pixels (height × width × channels, 0..1), after checking the header says what they are."""
    assert png.startswith(PNG_MAGIC)
    assert png[12:16] == b"IHDR"
    width, height = struct.unpack(">II", png[16:24])
    pixels = matplotlib.image.imread(io.BytesIO(png), format="png")
    assert pixels.shape[:2] == (height, width)
    return pixels


def assert_chart(png: bytes, size: tuple[int, int]) -> numpy.ndarray:
    """`png` is a chart of `size` (width, height) pixels in the project's look; returns its pixels."""
    pixels = decoded(png)
    assert (pixels.shape[1], pixels.shape[0]) == size
    if pixels.shape[2] == 4:  # opaque: reads the same on Discord's dark and light themes
        assert (pixels[:, :, 3] == 1).all()
    inside_frame = pixels[3, 3, :3]
    assert numpy.allclose(inside_frame, rgb(BACKGROUND), atol=0.02)
    return pixels
