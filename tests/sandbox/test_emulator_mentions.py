"""Role mentions in the emulator, as Discord documents them: roles in the guild and in ROLE options, who a
message pings (content, components and allowed_mentions, with each context's default), whom Discord then
notifies (mentionable roles, Mention Everyone), and the ids a test may declare as expected pings."""

from __future__ import annotations

from collections.abc import AsyncIterator

import discord
import pytest
from discord import app_commands

from bot.sandbox.discord import DiscordEmulator, Permissions
from bot.sandbox.discord.mentions import Pings, deliverable, mention_text, pings, problems
from tests.sandbox.conftest import CommandBot, World, serving


@app_commands.command(description="Ping a role in a channel, allowing exactly that role")
async def alert(interaction: discord.Interaction, channel: discord.TextChannel, role: discord.Role) -> None:
    await channel.send(
        f"{role.mention} something happened", allowed_mentions=discord.AllowedMentions(roles=[role])
    )
    await interaction.response.send_message(
        f"pinged {role.name} (mentionable: {role.mentionable})", ephemeral=True
    )


@app_commands.command(description="Mention a role without allowing it")
async def quiet(interaction: discord.Interaction, role: discord.Role) -> None:
    await interaction.response.send_message(f"{role.mention} is quiet")


@pytest.fixture
async def bot(emulator: DiscordEmulator, world: World) -> AsyncIterator[CommandBot]:
    # What Checkback sets: nobody is pinged unless a message allows it.
    none = discord.AllowedMentions.none()
    async with serving(CommandBot(alert, quiet, allowed_mentions=none), emulator) as client:
        yield client


def test_a_webhook_or_interaction_answer_parses_only_user_mentions_by_default() -> None:
    text = "@everyone <@&42> <@7>"
    assert pings(text, None) == Pings(True, frozenset({7}), frozenset({42}))
    assert pings(text, None, webhook=True) == Pings(False, frozenset({7}), frozenset())
    assert pings(text, {"parse": ["roles"]}, webhook=True).roles == {42}


def test_mentions_in_text_display_components_count_and_listed_ids_not_in_the_text_do_not() -> None:
    components = [{"type": 17, "components": [{"type": 10, "content": "<@&42> look"}]}]
    text = mention_text("", components)
    assert pings(text, {"parse": [], "roles": ["42"]}).roles == {42}
    assert not pings("nothing here", {"parse": [], "roles": ["42"], "users": ["7"]})


def test_allowed_mentions_that_discord_refuses() -> None:
    assert problems({"parse": ["roles"], "roles": ["1"]})
    assert problems({"parse": ["admins"]})
    assert problems({"parse": [], "roles": [str(n) for n in range(101)]})
    assert not problems({"parse": [], "roles": [str(n) for n in range(100)]})
    assert not problems({"parse": ["users", "roles"], "users": []})  # a falsy list is no conflict


def test_a_role_that_is_not_mentionable_notifies_only_for_an_author_who_may_mention_everyone() -> None:
    allowed = Pings(True, frozenset(), frozenset({1, 2}))
    assert deliverable(allowed, mention_everyone=False, mentionable={2}) == Pings(
        False, frozenset(), frozenset({2})
    )
    assert deliverable(allowed, mention_everyone=True, mentionable=()) == allowed


async def test_roles_reach_the_client_in_guild_create_rest_and_role_options(
    emulator: DiscordEmulator, world: World, bot: CommandBot
) -> None:
    team = world.guild.add_role("social-team", mentionable=True)
    guild = bot.get_guild(world.guild.id)
    assert guild is not None
    await emulator.wait_until(lambda: guild.get_role(team.id), what="GUILD_ROLE_CREATE")
    assert guild.get_role(team.id).mentionable  # type: ignore[union-attr]
    fetched = {r.id: r for r in await guild.fetch_roles()}
    assert fetched[team.id].name == "social-team" and fetched[team.id].mentionable

    interaction = await emulator.invoke(world.admin, "alert", options={"channel": world.alerts, "role": team})
    assert interaction.payload["data"]["resolved"]["roles"][str(team.id)]["name"] == "social-team"
    assert (await interaction.final()).content == "pinged social-team (mentionable: True)"
    message = await emulator.wait_for_message(world.alerts)
    assert message.pings == Pings(roles=frozenset({team.id}))
    assert message.notified == Pings(roles=frozenset({team.id}))
    assert emulator.stray_pings([team.id]) == []
    assert emulator.stray_pings() == [message]
    emulator.assert_no_violations()


async def test_an_unmentionable_role_is_allowed_but_notifies_nobody_unless_the_bot_may_mention_everyone(
    emulator: DiscordEmulator, world: World, bot: CommandBot
) -> None:
    shy = world.guild.add_role("shy")
    me = world.guild.members[world.bot.user.id]
    world.alerts.set_overwrite(me, deny=Permissions.MENTION_EVERYONE)
    await (
        await emulator.invoke(world.admin, "alert", options={"channel": world.alerts, "role": shy})
    ).final()
    first = await emulator.wait_for_message(world.alerts)
    assert first.pings.roles == {shy.id} and not first.notified

    world.alerts.set_overwrite(me, allow=Permissions.MENTION_EVERYONE)
    await (
        await emulator.invoke(world.admin, "alert", options={"channel": world.alerts, "role": shy})
    ).final()
    second = await emulator.wait_for_message(world.alerts, lambda m: m is not first)
    assert second.notified.roles == {shy.id}


async def test_a_role_mentioned_in_an_answer_without_allowed_mentions_pings_nobody(
    emulator: DiscordEmulator, world: World, bot: CommandBot
) -> None:
    team = world.guild.add_role("social-team", mentionable=True)
    answer = await (await emulator.invoke(world.admin, "quiet", role=team)).final()
    assert team.mention in answer.content
    assert not answer.pings and emulator.stray_pings() == []
