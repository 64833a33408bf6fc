"""The Discord emulator, exercised by a small real discord.py bot connected over the gateway."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator

import aiohttp
import discord
import discord.gateway
import pytest
import yarl
from discord import app_commands
from discord.ext import commands

from bot.discord.endpoints import EMULATOR_CLIENT_OPTIONS, point_discord_at
from bot.sandbox.discord import DiscordEmulator, InvalidInvocation, Permissions, snowflake_time
from tests.sandbox.conftest import BOT_TOKEN, World

POSTS = ["abc123 dance", "abd999 recipe", "zzz000 vlog"]


# --- the probe bot: one command per behaviour the emulator must support ----------------------------
@app_commands.command(description="Answer at once")
async def ping(interaction: discord.Interaction, word: str = "pong") -> None:
    await interaction.response.send_message(f"{word}!")


@app_commands.command(description="Defer, then follow up with an embed and a file")
async def report(interaction: discord.Interaction, post: str) -> None:
    await interaction.response.defer(ephemeral=True, thinking=True)
    await asyncio.sleep(0.02)
    embed = discord.Embed(title=f"Report for {post}", description="views up 12%")
    embed.add_field(name="views", value="1,234")
    await interaction.followup.send(embed=embed, file=discord.File(io.BytesIO(b"views,1234\n"), "report.csv"))


@app_commands.command(description="Stop tracking a post")
async def untrack(interaction: discord.Interaction, post: str) -> None:
    await interaction.response.send_message(f"untracked {post}", ephemeral=True)


@untrack.autocomplete("post")
async def untrack_post(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    return [app_commands.Choice(name=p, value=p.split()[0]) for p in POSTS if p.startswith(current)]


limits_group = app_commands.Group(name="limits", description="Daily action caps")


@limits_group.command(name="show", description="Show today's counts")
async def limits_show(interaction: discord.Interaction) -> None:
    await interaction.response.send_message("like: 3/100")


@limits_group.command(name="set", description="Set a daily cap")
@app_commands.choices(action=[app_commands.Choice(name=a, value=a) for a in ("like", "comment")])
async def limits_set(
    interaction: discord.Interaction,
    action: app_commands.Choice[str],
    daily: app_commands.Range[int, 1, 1000],
) -> None:
    await interaction.response.send_message(f"{action.value} capped at {daily}/day")


class Confirm(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=None)  # no timeout task left behind when the test's loop ends

    @discord.ui.button(label="Confirm", custom_id="confirm", style=discord.ButtonStyle.green)
    async def confirm(self, interaction: discord.Interaction, button: discord.ui.Button[Confirm]) -> None:
        await interaction.response.edit_message(content=f"confirmed by {interaction.user.name}", view=None)

    @discord.ui.button(label="Later", custom_id="later")
    async def later(self, interaction: discord.Interaction, button: discord.ui.Button[Confirm]) -> None:
        await interaction.response.defer()  # type 6: update the message later
        await interaction.edit_original_response(content="postponed", view=None)


@app_commands.command(description="Ask for confirmation with a button")
async def panel(interaction: discord.Interaction) -> None:
    await interaction.response.send_message("Confirm?", view=Confirm())


@app_commands.command(description="Post a notice in a channel")
async def announce(interaction: discord.Interaction, channel: discord.TextChannel, text: str) -> None:
    embed = discord.Embed(title="Notice", description=text)
    chart = discord.File(io.BytesIO(b"\x89PNG fake chart"), "chart.png")
    await channel.send(content="heads up", embed=embed, file=chart)
    await interaction.response.send_message(f"posted in {channel.mention}", ephemeral=True)


@app_commands.command(description="Defer, edit the original, then follow up")
async def tracked(interaction: discord.Interaction) -> None:
    await interaction.response.defer()
    original = await interaction.original_response()
    assert original.id  # GET @original answers the placeholder
    await interaction.edit_original_response(content="3 posts tracked")
    await interaction.followup.send("page 2 of 2")


@app_commands.command(description="Answer after a pause")
async def slow(interaction: discord.Interaction) -> None:
    await asyncio.sleep(0.1)
    await interaction.response.send_message("finally")


@app_commands.command(description="Admin-only settings")
@app_commands.default_permissions(manage_guild=True)
async def config(interaction: discord.Interaction) -> None:
    await interaction.response.send_message("settings", ephemeral=True)


class ProbeBot(commands.Bot):
    def __init__(self, guild_id: int) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=discord.Intents.default(),
            **EMULATOR_CLIENT_OPTIONS,
        )
        self.guild_id = guild_id
        self.resumed = asyncio.Event()
        self.readies = 0

    async def setup_hook(self) -> None:
        command: app_commands.Command
        for command in (ping, report, untrack, panel, announce, slow, config, tracked):
            self.tree.add_command(command)
        self.tree.add_command(limits_group, guild=discord.Object(self.guild_id))
        await self.tree.sync()
        await self.tree.sync(guild=discord.Object(self.guild_id))

    async def on_resumed(self) -> None:
        self.resumed.set()

    async def on_ready(self) -> None:
        self.readies += 1


@pytest.fixture
async def probe(emulator: DiscordEmulator, world: World, run_bot) -> AsyncIterator[ProbeBot]:  # noqa: ANN001
    async with run_bot(ProbeBot(world.guild.id), emulator) as bot:
        yield bot


# --- connecting --------------------------------------------------------------------------------------
async def test_bot_logs_in_and_sees_the_guild(
    emulator: DiscordEmulator, world: World, probe: ProbeBot
) -> None:
    assert probe.user is not None and probe.user.id == world.bot.user.id
    assert probe.application_id == world.bot.application_id
    guild = probe.get_guild(world.guild.id)
    assert guild is not None and guild.name == "Social team"
    assert [c.name for c in guild.text_channels] == ["general", "alerts"]
    me = guild.me
    assert me.guild_permissions.send_messages and not me.guild_permissions.manage_guild
    assert emulator.identify_count == 1
    assert emulator.unknown_routes == []
    assert snowflake_time(world.guild.id).year >= 2025


async def test_world_changes_reach_the_bot(emulator: DiscordEmulator, world: World, probe: ProbeBot) -> None:
    assert discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY == yarl.URL(emulator.gateway_url)
    second = emulator.add_guild("Second team")
    reports = world.guild.add_channel("reports")
    await emulator.wait_until(lambda: probe.get_guild(second.id), what="GUILD_CREATE for a new guild")
    await emulator.wait_until(lambda: probe.get_channel(reports.id), what="CHANNEL_CREATE")
    assert second.members[world.bot.user.id].user.bot


async def test_unknown_routes_answer_404_json_and_are_recorded(
    emulator: DiscordEmulator, world: World
) -> None:
    headers = {"Authorization": f"Bot {BOT_TOKEN}"}
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{emulator.base_url}/nope/1", headers=headers) as answer,
    ):
        assert (answer.status, answer.headers["Content-Type"]) == (404, "application/json")
        assert (await answer.json())["code"] == 0
    assert emulator.unknown_routes == ["GET /nope/1"]


async def test_plain_text_frames_are_accepted(world: World, run_bot) -> None:  # noqa: ANN001
    plain = DiscordEmulator(compress=False)
    await plain.start()
    try:
        plain.add_bot(BOT_TOKEN)
        guild = plain.add_guild("Plain")
        member = guild.add_member("carol")
        guild.add_channel("general")
        async with run_bot(ProbeBot(guild.id), plain):
            interaction = await plain.invoke(member, "ping")
            assert (await interaction.final()).content == "pong!"
    finally:
        await plain.stop()


async def test_unknown_token_fails_login(emulator: DiscordEmulator, world: World) -> None:
    await point_discord_at(emulator.base_url)
    client = discord.Client(intents=discord.Intents.default())
    with pytest.raises(discord.LoginFailure):
        await client.login("not-a-token-the-emulator-knows")
    await client.close()
    assert emulator.requests_to("GET /users/@me")[-1].status == 401


async def test_command_registration_is_recorded(
    emulator: DiscordEmulator, world: World, probe: ProbeBot
) -> None:
    global_names = {c["name"] for c in emulator.commands()}
    assert global_names == {"ping", "report", "untrack", "panel", "announce", "slow", "config", "tracked"}
    (limits,) = emulator.commands(world.guild)
    assert limits["guild_id"] == str(world.guild.id)
    assert [(o["name"], o["type"]) for o in limits["options"]] == [("show", 1), ("set", 1)]
    fetched = await probe.tree.fetch_commands()
    assert {c.id for c in fetched} == {int(c["id"]) for c in emulator.commands()}
    assert [r.status for r in emulator.requests_to("PUT /applications/")] == [200, 200]


# --- interactions ------------------------------------------------------------------------------------
async def test_command_answered_at_once(emulator: DiscordEmulator, world: World, probe: ProbeBot) -> None:
    interaction = await emulator.invoke(world.alice, "ping", word="hello")
    message = await interaction.final()
    assert message.content == "hello!"
    assert interaction.callbacks[0].type == 4
    assert not interaction.ephemeral
    assert interaction.latency_ms is not None and interaction.latency_ms < 3000
    emulator.assert_no_violations()


async def test_deferral_then_follow_up_with_embed_and_file(
    emulator: DiscordEmulator, world: World, probe: ProbeBot
) -> None:
    interaction = await emulator.invoke(world.alice, "report", post="abc123")
    assert (await interaction.response()).type == 5
    await interaction.final()
    assert interaction.ephemeral  # the deferral's ephemerality carries over to the follow-up
    assert interaction.embeds[0]["title"] == "Report for abc123"
    assert interaction.embeds[0]["fields"] == [{"name": "views", "value": "1,234", "inline": True}]
    (attachment,) = interaction.attachments
    assert (attachment.filename, attachment.data) == ("report.csv", b"views,1234\n")
    assert len(interaction.followups) == 1
    emulator.assert_no_violations()


async def test_deferral_then_edit_of_the_original(
    emulator: DiscordEmulator, world: World, probe: ProbeBot
) -> None:
    seen: list[tuple[str, str]] = []
    emulator.message_listeners.append(lambda event, message: seen.append((event, message.content)))
    interaction = await emulator.invoke(world.alice, "tracked")
    await interaction.wait_for_followups(1)
    assert (interaction.content, interaction.ephemeral) == ("3 posts tracked", False)
    assert [m.content for m in interaction.followups] == ["page 2 of 2"]
    assert seen == [("create", ""), ("edit", "3 posts tracked"), ("create", "page 2 of 2")]
    assert emulator.requests_to("GET /webhooks/")[0].status == 200
    emulator.assert_no_violations()


async def test_autocomplete_returns_the_bots_choices(
    emulator: DiscordEmulator, world: World, probe: ProbeBot
) -> None:
    choices = await emulator.autocomplete(world.alice, "untrack", focused="post", value="ab")
    assert choices == [
        {"name": "abc123 dance", "value": "abc123"},
        {"name": "abd999 recipe", "value": "abd999"},
    ]
    assert await emulator.autocomplete(world.alice, "untrack", focused="post", value="q") == []


async def test_subcommand_of_a_guild_group(emulator: DiscordEmulator, world: World, probe: ProbeBot) -> None:
    interaction = await emulator.invoke(world.admin, "limits set", action="comment", daily=40)
    assert (await interaction.final()).content == "comment capped at 40/day"
    data = interaction.payload["data"]
    assert data["guild_id"] == str(world.guild.id)
    assert data["options"] == [
        {
            "name": "set",
            "type": 1,
            "options": [
                {"name": "action", "type": 3, "value": "comment"},
                {"name": "daily", "type": 4, "value": 40},
            ],
        }
    ]
    shown = await emulator.invoke(world.alice, "limits show")
    assert (await shown.final()).content == "like: 3/100"


async def test_button_press_updates_the_message(
    emulator: DiscordEmulator, world: World, probe: ProbeBot
) -> None:
    asked = await emulator.invoke(world.alice, "panel")
    message = await asked.final()
    assert message.custom_ids == ["confirm", "later"]
    pressed = await emulator.press(world.alice, message, "confirm")
    assert (await pressed.response()).type == 7
    updated = await pressed.final()
    assert updated is message
    assert (updated.content, updated.components) == ("confirmed by alice", [])

    second = await (await emulator.invoke(world.alice, "panel")).final()
    deferred = await emulator.press(world.alice, second, "later")
    assert (await deferred.response()).type == 6
    assert (await deferred.final()) is second and second.content == "postponed"
    emulator.assert_no_violations()


async def test_invalid_invocations_are_refused_before_sending(
    emulator: DiscordEmulator, world: World, probe: ProbeBot
) -> None:
    refused = {
        "never registered": lambda: emulator.invoke(world.alice, "nope"),
        "no option": lambda: emulator.invoke(world.alice, "ping", colour="red"),
        "missing required": lambda: emulator.invoke(world.alice, "report"),
        "needs a str": lambda: emulator.invoke(world.alice, "ping", word=3),
        "below min_value": lambda: emulator.invoke(world.admin, "limits set", action="like", daily=0),
        "declared choices": lambda: emulator.invoke(world.admin, "limits set", action="share", daily=5),
        "is a group": lambda: emulator.invoke(world.alice, "limits"),
        "no subcommand": lambda: emulator.invoke(world.alice, "limits reset"),
        "needs permissions": lambda: emulator.invoke(world.alice, "config"),
        "autocomplete": lambda: emulator.autocomplete(world.alice, "ping", focused="word", value="x"),
    }
    for why, attempt in refused.items():
        with pytest.raises(InvalidInvocation, match=why):
            await attempt()
    assert emulator.interactions == []
    allowed = await emulator.invoke(world.admin, "config")
    assert (await allowed.final()).ephemeral


async def test_typed_command_lines_are_parsed_by_the_schema(
    emulator: DiscordEmulator, world: World, probe: ProbeBot
) -> None:
    path, values = emulator.parse_invocation(world.admin, '/limits set action:like daily:"40"')
    assert (path, values) == ("limits set", {"action": "like", "daily": 40})
    path, values = emulator.parse_invocation(world.alice, 'announce channel:#alerts text:"two words"')
    assert values == {"channel": world.alerts, "text": "two words"}
    interaction = await emulator.invoke(world.alice, path, options=values)
    assert (await interaction.final()).content == f"posted in <#{world.alerts.id}>"
    with pytest.raises(InvalidInvocation, match="must be a number"):
        emulator.parse_invocation(world.admin, "limits set action:like daily:lots")


async def test_late_first_callback_is_recorded(
    emulator: DiscordEmulator, world: World, probe: ProbeBot
) -> None:
    emulator.callback_deadline = 0.05  # stands for Discord's 3 s, so the test stays fast
    interaction = await emulator.invoke(world.alice, "slow")
    assert (await interaction.final()).content == "finally"
    (late,) = emulator.violations_of("late-callback")
    assert str(interaction.id) in late.route


async def test_token_used_after_its_lifetime_is_refused(
    emulator: DiscordEmulator, world: World, probe: ProbeBot
) -> None:
    emulator.token_lifetime = 0.01  # stands for Discord's 15 minutes; /report follows up after 20 ms
    interaction = await emulator.invoke(world.alice, "report", post="abc123")
    await emulator.wait_until(lambda: emulator.violations_of("expired-token") or None)
    with pytest.raises(TimeoutError):
        await interaction.final(timeout=0.1)


# --- channel messages --------------------------------------------------------------------------------
async def test_channel_message_with_embed_and_attachment(
    emulator: DiscordEmulator, world: World, probe: ProbeBot
) -> None:
    interaction = await emulator.invoke(
        world.alice, "announce", options={"channel": world.alerts}, text="new post"
    )
    assert (await interaction.final()).content == f"posted in <#{world.alerts.id}>"
    notice = await emulator.wait_for_message(world.alerts, lambda m: m.content == "heads up")
    assert notice.embeds[0]["description"] == "new post"
    assert [(a.filename, a.data) for a in notice.attachments] == [("chart.png", b"\x89PNG fake chart")]
    assert emulator.sent_messages(world.general) == []

    channel = probe.get_channel(world.alerts.id)
    assert isinstance(channel, discord.TextChannel)
    fetched = await channel.fetch_message(notice.id)
    await fetched.edit(content="heads up (edited)")
    assert (notice.content, notice.edits) == ("heads up (edited)", 1)
    await fetched.delete()
    assert emulator.sent_messages(world.alerts) == []
    emulator.assert_no_violations()


async def test_embed_beyond_discords_limits_is_refused_and_recorded(
    emulator: DiscordEmulator, world: World, probe: ProbeBot
) -> None:
    channel = probe.get_channel(world.alerts.id)
    assert isinstance(channel, discord.TextChannel)
    with pytest.raises(discord.HTTPException) as refused:
        await channel.send(embed=discord.Embed(title="t" * 257))
    assert (refused.value.status, refused.value.code) == (400, 50035)
    too_big = [discord.Embed(description="d" * 4000), discord.Embed(description="d" * 2001)]
    with pytest.raises(discord.HTTPException, match="Embed size exceeds"):
        await channel.send(embeds=too_big)
    details = [v.detail for v in emulator.violations_of("invalid-body")]
    assert len(details) == 2 and "embeds.0.title" in details[0]
    assert emulator.sent_messages(world.alerts) == []


async def test_missing_permission_and_deleted_channel(
    emulator: DiscordEmulator, world: World, probe: ProbeBot
) -> None:
    alerts = probe.get_channel(world.alerts.id)
    assert isinstance(alerts, discord.TextChannel)
    world.alerts.revoke_bot(Permissions.SEND_MESSAGES)
    with pytest.raises(discord.Forbidden) as forbidden:
        await alerts.send("hello")
    assert forbidden.value.code == 50013
    general_id = world.general.id
    world.general.delete()
    # The bot hears of the deletion over the gateway...
    await emulator.wait_until(lambda: True if probe.get_channel(general_id) is None else None)
    # ...and REST answers Unknown Channel.
    with pytest.raises(discord.NotFound) as gone:
        await probe.get_partial_messageable(general_id).send("hello")
    assert gone.value.code == 10003


async def test_rate_limited_requests_are_retried(
    emulator: DiscordEmulator, world: World, probe: ProbeBot
) -> None:
    sends = emulator.rate_limit("POST /channels/", times=2, retry_after=0.05)
    channel = probe.get_channel(world.alerts.id)
    assert isinstance(channel, discord.TextChannel)
    await channel.send("after two 429s")
    assert sends.hits == 2
    assert [r.status for r in emulator.requests_to("POST /channels/")] == [429, 429, 200]

    follow_ups = emulator.rate_limit("POST /webhooks/", times=1, retry_after=0.05)
    interaction = await emulator.invoke(world.alice, "report", post="zzz000")
    assert (await interaction.final()).embeds[0]["title"] == "Report for zzz000"
    assert follow_ups.hits == 1

    everything = emulator.rate_limit("GET /channels/", times=1, retry_after=0.05, global_=True)
    fetched = await probe.fetch_channel(world.general.id)
    assert isinstance(fetched, discord.TextChannel) and fetched.name == "general"
    assert everything.hits == 1 and emulator.rate_limited == 4


# --- gateway resilience ------------------------------------------------------------------------------
async def test_dropped_gateway_resumes_and_replays(
    emulator: DiscordEmulator, world: World, probe: ProbeBot
) -> None:
    session = await emulator.wait_until_connected()
    await emulator.drop_gateway(4000)
    # Sent while the socket is down: it must arrive in the RESUME replay.
    during = await emulator.invoke(world.alice, "ping", word="during")
    assert (await during.final()).content == "during!"
    await asyncio.wait_for(probe.resumed.wait(), 5)
    assert ("RESUME", session.id) in emulator.gateway_log
    assert emulator.identify_count == 1
    after = await emulator.invoke(world.alice, "ping", word="after")
    assert (await after.final()).content == "after!"


async def test_reconnect_and_invalid_session(
    emulator: DiscordEmulator, world: World, probe: ProbeBot
) -> None:
    await emulator.wait_until_connected()
    await emulator.send_reconnect()  # op 7: the client resumes
    await emulator.wait_until(lambda: emulator.resume_count or None, what="a RESUME")
    await emulator.invalidate_session(resumable=False)  # op 9: the client identifies afresh
    await emulator.wait_until(lambda: True if emulator.identify_count == 2 else None, what="a new IDENTIFY")
    await emulator.wait_until(lambda: True if probe.readies == 2 else None, what="on_ready after IDENTIFY")
    interaction = await emulator.invoke(world.alice, "ping")
    assert (await interaction.final()).content == "pong!"
