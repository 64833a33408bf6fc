"""REST: application commands, global and per guild (what the bot syncs)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.sandbox.discord import payload_limits
from bot.sandbox.discord.http import BODY, Resource, error, json_response, unknown
from bot.sandbox.discord.snowflake import new_snowflake
from bot.sandbox.discord.state import Scope


class CommandRoutes(Resource):
    """Application commands, global and per guild."""

    def _scope(self, request: web.Request) -> Scope | web.Response:
        account = self.emu.account(request)
        assert account is not None
        app = int(request.match_info["app"])
        if app != account.application_id:
            return error(403, "Missing Access", 50001)
        guild = request.match_info.get("guild")
        if guild is not None and int(guild) not in self.emu.guilds:
            return error(403, "Missing Access", 50001)
        return app, int(guild) if guild is not None else None

    async def put_commands(self, request: web.Request) -> web.Response:
        scope = self._scope(request)
        if isinstance(scope, web.Response):
            return scope
        payload = request[BODY] or []
        errors = payload_limits.check_commands(payload, is_global=scope[1] is None)
        if errors:
            return self.emu.invalid_body(request, errors)
        old = {(c["name"], c.get("type", 1)): c["id"] for c in self.emu.registered.get(scope, [])}
        stored = [_stored(scope, cmd, old.get((cmd["name"], cmd.get("type", 1)))) for cmd in payload]
        self.emu.registered[scope] = stored
        self.emu.command_syncs.append(scope)
        return json_response(stored)

    async def post_command(self, request: web.Request) -> web.Response:
        scope = self._scope(request)
        if isinstance(scope, web.Response):
            return scope
        cmd = request[BODY] or {}
        errors = payload_limits.check_commands([cmd], is_global=False)
        if errors:
            return self.emu.invalid_body(request, errors)
        current = self.emu.registered.setdefault(scope, [])
        same = next(
            (c for c in current if c["name"] == cmd["name"] and c["type"] == cmd.get("type", 1)), None
        )
        stored = _stored(scope, cmd, same["id"] if same else None)
        self.emu.registered[scope] = [c for c in current if c is not same] + [stored]
        self.emu.command_syncs.append(scope)
        return json_response(stored, 200 if same else 201)

    async def get_commands(self, request: web.Request) -> web.Response:
        scope = self._scope(request)
        if isinstance(scope, web.Response):
            return scope
        return json_response(self.emu.registered.get(scope, []))

    async def get_command(self, request: web.Request) -> web.Response:
        scope = self._scope(request)
        if isinstance(scope, web.Response):
            return scope
        for cmd in self.emu.registered.get(scope, []):
            if cmd["id"] == request.match_info["cmd"]:
                return json_response(cmd)
        return unknown("application command", 10063)


def _stored(scope: Scope, cmd: dict[str, Any], old_id: str | None) -> dict[str, Any]:
    """The command as Discord stores and answers it; a command registered again keeps its id."""
    app, guild = scope
    stored = {
        **cmd,
        "id": old_id or str(new_snowflake()),
        "application_id": str(app),
        "version": str(new_snowflake()),
        "type": cmd.get("type", 1),
        "description": cmd.get("description", ""),
        "options": cmd.get("options", []),
    }
    perms = cmd.get("default_member_permissions")
    stored["default_member_permissions"] = None if perms is None else str(perms)
    if guild is not None:
        stored["guild_id"] = str(guild)
    return stored
