"""`python -m bot run` as a real process against the emulator: start-up, roles, token errors, stopping."""

from __future__ import annotations

import asyncio
import signal
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.sandbox.discord import Channel, DiscordEmulator, Member
from bot.sandbox.metrics import MetricsSimulator
from tests.cli import bot_env
from tests.conftest import TOKEN, Outside

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class ProcessWorld(Outside):
    """The world the bot process connects to, with a guild."""

    channel: Channel
    member: Member


@pytest.fixture
def world(outside: Outside) -> ProcessWorld:
    guild = outside.emu.add_guild("Process team")
    return ProcessWorld(outside.emu, outside.sim, guild.add_channel("checkbacks"), guild.add_member("member"))


def _env(dsn: str, emu: DiscordEmulator, sim: MetricsSimulator, **extra: str) -> dict[str, str]:
    return bot_env(dsn, emu, sim, TOKEN, **{"METRICS_API_RATE": "50", **extra})


async def _start(env: dict[str, str], *args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def _wait_for_stderr(proc: asyncio.subprocess.Process, text: str) -> None:
    """Reads the process's stderr until a line contains `text` (the lines read are dropped)."""
    assert proc.stderr is not None
    async with asyncio.timeout(30):
        async for line in proc.stderr:
            if text in line.decode():
                return
    raise AssertionError(f"the process ended without saying {text!r}")


async def _finish(proc: asyncio.subprocess.Process) -> tuple[int, str]:
    async with asyncio.timeout(20):
        _, err = await proc.communicate()
    return proc.returncode if proc.returncode is not None else -1, err.decode()


async def test_run_connects_answers_and_stops_cleanly_on_sigterm(world: ProcessWorld, dsn: str) -> None:
    emu, sim = world.emu, world.sim
    proc = await _start(_env(dsn, emu, sim), "run")
    try:
        await emu.wait_for_commands(timeout=30)
        await emu.wait_until(lambda: emu.identify_count or None, timeout=30, what="identify")
        final = await (await emu.invoke(world.member, "tracked", channel=world.channel)).final(timeout=15)
        assert final.embeds[0]["title"].startswith("Tracked posts")
    finally:
        proc.send_signal(signal.SIGTERM)
    code, err = await _finish(proc)
    assert code == 0, err[-2000:]
    assert TOKEN not in err  # the token never reaches the log


async def test_a_rejected_token_is_one_line_and_exit_3(world: ProcessWorld, dsn: str) -> None:
    emu, sim = world.emu, world.sim
    proc = await _start(_env(dsn, emu, sim, DISCORD_TOKEN="not-a-known-token"), "run")
    code, err = await _finish(proc)
    assert code == 3
    last = err.strip().splitlines()[-1]
    assert last == "error: Configuration problem: DISCORD_TOKEN was rejected by Discord (401 Unauthorized)"
    assert "not-a-known-token" not in err
    assert "Traceback" not in err and "Unclosed" not in err


async def test_a_missing_token_is_one_line_and_exit_3(world: ProcessWorld, dsn: str) -> None:
    emu, sim = world.emu, world.sim
    env = _env(dsn, emu, sim)
    del env["DISCORD_TOKEN"]
    code, err = await _finish(await _start(env, "run"))
    assert code == 3
    assert err.strip().splitlines() == [
        "error: Configuration problem: DISCORD_TOKEN is not set (the bot token from the Discord developer portal)"
    ]


async def test_a_second_gateway_waits_and_takes_over_when_the_first_dies(
    world: ProcessWorld, dsn: str
) -> None:
    emu, sim = world.emu, world.sim
    env = _env(dsn, emu, sim)
    first = await _start(env, "run", "--role", "gateway")
    second = None
    try:
        await emu.wait_until(lambda: emu.identify_count == 1 or None, timeout=30, what="first identify")
        second = await _start(env, "run", "--role", "gateway")
        # Not a fixed sleep: the second one says it is waiting on the lock, which it does before it
        # could ever identify; until then (and after) the first is the only one connected.
        await _wait_for_stderr(second, "another gateway process holds this bot's connection")
        assert emu.identify_count == 1
        first.kill()  # SIGKILL: no goodbye; Postgres frees its lock when its connection drops
        await first.wait()
        await emu.wait_until(lambda: emu.identify_count == 2 or None, timeout=30, what="takeover")
    finally:
        if first.returncode is None:
            first.kill()
        if second is not None:
            second.send_signal(signal.SIGTERM)
            code, err = await _finish(second)
            assert code == 0, err[-2000:]
