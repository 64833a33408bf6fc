"""Progress of a long CLI job on stderr: a redrawn bar on a terminal, a plain line now and then otherwise.

Hand-written (a few lines) rather than a dependency: the import needs one bar with a rate and a count of
bad lines, and messages printed above it.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

BAR_WIDTH = 24
REDRAW_EVERY = 0.2  # seconds, on a terminal
PLAIN_EVERY = 10.0  # seconds between plain lines when stderr is not a terminal


class Progress:
    """`update(done, total, lines, bad)` as the job goes; `message(text)` prints a line above the bar;
    `close()` clears the bar. Byte counts give the percentage, lines the rate."""

    def __init__(self, stream: TextIO | None = None, *, tty: bool | None = None) -> None:
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self._started = time.monotonic()
        self._last_draw = float("-inf") if self.tty else self._started
        self._drawn = False
        self._state: tuple[int, int | None, int, int] = (0, None, 0, 0)

    def update(self, done: int, total: int | None, lines: int, bad: int) -> None:
        self._state = (done, total, lines, bad)
        now = time.monotonic()
        if now - self._last_draw < (REDRAW_EVERY if self.tty else PLAIN_EVERY):
            return
        self._last_draw = now
        if self.tty:
            self.stream.write("\r\x1b[K" + self._line(now))
            self._drawn = True
        else:
            self.stream.write("progress: " + self._line(now) + "\n")
        self.stream.flush()

    def message(self, text: str) -> None:
        if self._drawn:
            self.stream.write("\r\x1b[K")
            self._drawn = False
            self._last_draw = float("-inf")  # redraw the bar at the next update
        self.stream.write(text + "\n")

    def close(self) -> None:
        if self._drawn:
            self.stream.write("\r\x1b[K")
            self._drawn = False
        self.stream.flush()

    def _line(self, now: float) -> str:
        done, total, lines, bad = self._state
        rate = lines / max(now - self._started, 1e-6)
        counts = f"{lines:,} lines, {rate:,.0f} lines/s, {bad:,} bad"
        if not total:
            return counts
        share = min(1.0, done / total)
        filled = round(share * BAR_WIDTH)
        bar = "#" * filled + "-" * (BAR_WIDTH - filled) if self.tty else ""
        return f"{bar + ' ' if bar else ''}{share:4.0%} {counts}"
