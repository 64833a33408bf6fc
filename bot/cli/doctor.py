"""`python -m bot doctor`: check a configuration in one command, one ✓/✗ line per check with its fix."""

from __future__ import annotations

import argparse
import contextlib

import asyncpg

from bot.config import Settings, load_settings
from bot.errors import ConfigError
from bot.ops import doctor
from bot.ops.doctor import Check, failed, passed, skipped
from db import ops as db_ops

# What the bot needs in a notification channel, as the README's invite step lists them.
NEEDED = ("view_channel", "send_messages", "embed_links", "attach_files")
INVITE_FIX = "give the bot's role View Channels, Send Messages, Embed Links and Attach Files in that channel"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "doctor",
        help="check settings, Postgres, migrations, the Discord token and channel, the API key; ✓/✗ a line",
    )
    # Invalid settings are the doctor's first finding, not a reason to refuse to start.
    p.set_defaults(handler=cmd_doctor, settings_optional=True)


async def cmd_doctor(args: argparse.Namespace, settings: Settings | None) -> int:
    checks: list[Check] = []

    def report(check: Check) -> None:
        checks.append(check)
        print(check.line(), flush=True)

    if settings is None:
        try:
            settings = load_settings()
        except ConfigError as exc:
            report(failed("settings", exc.detail, "correct it in .env or the environment (.env.example)"))
            return 1
    report(passed("settings", "valid"))

    check, pool = await doctor.open_database(settings)
    report(check)
    try:
        if pool is not None:
            report(await doctor.migrations(pool))
        else:
            report(skipped("migrations", "needs Postgres"))
        for check in await discord_checks(settings, pool):
            report(check)
        report(await doctor.metrics_api_key(settings, pool))
        report(
            await doctor.budget(settings, pool) if pool is not None else skipped("budget", "needs Postgres")
        )
    finally:
        if pool is not None:
            await pool.close()
    bad = sum(1 for c in checks if not c.ok)
    print(f"{bad} problem(s) found." if bad else "All checks passed.")
    return 1 if bad else 0


async def discord_checks(settings: Settings, pool: asyncpg.Pool | None) -> list[Check]:
    """The token (one login), then the bot's permissions in every notification channel it would use."""
    import discord  # only this command needs discord.py

    from bot.discord.endpoints import point_discord_at

    name = "Discord token"
    try:
        token = settings.require_discord_token()
    except ConfigError as exc:
        return [failed(name, exc.detail, "copy the bot token from the Discord developer portal")]
    client = discord.Client(intents=discord.Intents.none())
    try:
        if not settings.discord_is_default:
            await point_discord_at(settings.discord_api_base_url, settings.discord_gateway_url)
        try:
            await client.login(token)
        except discord.LoginFailure:
            return [
                failed(
                    name,
                    "rejected by Discord (401 Unauthorized)",
                    "set DISCORD_TOKEN to the token under Bot → Reset Token at "
                    "https://discord.com/developers/applications",
                ),
                skipped("notification channel", "needs a valid token"),
            ]
        except (discord.HTTPException, OSError) as exc:
            return [
                failed(name, f"Discord did not answer ({exc})", "check DISCORD_API_BASE_URL and the network")
            ]
        assert client.user is not None
        checks = [passed(name, f"valid: {client.user} (id {client.user.id})")]
        channels = [settings.notify_channel_id] if settings.notify_channel_id else []
        if pool is not None:
            async with pool.acquire() as conn:
                channels += [c for c in await db_ops.notify_channels(conn) if c not in channels]
        if not channels:
            checks.append(
                failed(
                    "notification channel",
                    "none set: check-back updates have nowhere to go",
                    "set NOTIFY_CHANNEL_ID, or have an admin run /config channel",
                )
            )
        for channel_id in channels:
            checks.append(await channel_check(client, channel_id))
        return checks
    finally:
        with contextlib.suppress(Exception):
            await client.close()


async def channel_check(client: object, channel_id: int) -> Check:
    """The bot's effective permissions in one channel (roles and overwrites, as Discord computes them)."""
    import discord

    assert isinstance(client, discord.Client) and client.user is not None
    name = f"channel {channel_id}"
    try:
        found = await client.fetch_channel(channel_id)
        if not isinstance(found, discord.abc.GuildChannel):
            return failed(name, "is not a server channel", "choose a text channel with /config channel")
        guild = await client.fetch_guild(found.guild.id)
        channel = next((c for c in await guild.fetch_channels() if c.id == channel_id), None)
        member = await guild.fetch_member(client.user.id)
    except discord.NotFound:
        return failed(
            name, "not found (deleted, or in a server the bot left)", "choose another with /config channel"
        )
    except discord.Forbidden:
        return failed(name, "the bot cannot see it", INVITE_FIX)
    if channel is None:
        return failed(name, "not found in its server", "choose another with /config channel")
    perms = channel.permissions_for(member)
    missing = [p.replace("_", " ") for p in NEEDED if not getattr(perms, p)]
    where = f"#{channel.name} ({channel_id}) in {guild.name}"
    if missing:
        return failed(f"channel #{channel.name}", f"{where}: missing {', '.join(missing)}", INVITE_FIX)
    return passed(f"channel #{channel.name}", f"{where}: can view, send, embed and attach")
