"""The emulator's REST API, one module per kind of resource, and the plumbing every call goes through."""

from __future__ import annotations

from aiohttp import web

from bot.sandbox.discord.http import API_PREFIX, Handler, Route
from bot.sandbox.discord.rest.channels import ChannelRoutes
from bot.sandbox.discord.rest.commands import CommandRoutes
from bot.sandbox.discord.rest.guilds import GuildRoutes
from bot.sandbox.discord.rest.identity import IdentityRoutes
from bot.sandbox.discord.rest.interactions import InteractionRoutes
from bot.sandbox.discord.rest.plumbing import Plumbing
from bot.sandbox.discord.state import EmulatorState

__all__ = ["build_app"]


def build_app(emu: EmulatorState, gateway: Handler) -> web.Application:
    """The emulator's web app: the gateway websocket at /gateway, the attachment downloads, every REST
    route under API_PREFIX, and a catch-all that logs what the emulator does not serve."""
    plumbing = Plumbing(emu)
    app = web.Application(middlewares=[plumbing.middleware], client_max_size=64 * 1024 * 1024)
    channels = ChannelRoutes(emu)
    app.router.add_get("/gateway", gateway)
    app.router.add_get("/attachments/{cid}/{aid}/{filename}", channels.attachment_bytes)
    routes: list[Route] = [
        *IdentityRoutes(emu).routes(),
        *CommandRoutes(emu).routes(),
        *InteractionRoutes(emu).routes(),
        *channels.routes(),
        *GuildRoutes(emu).routes(),
    ]
    for method, path, handler in routes:
        app.router.add_route(method, API_PREFIX + path, handler)
    app.router.add_route("*", "/{tail:.*}", plumbing.unknown_route)
    return app
