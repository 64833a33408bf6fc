"""`python -m bot doctor` against the sandbox's Discord emulator and metrics simulator, as an operator runs it."""

from __future__ import annotations

import asyncpg

from bot.sandbox.discord import Permissions
from tests.cli import run_cli
from tests.ops.conftest import Outside
from tests.reliability.helpers import TOKEN


def _env(outside: Outside, **extra: str) -> dict[str, str]:
    assert outside.sim.base_url is not None
    return {
        "DISCORD_TOKEN": TOKEN,
        "DISCORD_API_BASE_URL": outside.emu.base_url,
        "METRICS_API_BASE_URL": outside.sim.base_url,
        "METRICS_API_MONTHLY_BUDGET": "500",
        **extra,
    }


def _marks(stdout: str) -> list[str]:
    return [line[0] for line in stdout.splitlines() if line[:1] in ("✓", "✗", "–")]


async def test_doctor_passes_against_the_emulator_and_simulator_and_counts_its_one_api_call(
    outside: Outside, clean_db: asyncpg.Pool, dsn: str
) -> None:
    channel = outside.emu.add_guild("Doctor team").add_channel("checkbacks")
    done = await run_cli(dsn, "doctor", **_env(outside, NOTIFY_CHANNEL_ID=str(channel.id)))
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert _marks(done.stdout) == ["✓"] * 7, done.stdout
    assert lines[0] == "✓ settings: valid"
    assert "PostgreSQL 16" in lines[1] or "PostgreSQL " in lines[1]
    assert lines[2].startswith("✓ migrations: all ")
    assert lines[3].startswith("✓ Discord token: valid: Checkback")
    assert lines[4].startswith("✓ channel #checkbacks:") and "Doctor team" in lines[4]
    assert lines[5].startswith("✓ metrics API key: accepted")
    assert lines[6] == f"✓ budget: 499 of 500 calls left in {lines[6].split(' in ')[-1]}"
    assert lines[-1] == "All checks passed."
    assert outside.sim.calls == 1  # one call, and it was counted
    assert await clean_db.fetchval("SELECT sum(calls) FROM metrics_budget_months") == 1


async def test_a_wrong_token_is_one_cross_naming_the_fix_and_exit_1(
    outside: Outside, clean_db: asyncpg.Pool, dsn: str
) -> None:
    channel = outside.emu.add_guild("Doctor team").add_channel("checkbacks")
    done = await run_cli(
        dsn, "doctor", **_env(outside, DISCORD_TOKEN="not-the-token", NOTIFY_CHANNEL_ID=str(channel.id))
    )
    assert done.returncode == 1, done.stdout + done.stderr
    crosses = [line for line in done.stdout.splitlines() if line.startswith("✗")]
    assert len(crosses) == 1, done.stdout
    assert crosses[0].startswith(
        "✗ Discord token: rejected by Discord (401 Unauthorized) — fix: set DISCORD_TOKEN"
    )
    assert done.stdout.splitlines()[-1] == "1 problem(s) found."


async def test_a_channel_the_bot_cannot_send_in_names_the_missing_permissions(
    outside: Outside, clean_db: asyncpg.Pool, dsn: str
) -> None:
    guild = outside.emu.add_guild("Doctor team")
    channel = guild.add_channel("read-only")
    channel.set_overwrite(guild.everyone, deny=Permissions.SEND_MESSAGES | Permissions.EMBED_LINKS)
    done = await run_cli(dsn, "doctor", **_env(outside, NOTIFY_CHANNEL_ID=str(channel.id)))
    assert done.returncode == 1, done.stdout + done.stderr
    [cross] = [line for line in done.stdout.splitlines() if line.startswith("✗")]
    assert (
        "#read-only" in cross
        and "missing send messages, embed links" in cross
        and "fix: give the bot's role" in cross
    )


async def test_invalid_settings_are_the_first_cross(clean_db: asyncpg.Pool, dsn: str) -> None:
    done = await run_cli(dsn, "doctor", METRICS_API_RATE="fast")
    assert done.returncode == 1
    assert done.stdout.startswith("✗ settings: METRICS_API_RATE:")
