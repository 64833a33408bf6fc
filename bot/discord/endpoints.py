"""Pointing discord.py at another Discord (the emulator, or any compatible server) before it logs in."""

from __future__ import annotations

from typing import Any

import aiohttp
import discord
import discord.gateway
import discord.http
import yarl

# discord.py's own defaults, so a process (or a test) can put them back.
DISCORD_API_BASE = "https://discord.com/api/v10"
DISCORD_GATEWAY = "wss://gateway.discord.gg/"

# Client options for a server on loopback: the client waits this long for each GUILD_CREATE after READY
# before it fires on_ready (discord.py's default of 2 s is meant for the real gateway).
EMULATOR_CLIENT_OPTIONS: dict[str, Any] = {"guild_ready_timeout": 0.05}


async def point_discord_at(base_url: str, gateway_url: str | None = None) -> None:
    """Send every REST request to `base_url` and open the gateway at `gateway_url`.

    discord.py reads both from class attributes (`Route.BASE` when a route is built, and
    `DiscordWebSocket.DEFAULT_GATEWAY` when it connects) rather than asking REST where the gateway is,
    so both must be set before login. With no `gateway_url`, ask the server's `GET /gateway`, as
    Discord's own clients do. This changes the whole process: every client in it moves together.
    """
    base = base_url.rstrip("/")
    if gateway_url is None:
        async with aiohttp.ClientSession() as session, session.get(f"{base}/gateway") as response:
            response.raise_for_status()
            gateway_url = (await response.json(content_type=None))["url"]
    discord.http.Route.BASE = base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)


def restore_discord_endpoints() -> None:
    """Put discord.py's endpoints back to Discord's own."""
    discord.http.Route.BASE = DISCORD_API_BASE
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(DISCORD_GATEWAY)


async def _identify_at_once(shard_id: int | None, *, initial: bool = False) -> None:
    """A before_identify_hook that does not wait."""


def skip_identify_delay(client: discord.Client) -> None:
    """Make `client` IDENTIFY again at once after an invalidated session.

    discord.py's default hook sleeps 5 s before every IDENTIFY but the first, to respect Discord's
    identify rate limit; against the emulator that only slows tests down. Never use it against Discord.
    """
    client.before_identify_hook = _identify_at_once  # type: ignore[method-assign]
