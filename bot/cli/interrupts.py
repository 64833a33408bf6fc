"""Ctrl-C (SIGINT) and SIGTERM for a command that must leave through its clean-up, whenever they come."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from types import TracebackType

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupts:
    """While entered (in the command's task): the first SIGINT or SIGTERM cancels that task, so it leaves
    through its `finally` (for the sandbox: the bot stopped, the embedded Postgres stopped), whether it was
    starting, at the prompt, in a command or in a step of time. One that comes once the clean-up has begun
    (`cleaning_up()`) lets it finish; a second one leaves at once, clean-up or not.

    asyncio.run does the first part for SIGINT only when the process started with Python's own SIGINT
    handler. A process started in the background by a script (`pytest ... &`) inherits SIGINT ignored, and
    asyncio.run leaves it so: Ctrl-C then did nothing at all, and the sandbox ran on. SIGTERM it never
    handles: the process died with the embedded Postgres left running."""

    def __init__(self) -> None:
        self.received: signal.Signals | None = None
        self._count = 0
        self._cleaning_up = False
        self._task: asyncio.Task[object] | None = None

    def __enter__(self) -> Interrupts:
        self._task = asyncio.current_task()
        loop = asyncio.get_running_loop()
        for sig in STOP_SIGNALS:
            # Not on Windows, nor outside the main thread: there, Python's default stays.
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(sig, self._on_signal, sig)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        loop = asyncio.get_running_loop()
        for sig in STOP_SIGNALS:
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.remove_signal_handler(sig)

    def cleaning_up(self) -> None:
        """From here on the task is leaving anyway: a first signal no longer cancels it mid-clean-up."""
        self._cleaning_up = True

    def _on_signal(self, sig: signal.Signals) -> None:
        self._count += 1
        if self._count > 1:
            raise KeyboardInterrupt  # asked twice: leave now (asyncio.run cancels what is left)
        self.received = sig
        if not self._cleaning_up and self._task is not None:
            self._task.cancel()
