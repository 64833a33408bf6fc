"""/config alerts and /watch add ping: through the real bot and the Discord emulator: each kind of alert goes
to its route's channel and pings exactly its route's role, batches ping exactly their notices' roles, a
refused route channel keeps its alerts waiting, and nothing else ever pings."""

from __future__ import annotations

import itertools
from datetime import timedelta

import asyncpg
import discord
import pytest

from bot import notices
from bot.alert_routes import ALERT_KINDS, NOTICE_ALERT_KINDS, UNROUTED_NOTICES, alert_kind
from bot.clock import ManualClock
from bot.notices import MilestoneNotice, Notice, ViralNotice
from bot.render.notices import render_notice
from bot.sandbox.discord import Channel, InvalidInvocation, Message, Permissions, Role
from bot.sandbox.discord.mentions import Pings
from bot.sandbox.stack import Stack
from tests.checkbacks.test_notices import SAMPLES as NOTICE_SAMPLES
from tests.e2e.test_watch import NAME, frequent_poster

# One notice of each kind (tests/checkbacks/test_notices.py), and the one each alert kind is shown by.
ROUTED = [n for n in NOTICE_SAMPLES if n.kind not in UNROUTED_NOTICES]
SAMPLES: dict[str, Notice] = {
    kind: next(n for n in ROUTED if alert_kind(n.kind) == kind) for kind in ALERT_KINDS
}


def milestone(n: int) -> MilestoneNotice:
    return MilestoneNotice(post_id=n, author="demo", milestone=10_000, views=10_000 + n)


def viral(n: int) -> ViralNotice:
    return ViralNotice(post_id=n, author="demo", reason="pace", ratio=5.0, views=9_000 + n)


KEYS = itertools.count()


async def enqueue(pool: asyncpg.Pool, stack: Stack, *items: Notice, guild: bool = True) -> None:
    """Writes the notices in one transaction, as a producer does, so one dispatcher run sees them all."""
    now = stack.clock.now()
    async with pool.acquire() as conn, conn.transaction():
        for notice in items:
            await notices.enqueue(
                conn,
                notice,
                dedupe_key=f"test:{next(KEYS)}",
                now=now,
                guild_id=stack.world.guild.id if guild else None,
            )


async def route(stack: Stack, kind: str, channel: Channel | None = None, ping: Role | None = None) -> Message:
    options: dict[str, object] = {"kind": kind, "channel": channel, "ping": ping}
    interaction = await stack.emulator.invoke(stack.world.admin, "config alerts", options=options)
    return await interaction.final(timeout=10)


def titles(message: Message) -> list[str]:
    return [e["title"] for e in message.embeds]


def test_every_notice_kind_follows_an_alert_kind_or_none_on_purpose() -> None:
    """A new notice kind must choose its route (bot/alert_routes.py NOTICE_ALERT_KINDS) or be unrouted."""
    assert {n.kind for n in NOTICE_SAMPLES} <= set(NOTICE_ALERT_KINDS) | UNROUTED_NOTICES
    assert set(NOTICE_ALERT_KINDS.values()) == set(ALERT_KINDS)


async def test_each_kind_goes_to_its_channel_pinging_only_its_role(
    stack: Stack, clean_db: asyncpg.Pool
) -> None:
    w, emu = stack.world, stack.emulator
    channels = {kind: w.guild.add_channel(f"{kind}-alerts") for kind in ALERT_KINDS}
    roles = {kind: w.guild.add_role(f"{kind}-team", mentionable=True) for kind in ALERT_KINDS}
    stack.expect_pings(*roles.values())
    for kind in ALERT_KINDS:
        reply = await route(stack, kind, channels[kind], roles[kind])
        assert f"go to <#{channels[kind].id}> and ping <@&{roles[kind].id}>" in reply.content
        assert not reply.ephemeral and not reply.pings  # the reply names the role without pinging it
    # Every notice kind but the broken-channel one; a cap alert belongs to no guild (try_record_action
    # writes it): it follows the route of the team's server.
    await enqueue(clean_db, stack, *(n for n in ROUTED if n.kind != "cap_alert"))
    await enqueue(clean_db, stack, *(n for n in ROUTED if n.kind == "cap_alert"), guild=False)
    for kind in ALERT_KINDS:
        expected = [render_notice(n)["title"] for n in ROUTED if alert_kind(n.kind) == kind]

        def arrived(channel: Channel = channels[kind], count: int = len(expected)) -> list[Message] | None:
            messages = emu.sent_messages(channel)
            return messages if sum(len(m.embeds) for m in messages) >= count else None

        # A notice with buttons goes in a message of its own, in its place: each message pings the role.
        messages = await emu.wait_until(arrived, timeout=10, what=f"the {kind} alerts")
        assert [title for m in messages for title in titles(m)] == expected
        for message in messages:
            assert message.content == roles[kind].mention
            assert message.pings == message.notified == Pings(roles=frozenset({roles[kind].id}))
    assert emu.sent_messages(w.channel) == []  # every kind was routed away from the notification channel
    emu.assert_no_violations()


async def test_no_ping_without_a_role_and_a_batch_pings_exactly_the_roles_of_its_notices(
    stack: Stack, clean_db: asyncpg.Pool
) -> None:
    w, emu = stack.world, stack.emulator
    milestones, alerts = w.guild.add_channel("milestones"), w.guild.add_channel("alerts")
    viral_team, growth = (
        w.guild.add_role("viral", mentionable=True),
        w.guild.add_role("growth", mentionable=True),
    )
    stack.expect_pings(viral_team, growth)
    assert "pinging nobody" in (await route(stack, "milestone", milestones)).content
    # A route with a role and no channel pings in the notification channel.
    assert "go to the notification channel and ping" in (await route(stack, "viral", ping=viral_team)).content

    await enqueue(clean_db, stack, milestone(1), viral(2), SAMPLES["checkback"])
    quiet = await emu.wait_for_message(milestones, timeout=10)
    assert titles(quiet) == [render_notice(milestone(1))["title"]]
    assert quiet.content == "" and not quiet.pings
    loud = await emu.wait_for_message(w.channel, timeout=10)
    assert titles(loud) == [render_notice(viral(2))["title"], render_notice(SAMPLES["checkback"])["title"]]
    assert loud.pings.roles == {viral_team.id} and not loud.pings.users and not loud.pings.everyone

    # Two kinds routed to one channel: one message pings both roles; a batch split in two (more than 10
    # embeds) pings in each message the roles of the notices in that message only.
    await route(stack, "milestone", alerts, growth)
    await route(stack, "viral", alerts, viral_team)
    await enqueue(clean_db, stack, milestone(3), viral(4))
    mixed = await emu.wait_for_message(alerts, timeout=10)
    assert len(mixed.embeds) == 2 and mixed.pings.roles == {growth.id, viral_team.id}
    await enqueue(clean_db, stack, *(milestone(10 + n) for n in range(10)), viral(30), viral(31))
    first = await emu.wait_for_message(alerts, lambda m: m is not mixed, timeout=10)
    second = await emu.wait_for_message(alerts, lambda m: m not in (mixed, first), timeout=10)
    assert len(first.embeds) == 10 and first.pings.roles == {growth.id}
    assert len(second.embeds) == 2 and second.pings.roles == {viral_team.id}
    assert second.content == viral_team.mention
    emu.assert_no_violations()


async def test_show_lists_the_routes_and_reset_clears_one(stack: Stack, clean_db: asyncpg.Pool) -> None:
    w = stack.world
    alerts, team = w.guild.add_channel("alerts"), w.guild.add_role("social-team", mentionable=True)
    await route(stack, "viral", alerts, team)
    await route(stack, "budget", alerts)
    shown = await stack.reply(w.admin, "config show")
    fields = {f["name"]: f["value"] for f in shown.embeds[0]["fields"]}
    assert fields["Alert routes"].splitlines() == [
        f"**viral** → <#{alerts.id}> · pings <@&{team.id}>",
        f"**budget** → <#{alerts.id}>",
        "Other alerts: the notification channel, no ping.",
    ]
    reset = await stack.reply(w.admin, "config alerts", kind="viral", reset=True)
    assert "Viral alerts go to the notification channel again" in reset.content
    again = await stack.reply(w.admin, "config alerts", kind="viral", reset=True)
    assert "had no route" in again.content
    assert await clean_db.fetchval("SELECT array_agg(alert_kind) FROM alert_routes") == ["budget"]


async def test_a_member_is_refused_and_nothing_changes(stack: Stack, clean_db: asyncpg.Pool) -> None:
    w, emu = stack.world, stack.emulator
    alerts = w.guild.add_channel("alerts")
    with pytest.raises(InvalidInvocation, match="would not show them the command"):
        await emu.invoke(w.member, "config alerts", kind="viral", options={"channel": alerts})
    w.guild.allow_command("config")  # the guild lets everyone see /config: the bot's own check decides
    refused = await (
        await emu.invoke(w.member, "config alerts", kind="viral", options={"channel": alerts})
    ).final()
    assert refused.ephemeral and "Only admins" in refused.content
    assert await clean_db.fetchval("SELECT count(*) FROM alert_routes") == 0


async def bot_sees(stack: Stack, channel: Channel, flag: str, value: bool) -> None:
    """Wait until the bot's cache has the channel's new overwrites (CHANNEL_UPDATE) before a command."""
    me = stack.bot.get_guild(stack.world.guild.id).me  # type: ignore[union-attr]

    def probe() -> bool | None:
        cached = stack.bot.get_channel(channel.id)
        if not isinstance(cached, discord.TextChannel):
            return None
        return getattr(cached.permissions_for(me), flag) == value or None

    await stack.emulator.wait_until(probe, what=f"the bot to see {flag}={value} in #{channel.name}")


async def test_a_channel_or_role_that_cannot_work_is_refused_and_nothing_changes(
    stack: Stack, clean_db: asyncpg.Pool
) -> None:
    w = stack.world
    locked, no_embeds, team = (
        w.guild.add_channel("locked"),
        w.guild.add_channel("plain"),
        w.guild.add_role("team"),
    )
    locked.revoke_bot(Permissions.SEND_MESSAGES)
    no_embeds.revoke_bot(Permissions.EMBED_LINKS)
    await bot_sees(stack, locked, "send_messages", False)
    await bot_sees(stack, no_embeds, "embed_links", False)
    for options, why in [
        ({"channel": locked}, f"cannot post in <#{locked.id}>: it lacks Send Messages"),
        ({"channel": no_embeds}, "it lacks Embed Links"),
        ({}, "Name a channel or a role to ping"),
        ({"ping": w.guild.everyone}, "never pings @everyone"),
    ]:
        answer = await route(stack, "viral", **options)
        assert answer.ephemeral and why in answer.content, (options, answer.content)
    both = await stack.reply(w.admin, "config alerts", kind="viral", reset=True, channel=w.channel)
    assert both.ephemeral and "give it alone" in both.content
    assert await clean_db.fetchval("SELECT count(*) FROM alert_routes") == 0

    # A role nobody may mention, where the bot may not mention every role, is kept with a warning: Discord
    # would show the mention and notify nobody.
    w.channel.set_overwrite(w.guild.members[w.bot.user.id], deny=Permissions.MENTION_EVERYONE)
    await bot_sees(stack, w.channel, "mention_everyone", False)
    shy = await route(stack, "viral", w.channel, team)
    assert not shy.ephemeral and "not mentionable" in shy.content
    assert await clean_db.fetchval("SELECT ping_role_id FROM alert_routes") == team.id
    stack.emulator.assert_no_violations()


async def test_a_routes_refused_channel_keeps_its_alerts_until_an_admin_routes_them_again(
    stack: Stack, clean_db: asyncpg.Pool, clock: ManualClock
) -> None:
    w, emu = stack.world, stack.emulator
    doomed, fresh = w.guild.add_channel("doomed"), w.guild.add_channel("fresh")
    team = w.guild.add_role("viral-team", mentionable=True)
    stack.expect_pings(team)
    await route(stack, "viral", doomed, team)
    doomed.delete()
    await enqueue(clean_db, stack, viral(1), viral(2))
    told = await emu.wait_for_message(w.channel, timeout=10)  # through NOTIFY_CHANNEL_ID, once
    assert titles(told) == ["Alert channel unusable"] and "viral alerts wait" in told.embeds[0]["description"]
    assert not told.pings
    shown = await stack.reply(w.admin, "config show")
    routes = next(f["value"] for f in shown.embeds[0]["fields"] if f["name"] == "Alert routes")
    assert "⚠️ unusable:" in routes
    waiting = await clean_db.fetch(
        "SELECT last_error FROM notification_outbox WHERE kind = 'viral' AND sent_at IS NULL"
    )
    assert len(waiting) == 2 and all("broken" in r["last_error"] for r in waiting)

    await route(stack, "viral", fresh, team)  # a working channel clears the broken mark
    clock.advance(timedelta(minutes=10))  # the waiting rows' next try
    delivered = await emu.wait_for_message(fresh, timeout=10)
    assert len(delivered.embeds) == 2 and delivered.pings.roles == {team.id}
    assert [m.embeds[0]["title"] for m in emu.sent_messages(w.channel)] == ["Alert channel unusable"]
    emu.assert_no_violations()


async def test_watch_add_with_ping_pings_that_role_with_the_accounts_new_posts(
    stack: Stack, clean_db: asyncpg.Pool, clock: ManualClock
) -> None:
    w, emu = stack.world, stack.emulator
    fans = w.guild.add_role("jo-fans", mentionable=True)
    stack.expect_pings(fans)
    frequent_poster(stack)
    added = await (await emu.invoke(w.admin, "watch add", account=NAME, ping=fans)).final(timeout=10)
    assert added.content == f"New posts of @{NAME} will ping {fans.mention}." and not added.pings
    [video] = stack.simulator.schedule_videos(NAME, 1, every=timedelta(minutes=10))
    clock.advance(timedelta(minutes=31))
    announced = await emu.wait_for_message(w.channel, lambda m: f"video {video}" in str(m.embeds), timeout=15)
    assert announced.pings == Pings(roles=frozenset({fans.id})) and announced.content == fans.mention

    # Added again without a ping: its next new post pings nobody.
    again = await (await emu.invoke(w.admin, "watch add", account=NAME)).final(timeout=10)
    assert again.content == ""
    [later] = stack.simulator.schedule_videos(NAME, 1, every=timedelta(minutes=10))
    clock.advance(timedelta(minutes=31))
    quiet = await emu.wait_for_message(w.channel, lambda m: f"video {later}" in str(m.embeds), timeout=15)
    assert not quiet.pings and quiet.content == ""
    refused = await (await emu.invoke(w.admin, "watch add", account=NAME, ping=w.guild.everyone)).final(
        timeout=10
    )
    assert refused.ephemeral and "never pings @everyone" in refused.content
    emu.assert_no_violations()
