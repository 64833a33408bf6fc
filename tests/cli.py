"""Running `python -m bot ...` in a child process, as an operator would, against a test database."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from bot.clock import ManualClock
from bot.sandbox.child_env import bot_process_env
from bot.schedule import first_of_next_month

if TYPE_CHECKING:
    from bot.sandbox.discord import DiscordEmulator
    from bot.sandbox.metrics import MetricsSimulator

ROOT = Path(__file__).resolve().parents[1]
# Settings of the developer's shell that must not leak into a child under test.
_OWN_SETTINGS = ("DATABASE_", "METRICS_API_", "RAPIDAPI_", "NOTIFY_", "LOG_")


# Longer than any test of the command line runs: one that starts this long before a month's end ends in it.
MONTH_END_MARGIN = timedelta(minutes=2)


def wall_clock() -> ManualClock:
    """A clock at the wall clock's time, which the children run on, so that a test's own services agree with
    them; started clear of a UTC month's end (waiting for the next month when closer than MONTH_END_MARGIN),
    so the calls the test counts against a monthly budget and those its children count fall in one month."""
    now = datetime.now(UTC)
    while (left := first_of_next_month(now) - now) < MONTH_END_MARGIN:
        time.sleep(left.total_seconds())
        now = datetime.now(UTC)
    return ManualClock(now.replace(microsecond=0))


def minute(value: datetime) -> str:
    """A time as the command line prints it: UTC, to the minute."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def cli_env(database_url: str, **settings: str) -> dict[str, str]:
    """The environment for a child: this one without Checkback's settings, then DATABASE_URL and `settings`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(_OWN_SETTINGS)}
    env["DATABASE_URL"] = database_url
    env.update(settings)
    return env


def bot_env(
    dsn: str, emu: DiscordEmulator, sim: MetricsSimulator, token: str, **settings: str
) -> dict[str, str]:
    """The environment of a `python -m bot run` process pointed at the emulator (as bot `token`), the
    simulator and `dsn`, logging at INFO; `settings` last."""
    assert sim.base_url is not None
    return bot_process_env(
        dsn,
        token=token,
        discord_url=emu.base_url,
        metrics_url=sim.base_url,
        **{"LOG_LEVEL": "INFO", **settings},
    )


async def run_cli(
    database_url: str, *args: str, stdin: str | None = None, **settings: str
) -> subprocess.CompletedProcess[str]:
    """`python -m bot ARGS` to completion (at most two minutes); its exit code, stdout and stderr."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd=ROOT,
        env=cli_env(database_url, **settings),
        stdin=asyncio.subprocess.PIPE if stdin is not None else None,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    async with asyncio.timeout(120):
        out, err = await proc.communicate(stdin.encode() if stdin is not None else None)
    assert proc.returncode is not None
    return subprocess.CompletedProcess(args, proc.returncode, out.decode(), err.decode())


async def run_on_sim(dsn: str, sim: MetricsSimulator, *args: str, **settings: str) -> tuple[int, str, str]:
    """`python -m bot ARGS` on `dsn` and the metrics simulator `sim` (no rate limit in the way, warnings only
    logged; `settings` last): the exit code, stdout and stderr."""
    assert sim.base_url is not None
    result = await run_cli(
        dsn,
        *args,
        **{
            "METRICS_API_BASE_URL": str(sim.base_url),
            "METRICS_API_RATE": "2000",
            "LOG_LEVEL": "WARNING",
            **settings,
        },
    )
    return result.returncode, result.stdout, result.stderr


async def one_line(dsn: str, sim: MetricsSimulator, *args: str, **settings: str) -> str:
    """The one line `python -m bot ARGS` prints on the simulator, exiting 0 (the API answers once: no retries
    inside a call)."""
    code, out, err = await run_on_sim(dsn, sim, *args, METRICS_API_RETRIES="0", **settings)
    assert code == 0, err
    [line] = out.splitlines()
    return line
