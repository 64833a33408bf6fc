"""REST: guilds, their channels, roles and members."""

from __future__ import annotations

from aiohttp import web

from bot.sandbox.discord.http import Resource, json_response, unknown
from bot.sandbox.discord.world import Guild


class GuildRoutes(Resource):
    """Guilds, their channels, roles and members."""

    def _guild(self, request: web.Request) -> Guild | web.Response:
        guild = self.emu.guilds.get(int(request.match_info["gid"]))
        return guild if guild is not None else unknown("Guild", 10004)

    async def get_guild(self, request: web.Request) -> web.Response:
        guild = self._guild(request)
        if isinstance(guild, web.Response):
            return guild
        data = guild.payload()
        for key in ("channels", "members", "threads", "voice_states", "presences"):
            data.pop(key, None)
        return json_response(data)

    async def get_channels(self, request: web.Request) -> web.Response:
        guild = self._guild(request)
        if isinstance(guild, web.Response):
            return guild
        return json_response([c.payload() for c in guild.text_channels])

    async def get_roles(self, request: web.Request) -> web.Response:
        guild = self._guild(request)
        if isinstance(guild, web.Response):
            return guild
        return json_response([r.payload() for r in guild.roles.values()])

    async def get_member(self, request: web.Request) -> web.Response:
        guild = self._guild(request)
        if isinstance(guild, web.Response):
            return guild
        member = guild.members.get(int(request.match_info["uid"]))
        if member is None:
            return unknown("Member", 10007)
        return json_response(member.payload())
