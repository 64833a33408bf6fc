"""The team's data belongs to the team (issue 15): TEAM_GUILD_IDS names the team's servers; team-wide data
(conversations, templates, caps, the action log, API usage) is shown only there, elsewhere one ephemeral
line says why; with it unset and the bot in several servers, team-wide commands are refused; with it set,
a server the bot is added to is left. Per-server data (tracked posts) stays in its own server."""

from __future__ import annotations

import logging
from datetime import timedelta

import asyncpg
import pytest

from bot.clock import ManualClock
from bot.config import load_settings
from bot.conversations import ConversationService
from bot.errors import ConfigError
from bot.render.errors import NOT_TEAM_SERVER, TEAM_SERVERS_UNSET
from bot.sandbox.discord.world import Channel, Guild, Member
from bot.sandbox.stack import Stack
from bot.team_scope import TeamRefusal, TeamScope
from tests.e2e.helpers import track_fresh, write_template
from tests.e2e.test_watch import NAME, frequent_poster

TEAM_COMMANDS = [
    ("conversations", {}),
    ("conversation", {"participant": "fan_01"}),
    ("templates list", {}),
    ("templates add", {}),
    ("templates edit", {"name": "secret"}),
    ("limits show", {}),
    ("limits set", {"action": "like", "daily": 500}),
    ("actions recent", {}),
    ("usage", {}),
    ("digest now", {}),  # the digest shows the caps' use and the API budget, team-wide
]


async def second_server(stack: Stack) -> tuple[Guild, Channel, Member]:
    other = stack.emulator.add_guild("Someone else's server")
    channel = other.add_channel("general")
    admin = other.add_member("intruder", admin=True)
    await stack.emulator.wait_until(lambda: stack.bot.get_guild(other.id), timeout=5)
    return other, channel, admin


async def team_data(stack: Stack, pool: asyncpg.Pool, clock: ManualClock) -> None:
    await ConversationService(pool, clock).record_incoming(
        "brand", "fan_01", "a private message", sent_at=clock.now() - timedelta(hours=1)
    )
    w = stack.world
    added = await write_template(stack, w.admin, "secret", "Our secret offer {username}")
    assert "secret" in str(added.embeds)


def test_the_scope_decides_as_documented() -> None:
    assert TeamScope(None).refusal(1, [1]) is None
    assert TeamScope(None).refusal(1, [1, 2]) is TeamRefusal.UNSET_MANY_SERVERS
    assert TeamScope(frozenset({1})).refusal(1, [1, 2]) is None
    assert TeamScope(frozenset({1})).refusal(2, [1, 2]) is TeamRefusal.NOT_TEAM_SERVER
    assert TeamScope(frozenset({1})).should_leave(2) and not TeamScope(frozenset({1})).should_leave(1)
    assert not TeamScope(None).should_leave(2)
    assert load_settings(team_guild_ids=" 12, 34 ").team_guilds == {12, 34}
    assert load_settings(team_guild_ids="").team_guilds is None
    with pytest.raises(ConfigError, match="TEAM_GUILD_IDS"):
        load_settings(team_guild_ids="12,abc")


async def test_a_second_server_sees_none_of_the_teams_data(
    stack: Stack, clean_db: asyncpg.Pool, clock: ManualClock
) -> None:
    w, emu = stack.world, stack.emulator
    await team_data(stack, clean_db, clock)
    await track_fresh(stack, "7301234567890125006")
    frequent_poster(stack)
    watched = await emu.invoke(w.admin, "watch add", channel=w.channel, account=NAME)
    await watched.final(timeout=10)
    other, channel, intruder = await second_server(stack)
    stack.bot.team_scope = TeamScope(frozenset({w.guild.id}))  # TEAM_GUILD_IDS=<the first server>

    for command, values in TEAM_COMMANDS:
        answer = await (await emu.invoke(intruder, command, channel=channel, **values)).final(timeout=10)
        assert answer.ephemeral and answer.content == NOT_TEAM_SERVER and not answer.embeds, command
    assert await emu.autocomplete(intruder, "conversation", focused="participant", value="") == []
    assert await emu.autocomplete(intruder, "templates remove", focused="name", value="") == []
    assert await clean_db.fetchval("SELECT count(*) FROM message_templates") == 1

    # Per-server data: the first server's tracked post is nowhere in the second.
    tracked = await (await emu.invoke(intruder, "tracked", channel=channel)).final(timeout=10)
    assert "7301234567890125006" not in str(tracked.embeds) + tracked.content
    for command in ("analytics", "export", "comments"):
        assert await emu.autocomplete(intruder, command, focused="post", value="") == [], command
    assert await emu.autocomplete(intruder, "analytics", focused="account", value="") == []
    account = await (await emu.invoke(intruder, "analytics", channel=channel, account=NAME)).final(timeout=10)
    assert account.ephemeral and not account.embeds, account.content
    listed_watches = await (await emu.invoke(intruder, "watch list", channel=channel)).final(timeout=10)
    assert NAME not in str(listed_watches.embeds) + listed_watches.content

    # The team's own server still sees everything.
    mine = await (await emu.invoke(w.member, "conversations", channel=w.channel)).final(timeout=10)
    assert "fan_01" in str(mine.embeds)
    listed = await (await emu.invoke(w.member, "templates list", channel=w.channel)).final(timeout=10)
    assert "secret" in str(listed.embeds)


async def test_unset_and_in_two_servers_team_commands_are_refused_everywhere(
    stack: Stack, clean_db: asyncpg.Pool, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    w, emu = stack.world, stack.emulator
    await team_data(stack, clean_db, clock)
    other, channel, intruder = await second_server(stack)
    assert emu.left_guilds == []  # unset: the bot stays, but shows team data nowhere
    for member, where in ((w.member, w.channel), (intruder, channel)):
        answer = await (await emu.invoke(member, "conversations", channel=where)).final(timeout=10)
        assert answer.ephemeral and answer.content == TEAM_SERVERS_UNSET
    with caplog.at_level(logging.WARNING, logger="bot.team_scope"):
        stack.bot.team_scope.log_start([g.id for g in stack.bot.guilds])
    assert "TEAM_GUILD_IDS is unset and the bot is in 2 servers" in caplog.text


async def test_added_to_a_server_outside_the_setting_the_bot_leaves_it(
    stack: Stack, caplog: pytest.LogCaptureFixture
) -> None:
    w, emu = stack.world, stack.emulator
    stack.bot.team_scope = TeamScope(frozenset({w.guild.id}))
    with caplog.at_level(logging.WARNING, logger="bot.discord.app"):
        other = emu.add_guild("Invited by a stranger")
        await emu.wait_until(lambda: emu.left_guilds or None, timeout=5)
    assert emu.left_guilds == [(w.bot.user.id, other.id)]
    assert f"added to server {other.id}" in caplog.text and "leaving it" in caplog.text
    assert w.bot.user.id in w.guild.members  # the team's server is kept
