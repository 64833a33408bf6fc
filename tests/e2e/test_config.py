"""/config channel|schedule|admin-role|show and /usage through the real bot and the Discord emulator."""

from __future__ import annotations

from datetime import timedelta

import asyncpg
import pytest

from bot.clock import ManualClock
from bot.sandbox.stack import Stack
from tests.conftest import MakeStack
from tests.e2e.helpers import track_fresh

VIDEO = "https://www.tiktok.com/@demo/video/7301234567890126001"


async def settings_row(pool: asyncpg.Pool, guild_id: int) -> tuple | None:
    row = await pool.fetchrow(
        "SELECT notify_channel_id, checkback_offsets_seconds, admin_role_id FROM guild_settings WHERE guild_id = $1",
        guild_id,
    )
    return None if row is None else (row[0], list(row[1] or []), row[2])


async def test_an_admin_sets_the_channel_and_updates_go_there(
    stack: Stack, clean_db: asyncpg.Pool, clock: ManualClock
) -> None:
    w = stack.world
    updates = w.guild.add_channel("updates")
    final = await (
        await stack.emulator.invoke(
            w.admin, "config channel", channel=w.channel, options={"channel": updates}
        )
    ).final()
    assert f"<#{updates.id}>" in final.content
    assert (await settings_row(clean_db, w.guild.id))[0] == updates.id
    shown = await stack.reply(w.admin, "config show")
    fields = {f["name"]: f["value"] for f in shown.embeds[0]["fields"]}
    assert fields["Notification channel"] == f"<#{updates.id}>"
    assert fields["Check-back schedule"].endswith("(default)")
    await track_fresh(stack, "7301234567890126002")
    clock.advance(timedelta(hours=1))
    update = await stack.emulator.wait_for_message(updates, timeout=10)
    assert "@demo" in update.embeds[0]["title"]
    assert not stack.emulator.sent_messages(w.channel)
    stack.emulator.assert_no_violations()


async def test_a_schedule_is_validated_and_stored(stack: Stack, clean_db: asyncpg.Pool) -> None:
    w = stack.world
    good = await stack.reply(w.admin, "config schedule", offsets="30m, 2h,1d ,3d")
    assert "**30m,2h,1d,3d** (4 checks)" in good.content
    assert (await settings_row(clean_db, w.guild.id))[1] == [1800, 7200, 86400, 259200]
    for bad, why in (
        ("6h,1h", "ascending"),
        ("0h,1h", "not after"),
        ("1h,91d", "more than 90 days"),
        (",".join(f"{h}h" for h in range(1, 22)), "at most 20"),
        ("soon", "not a duration"),
    ):
        final = await stack.reply(w.admin, "config schedule", offsets=bad)
        assert final.ephemeral and why in final.content, (bad, final.content)
    assert (await settings_row(clean_db, w.guild.id))[1] == [1800, 7200, 86400, 259200]
    shown = await stack.reply(w.admin, "config show")
    assert "30m,2h,1d,3d" in shown.embeds[0]["fields"][1]["value"]


async def test_the_admin_role_makes_its_members_admins(stack: Stack, clean_db: asyncpg.Pool) -> None:
    w = stack.world
    social = w.guild.add_role("social-team")
    helper = w.guild.add_member("helper", roles=[social])
    # Admin commands are hidden from members without Manage Server: the guild lets everyone see /config
    # (Integrations settings), and the bot's own check decides.
    w.guild.allow_command("config")
    before = await (await stack.emulator.invoke(helper, "config show", channel=w.channel)).final()
    assert before.ephemeral and "Only admins" in before.content
    set_role = await stack.reply(w.admin, "config admin-role", role=social)
    assert f"<@&{social.id}>" in set_role.content
    assert (await settings_row(clean_db, w.guild.id))[2] == social.id
    after = await (await stack.emulator.invoke(helper, "config show", channel=w.channel)).final()
    assert not after.ephemeral and f"<@&{social.id}>" in after.embeds[0]["fields"][2]["value"]
    cap = await (
        await stack.emulator.invoke(helper, "limits set", channel=w.channel, action="view", daily=7)
    ).final()
    assert "**view**: 7 a day" in cap.content
    plain = await stack.reply(w.member, "config show")
    assert plain.ephemeral and "Only admins" in plain.content  # members without the role still are not


async def test_members_may_not_change_any_setting(stack: Stack, clean_db: asyncpg.Pool) -> None:
    w = stack.world
    other = w.guild.add_channel("elsewhere")
    role = w.guild.add_role("anyone")
    w.guild.allow_command("config")  # shown to everyone by the guild; refused by the bot all the same
    attempts = [
        ("config channel", {"options": {"channel": other}}),
        ("config schedule", {"offsets": "1h,2h"}),
        ("config admin-role", {"role": role}),
        ("config show", {}),
    ]
    for command, values in attempts:
        final = await (await stack.emulator.invoke(w.member, command, channel=w.channel, **values)).final()
        assert final.ephemeral and final.content == (
            "Only admins (Manage Server, or the configured admin role) can do that."
        ), command
    assert await settings_row(clean_db, w.guild.id) is None


async def test_usage_counts_todays_calls_without_a_budget(stack: Stack, clean_db: asyncpg.Pool) -> None:
    w = stack.world
    await stack.reply(w.member, "track", url=VIDEO)
    final = await stack.reply(w.member, "usage")
    fields = {f["name"]: f["value"] for f in final.embeds[0]["fields"]}
    assert fields["Calls today (UTC)"] == "1 (0 failed)"
    assert fields["Calls this month"] == "1 (no budget set)"
    assert fields["Error rate (month)"] == "0.00%"
    assert fields["Median latency"].endswith(" ms")
    stack.emulator.assert_no_violations()


@pytest.fixture
async def budget_stack(clean_db: asyncpg.Pool, dsn: str, make_stack: MakeStack) -> Stack:
    """The bot with a monthly API budget of 20 calls (a track decides on up to 9 before it calls)."""
    return await make_stack(dsn=dsn, settings={"metrics_api_monthly_budget": 20})


async def test_usage_against_the_budget_counts_failures(budget_stack: Stack, clean_db: asyncpg.Pool) -> None:
    s, w = budget_stack, budget_stack.world
    await (await s.emulator.invoke(w.member, "track", channel=w.channel, url=VIDEO)).final(timeout=10)
    s.simulator.fail_next(1, kind="deleted")  # the wording says so (a 404 would prove nothing)
    missing = "https://www.tiktok.com/@demo/video/7301234567890126999"
    refused = await (await s.emulator.invoke(w.member, "track", channel=w.channel, url=missing)).final(
        timeout=10
    )
    assert "deleted, private or does not exist" in refused.content
    final = await (await s.emulator.invoke(w.member, "usage", channel=w.channel)).final()
    fields = {f["name"]: f["value"] for f in final.embeds[0]["fields"]}
    calls = await clean_db.fetchval("SELECT count(*) FROM api_usage_tracking")
    failed = await clean_db.fetchval("SELECT count(*) FROM api_usage_tracking WHERE NOT success")
    assert calls >= 2 and failed >= 1
    assert fields["Calls this month"].startswith(f"{calls} of 20 (")
    assert fields["Budget left"] == str(20 - calls)
    assert fields["Error rate (month)"] == f"{failed / calls * 100:.2f}%"
