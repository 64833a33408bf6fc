"""/limits show, /limits set, /actions recent, and cap alerts reaching the channel, through the emulator."""

from __future__ import annotations

import asyncpg
import pytest

from bot.clock import ManualClock
from bot.sandbox.discord.commands import InvalidInvocation
from bot.sandbox.stack import Stack
from db.accounts import get_or_create_account


@pytest.fixture
async def brand(clean_db: asyncpg.Pool) -> int:
    async with clean_db.acquire() as conn:
        return (await get_or_create_account(conn, "brand")).id


async def caps(pool: asyncpg.Pool) -> list[tuple]:
    rows = await pool.fetch(
        "SELECT account_id, action_type, daily_limit, hourly_limit FROM action_caps ORDER BY 1 NULLS FIRST, 2"
    )
    return [tuple(r) for r in rows]


async def test_limits_show_the_default_caps_and_an_accounts_usage(
    stack: Stack, clean_db: asyncpg.Pool, brand: int, clock: ManualClock
) -> None:
    w = stack.world
    defaults = await (await stack.emulator.invoke(w.member, "limits show", channel=w.channel)).final()
    text = defaults.embeds[0]["description"]
    assert text.startswith("```") and "like" in text and "100 a day" in text
    for _ in range(3):
        await clean_db.fetchval("SELECT try_record_action($1, 'like')", brand)
    # The bot counts the days and hours of its own clock: put it at the time the actions were recorded.
    clock.set(await clean_db.fetchval("SELECT max(created_at) FROM automation_actions"))
    mine = await (
        await stack.emulator.invoke(w.member, "limits show", channel=w.channel, account="brand")
    ).final()
    line = next(x for x in mine.embeds[0]["description"].splitlines() if x.strip().startswith("like"))
    assert "3/100 today" in line and "3/20 this hour" in line and "░" in line
    unknown = await (
        await stack.emulator.invoke(w.member, "limits show", channel=w.channel, account="ghost")
    ).final()
    assert unknown.ephemeral and "No account named ghost" in unknown.content
    stack.emulator.assert_no_violations()


async def test_an_admin_sets_a_cap_and_a_member_may_not(
    stack: Stack, clean_db: asyncpg.Pool, brand: int
) -> None:
    w = stack.world
    final = await (
        await stack.emulator.invoke(
            w.admin, "limits set", channel=w.channel, action="like", daily=10, hourly=4, account="brand"
        )
    ).final()
    assert "**like**: 10 a day, 4 an hour (for @brand)" in final.content
    assert (brand, "like", 10, 4) in await caps(clean_db)
    before = await caps(clean_db)
    refused = await (
        await stack.emulator.invoke(w.member, "limits set", channel=w.channel, action="like", daily=1000)
    ).final()
    assert refused.ephemeral and "Only admins" in refused.content
    assert await caps(clean_db) == before


async def test_bad_caps_are_refused_and_change_nothing(
    stack: Stack, clean_db: asyncpg.Pool, brand: int
) -> None:
    w = stack.world
    before = await caps(clean_db)
    hourly_above = await (
        await stack.emulator.invoke(
            w.admin, "limits set", channel=w.channel, action="follow", daily=5, hourly=9
        )
    ).final()
    assert hourly_above.ephemeral and "cannot exceed the daily cap" in hourly_above.content
    ghost = await (
        await stack.emulator.invoke(
            w.admin, "limits set", channel=w.channel, action="follow", daily=5, account="ghost"
        )
    ).final()
    assert ghost.ephemeral and "No account named ghost" in ghost.content
    for bad in ({"action": "dance", "daily": 5}, {"action": "like", "daily": -1}):
        with pytest.raises(InvalidInvocation):  # Discord's own checks: choices and minimums
            await stack.emulator.invoke(w.admin, "limits set", channel=w.channel, **bad)
    assert await caps(clean_db) == before


async def test_cap_alerts_at_80_and_100_percent_reach_the_channel(
    stack: Stack, clean_db: asyncpg.Pool, brand: int, clock: ManualClock
) -> None:
    w = stack.world
    await (
        await stack.emulator.invoke(
            w.admin, "limits set", channel=w.channel, action="comment", daily=5, hourly=5, account="brand"
        )
    ).final()
    # An automation worker takes slots straight from Postgres, as DESIGN.md §7 has it.
    ids = [await clean_db.fetchval("SELECT try_record_action($1, 'comment')", brand) for _ in range(6)]
    assert ids[-1] is None and None not in ids[:5]
    # try_record_action dates its alert by Postgres's now(); the bot's clock must have reached it.
    clock.set(await clean_db.fetchval("SELECT now()"))

    def titles() -> list[str]:
        return [e.get("title", "") for m in stack.emulator.sent_messages(w.channel) for e in m.embeds]

    await stack.emulator.wait_until(lambda: True if len(titles()) >= 2 else None, 10, "two cap alerts")
    assert any("@brand: comment cap at 80%" in t for t in titles())
    assert any("@brand: comment cap at 100%" in t for t in titles())
    shown = await (
        await stack.emulator.invoke(w.member, "limits show", channel=w.channel, account="brand")
    ).final()
    assert "(cap reached)" in shown.embeds[0]["description"]
    stack.emulator.assert_no_violations()


async def test_actions_recent_lists_newest_first_and_filters(
    stack: Stack, clean_db: asyncpg.Pool, brand: int
) -> None:
    w = stack.world
    for kind in ("like", "follow", "like"):
        await clean_db.fetchval("SELECT try_record_action($1, $2, 'video', '42')", brand, kind)
    every = await (await stack.emulator.invoke(w.member, "actions recent", channel=w.channel)).final()
    lines = every.embeds[0]["description"].splitlines()
    assert len(lines) == 3 and "**like**" in lines[0] and "video:42" in lines[0]
    follows = await (
        await stack.emulator.invoke(
            w.member, "actions recent", channel=w.channel, type="follow", account="brand"
        )
    ).final()
    assert follows.embeds[0]["description"].count("**follow**") == 1
    assert "**like**" not in follows.embeds[0]["description"]
    nobody = await (
        await stack.emulator.invoke(w.member, "actions recent", channel=w.channel, account="ghost")
    ).final()
    assert nobody.ephemeral and "No account named ghost" in nobody.content
