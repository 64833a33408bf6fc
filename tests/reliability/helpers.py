"""Helpers for the fault tests: waiting on conditions, bot processes, due posts, counting what arrived."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import asyncpg

from bot.sandbox.discord import Channel, DiscordEmulator, Guild
from bot.sandbox.metrics import MetricsSimulator
from bot.schedule import DEFAULT_OFFSETS
from db import seed as db_seed
from tests import cli
from tests.conftest import TOKEN, Outside

T = TypeVar("T")
ROOT = Path(__file__).resolve().parents[2]


async def eventually(
    probe: Callable[[], Awaitable[T | None]], *, within: float = 30.0, what: str = "a condition"
) -> T:
    """probe()'s first answer that is not None or False, polled every 50 ms; TimeoutError naming `what`."""
    try:
        async with asyncio.timeout(within):
            while True:
                result = await probe()
                if result is not None and result is not False:
                    return result
                await asyncio.sleep(0.05)
    except TimeoutError:
        raise TimeoutError(f"timed out after {within:g}s waiting for {what}") from None


class CutPool:
    """A pool whose connection got the server's shutdown notice while idle, handed out before asyncpg read
    the socket's end: its statements raise InternalClientError ("cannot switch to state 12; another
    operation (2) is in progress"). A race of a loaded machine no real server loses on cue, so a stand-in."""

    @contextlib.asynccontextmanager
    async def acquire(self, **_options: Any) -> AsyncIterator[Any]:
        raise asyncpg.InternalClientError("cannot switch to state 12; another operation (2) is in progress")
        yield


# --- the world a bot process connects to --------------------------------------------------------------
@dataclass
class Teams:
    """Guilds on the emulator, each with its notification channel set in guild_settings."""

    guilds: list[Guild] = field(default_factory=list)
    channels: list[Channel] = field(default_factory=list)

    @property
    def guild_ids(self) -> list[int]:
        return [g.id for g in self.guilds]


async def add_teams(emu: DiscordEmulator, pool: asyncpg.Pool, count: int) -> Teams:
    """`count` guilds with a channel each, set as the guild's notification channel (the dispatcher sends at
    most one message a second per channel, so spreading posts over channels keeps a test short)."""
    teams = Teams()
    for n in range(count):
        guild = emu.add_guild(f"Team {n}")
        channel = guild.add_channel("checkbacks")
        teams.guilds.append(guild)
        teams.channels.append(channel)
    await pool.executemany(
        "INSERT INTO guild_settings (guild_id, notify_channel_id) VALUES ($1, $2)",
        [(g.id, c.id) for g, c in zip(teams.guilds, teams.channels, strict=True)],
    )
    return teams


WORKER = ("run", "--role", "worker")  # the arguments of a worker process (no gateway)


async def teams_with_due_posts(
    emu: DiscordEmulator, pool: asyncpg.Pool, teams: int, posts: int, now: datetime | None = None
) -> Teams:
    """`teams` guilds (add_teams) and `posts` tracked posts whose first check is due at `now` (the
    database's now unless given), spread over them."""
    found = await add_teams(emu, pool, teams)
    await seed_due_posts(pool, posts, found.guild_ids, now or await pool.fetchval("SELECT now()"))
    return found


async def due_for_workers(
    outside: Outside, pool: asyncpg.Pool, dsn: str, teams: int, posts: int
) -> tuple[Teams, dict[str, str]]:
    """The set-up of a test of `python -m bot run --role worker` processes: `teams` teams with `posts` due
    posts (teams_with_due_posts), and the environment the workers run in."""
    found = await teams_with_due_posts(outside.emu, pool, teams, posts)
    return found, bot_env(dsn, outside.emu, outside.sim)


def assert_each_sent_once(emu: DiscordEmulator, teams: Teams, posts: int) -> None:
    """Every post's check-back reached its team's channel, exactly once."""
    seen = checkback_embeds(emu, teams.channels)
    assert len(seen) == posts, f"{posts - len(seen)} check-backs never reached a channel"
    assert max(seen.values()) == 1, [k for k, n in seen.items() if n > 1][:5]


def bot_env(dsn: str, emu: DiscordEmulator, sim: MetricsSimulator, **extra: str) -> dict[str, str]:
    """The environment of a `python -m bot` process pointed at the emulator, the simulator and `dsn`."""
    return cli.bot_env(dsn, emu, sim, TOKEN, **{"METRICS_API_RATE": "300", **extra})


class BotProcess:
    """One `python -m bot ...` process; its output goes to a file (a full pipe would stall the bot)."""

    def __init__(self, proc: asyncio.subprocess.Process, log: Path) -> None:
        self.proc = proc
        self.log = log

    @classmethod
    async def start(cls, env: dict[str, str], log: Path, *args: str) -> BotProcess:
        with log.open("ab") as out:
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", *args, cwd=ROOT, env=env, stdout=out, stderr=out
            )
        return cls(proc, log)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    async def kill(self) -> None:
        """SIGKILL: no goodbye, no cleanup; what it held is left to expire."""
        if self.proc.returncode is None:
            self.proc.kill()
        await self.proc.wait()

    async def stop(self, within: float = 30.0) -> int:
        """SIGTERM and wait; returns the exit status."""
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            async with asyncio.timeout(within):
                return await self.proc.wait()
        except TimeoutError:
            await self.kill()
            raise AssertionError(f"the bot did not stop on SIGTERM:\n{self.output()[-3000:]}") from None


# --- due posts ---------------------------------------------------------------------------------------
async def seed_due_posts(pool: asyncpg.Pool, count: int, guild_ids: list[int], now: datetime) -> None:
    """`count` tracked posts whose 1-hour check is due at `now`, spread over `guild_ids` in turn."""
    await db_seed.seed_due_posts(
        pool,
        count=count,
        due=now - timedelta(seconds=1),
        offsets=DEFAULT_OFFSETS,
        username="reliability",
        first_video_id=7470000000000000001,
        guild_ids=guild_ids,
    )


async def expire_leases(pool: asyncpg.Pool) -> None:
    """What five minutes of waiting would do: the leases of a process that died run out (check-backs
    hold theirs 5 minutes, the outbox 2), so the next process may claim that work again."""
    await pool.execute(
        "UPDATE social_media_posts SET claimed_until = now() - interval '1 second' WHERE claimed_until IS NOT NULL"
    )
    await pool.execute(
        "UPDATE notification_outbox SET claimed_until = now() - interval '1 second' "
        "WHERE claimed_until IS NOT NULL AND sent_at IS NULL"
    )


async def all_done(pool: asyncpg.Pool, posts: int) -> bool:
    """Every post answered its first check, and no notification is left to send."""
    row = await pool.fetchrow(
        """
        SELECT (SELECT count(*) FROM social_media_posts WHERE checks_completed >= 1) AS checked,
               (SELECT count(*) FROM notification_outbox WHERE sent_at IS NULL) AS pending
        """
    )
    return row["checked"] == posts and row["pending"] == 0


# --- what arrived ------------------------------------------------------------------------------------
def checkback_embeds(emu: DiscordEmulator, channels: Iterable[Channel]) -> Counter[tuple[str, str]]:
    """How many times each (post link, "check i/n") check-back embed appears in the channels."""
    seen: Counter[tuple[str, str]] = Counter()
    for channel in channels:
        for message in emu.sent_messages(channel):
            for embed in message.embeds:
                footer = (embed.get("footer") or {}).get("text", "")
                if footer.startswith("check "):
                    seen[(embed.get("url", ""), footer.split(" · ")[0])] += 1
    return seen


def embeds_in(emu: DiscordEmulator, channels: Iterable[Channel]) -> int:
    return sum(len(m.embeds) for c in channels for m in emu.sent_messages(c))
