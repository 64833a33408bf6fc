"""The terminal side of the sandbox's prompt: printing around a half-typed line, reading lines on a thread,
and the durations typed and shown."""

from __future__ import annotations

import asyncio
import io
import re
import sys
import threading
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import TextIO

_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(w|d|h|m|min|s)", re.IGNORECASE)
_UNIT_SECONDS = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "min": 60, "s": 1}


def parse_duration(text: str) -> timedelta:
    """'1d', '6h', '1d12h', '90m', '2w' as a timedelta; anything else is a ValueError with the reason."""
    cleaned = text.strip().lower().replace(" ", "")
    if not cleaned or _DURATION.sub("", cleaned):
        raise ValueError(f"{text!r} is not a duration like 30m, 6h, 1d or 2w")
    seconds = sum(float(n) * _UNIT_SECONDS[u] for n, u in _DURATION.findall(cleaned))
    return timedelta(seconds=seconds)


def span(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    parts = [f"{days} d" if days else "", f"{hours} h" if hours else "", f"{minutes} min" if minutes else ""]
    return " ".join(p for p in parts if p) or "0 min"


class Printer:
    """Writes output lines; while the prompt waits for input it redraws the prompt and what was typed,
    so a notification arriving mid-typing does not scramble the line."""

    def __init__(self, out: TextIO, *, interactive: bool) -> None:
        self.out = out
        self.interactive = interactive
        self.prompt: str | None = None  # set while the input thread is waiting

    def write(self, lines: Iterable[str]) -> None:
        text = "\n".join(lines)
        if self.interactive and self.prompt is not None:
            buffer = _readline_buffer()
            self.out.write(f"\r\x1b[K{text}\n{self.prompt}{buffer}")
        else:
            self.out.write(text + "\n")
        self.out.flush()


def _readline_buffer() -> str:
    try:
        import readline
    except ImportError:  # Windows without pyreadline: no line editing at all
        return ""
    return readline.get_line_buffer()


class LineReader:
    """Lines typed at the prompt, read on a daemon thread (quitting never waits for a keypress). The
    prompt shows again only after `next()`, once the previous line's answer is printed.

    At a terminal, input() reads them (with readline's editing and history). From a pipe they are read
    from the file descriptor unbuffered: input() would hold sys.stdin's lock while it waits, and the
    interpreter takes that lock as it exits, so leaving with the thread still waiting (Ctrl-C) would end
    in "Fatal Python error: could not acquire lock for <stdin>" instead of a clean exit."""

    def __init__(self, printer: Printer, prompt: Callable[[], str]) -> None:
        self._printer = printer
        self._prompt = prompt
        self._queue: asyncio.Queue[str | None] = asyncio.Queue()
        self._turn = threading.Event()
        self._asking: str | None = None  # a prompt of its own for the next line (a modal's field)
        self._loop = asyncio.get_running_loop()
        at_terminal = sys.stdin.isatty() and sys.stdout.isatty()
        self._pipe = None if at_terminal else io.FileIO(sys.stdin.fileno(), closefd=False)
        threading.Thread(target=self._read, name="sandbox-input", daemon=True).start()

    async def get(self, prompt: str | None = None) -> str | None:
        """The next line (after `prompt`, else the usual one); None at the end of input (Ctrl-D)."""
        self._asking = prompt
        self._turn.set()
        return await self._queue.get()

    def _read(self) -> None:
        while True:
            self._turn.wait()
            self._turn.clear()
            text = self._asking if self._asking is not None else self._prompt()
            self._printer.prompt = text
            line = self._line(text)
            self._printer.prompt = None
            self._loop.call_soon_threadsafe(self._queue.put_nowait, line)
            if line is None:
                return

    def _line(self, prompt: str) -> str | None:
        if self._pipe is None:
            try:
                return input(prompt)
            except EOFError:
                return None
        self._printer.out.write(prompt)
        self._printer.out.flush()
        raw = self._pipe.readline()
        if not raw:
            return None
        return (
            raw.decode(sys.stdin.encoding or "utf-8", errors="replace").removesuffix("\n").removesuffix("\r")
        )
