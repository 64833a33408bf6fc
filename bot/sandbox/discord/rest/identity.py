"""REST: who the bot is (users, its application) and where the gateway is."""

from __future__ import annotations

from aiohttp import web

from bot.sandbox.discord.http import Resource, json_response, unknown
from bot.sandbox.discord.world import BotAccount, User


class IdentityRoutes(Resource):
    """Who the bot is and where the gateway is."""

    def _caller(self, request: web.Request) -> BotAccount:
        account = self.emu.account(request)
        assert account is not None  # the middleware answered 401 otherwise
        return account

    async def get_gateway(self, request: web.Request) -> web.Response:
        return json_response({"url": self.emu.gateway_url})

    async def get_gateway_bot(self, request: web.Request) -> web.Response:
        limit = {"total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1}
        return json_response(
            {"url": self.emu.gateway_url, "shards": self.emu.shard_count, "session_start_limit": limit}
        )

    async def get_me(self, request: web.Request) -> web.Response:
        account = self._caller(request)
        return json_response({**account.user.payload(), "verified": True, "mfa_enabled": False})

    async def leave_guild(self, request: web.Request) -> web.Response:
        """DELETE /users/@me/guilds/{gid}: the bot leaves the guild (recorded in `left_guilds`)."""
        account = self._caller(request)
        guild = self.emu.guilds.get(int(request.match_info["gid"]))
        if guild is None or guild.members.pop(account.user.id, None) is None:
            return unknown("Guild", 10004)
        self.emu.left_guilds.append((account.user.id, guild.id))
        self.emu.dispatch("GUILD_DELETE", {"id": str(guild.id)}, guild_id=guild.id)
        self.emu.notifier.notify()
        return web.Response(status=204)

    async def get_user(self, request: web.Request) -> web.Response:
        user_id = int(request.match_info["user_id"])
        for guild in self.emu.guilds.values():
            member = guild.members.get(user_id)
            if member is not None:
                return json_response(member.user.payload())
        return unknown("User", 10013)

    async def get_application(self, request: web.Request) -> web.Response:
        account = self._caller(request)
        owner = User(account.application_id, f"{account.user.name}-owner")
        return json_response(
            {
                "id": str(account.application_id),
                "name": account.user.name,
                "icon": None,
                "description": "",
                "summary": "",
                "bot_public": True,
                "bot_require_code_grant": False,
                "verify_key": "0" * 64,
                "owner": owner.payload(),
                "team": None,
                "flags": account.application_flags,
                "bot": account.user.payload(),
                "redirect_uris": [],
                "interactions_endpoint_url": None,
            }
        )
