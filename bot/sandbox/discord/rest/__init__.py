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
    identity, commands, interactions = IdentityRoutes(emu), CommandRoutes(emu), InteractionRoutes(emu)
    channels, guilds = ChannelRoutes(emu), GuildRoutes(emu)
    app.router.add_get("/gateway", gateway)
    app.router.add_get("/attachments/{cid}/{aid}/{filename}", channels.attachment_bytes)
    routes: list[Route] = [
        ("GET", "/gateway", identity.get_gateway),
        ("GET", "/gateway/bot", identity.get_gateway_bot),
        ("GET", "/users/@me", identity.get_me),
        ("GET", "/users/{user_id}", identity.get_user),
        ("GET", "/oauth2/applications/@me", identity.get_application),
        ("GET", "/applications/@me", identity.get_application),
    ]
    for scope in ("/applications/{app}", "/applications/{app}/guilds/{guild}"):
        routes += [
            ("GET", scope + "/commands", commands.get_commands),
            ("PUT", scope + "/commands", commands.put_commands),
            ("POST", scope + "/commands", commands.post_command),
            ("GET", scope + "/commands/{cmd}", commands.get_command),
        ]
    routes += [
        ("POST", "/interactions/{iid}/{token}/callback", interactions.callback),
        ("POST", "/webhooks/{app}/{token}", interactions.webhook_execute),
        ("GET", "/webhooks/{app}/{token}/messages/{mid}", interactions.webhook_message),
        ("PATCH", "/webhooks/{app}/{token}/messages/{mid}", interactions.webhook_message),
        ("DELETE", "/webhooks/{app}/{token}/messages/{mid}", interactions.webhook_message),
        ("GET", "/channels/{cid}", channels.get_channel),
        ("POST", "/channels/{cid}/typing", channels.typing),
        ("GET", "/channels/{cid}/messages", channels.history),
        ("POST", "/channels/{cid}/messages", channels.create_message),
        ("GET", "/channels/{cid}/messages/{mid}", channels.message),
        ("PATCH", "/channels/{cid}/messages/{mid}", channels.message),
        ("DELETE", "/channels/{cid}/messages/{mid}", channels.message),
        ("DELETE", "/users/@me/guilds/{gid}", identity.leave_guild),
        ("GET", "/guilds/{gid}", guilds.get_guild),
        ("GET", "/guilds/{gid}/channels", guilds.get_channels),
        ("GET", "/guilds/{gid}/roles", guilds.get_roles),
        ("GET", "/guilds/{gid}/members/{uid}", guilds.get_member),
    ]
    for method, path, handler in routes:
        app.router.add_route(method, API_PREFIX + path, handler)
    app.router.add_route("*", "/{tail:.*}", plumbing.unknown_route)
    return app
