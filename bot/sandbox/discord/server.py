"""DiscordEmulator: the REST API and gateway websocket that discord.py 2.7 talks to, on 127.0.0.1."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.sandbox.discord.driver import EmulatorDriver
from bot.sandbox.discord.gateway import GatewayEndpoint
from bot.sandbox.discord.rest import build_app
from bot.sandbox.discord.snowflake import new_snowflake
from bot.sandbox.discord.world import BotAccount, Guild, User


class DiscordEmulator(EmulatorDriver):
    """A Discord stand-in for tests and the sandbox: world model, REST routes, gateway, test driving.

    Usage::

        emu = DiscordEmulator()
        await emu.start()
        emu.add_bot("token", "Checkback")
        guild = emu.add_guild("Team")
        general = guild.add_channel("general")
        alice = guild.add_member("alice")
        await point_discord_at(emu.base_url)            # bot.discord.endpoints
        bot = MyBot(intents=..., **EMULATOR_CLIENT_OPTIONS)
        skip_identify_delay(bot)
        task = asyncio.create_task(bot.start("token"))
        await bot.wait_until_ready()
        reply = await (await emu.invoke(alice, "track", url="https://...")).final()
        emu.assert_no_violations()

    `violations` lists what Discord would have refused or punished (invalid bodies, late or double
    acknowledgements, expired tokens, embeds dropped for lack of Embed Links); `requests` logs every
    REST call with its status; `unknown_routes` what the emulator does not serve.

    The parts: `state` (what it holds), `driver` (the test-driving API), `gateway` (the websocket),
    `rest` (the REST routes, one module per resource).
    """

    _runner: web.AppRunner | None = None

    # --- lifecycle -------------------------------------------------------------------------------
    async def start(self) -> str:
        """Listen on host:port (port 0 picks a free one) and return the REST base URL."""
        app = build_app(self, GatewayEndpoint(self).handle)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        server = site._server
        assert server is not None and server.sockets  # type: ignore[attr-defined]
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        self.root_url = f"http://{self.host}:{self.port}"
        return self.base_url

    async def stop(self) -> None:
        for conn in list(self.connections):
            await conn.close(1001)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        for conn in list(self.connections):
            conn.cancel()  # handlers cancelled by the shutdown may not have reached their cleanup
        self.connections.clear()

    async def __aenter__(self) -> DiscordEmulator:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # --- world -----------------------------------------------------------------------------------
    def add_bot(self, token: str, name: str = "Checkback") -> BotAccount:
        """Accept `token` as a bot named `name`; the bot is a member of every guild."""
        account = BotAccount(
            token=token, user=User(new_snowflake(), name, bot=True), application_id=new_snowflake()
        )
        self.bots[token] = account
        for guild in self.guilds.values():
            guild.add_bot_member(account)
        return account

    def add_guild(self, name: str) -> Guild:
        """A new guild with the bot(s) in it; a connected bot receives GUILD_CREATE."""
        guild = Guild(name, emit=lambda event, data: self._world_event(guild, event, data))
        for account in self.bots.values():
            guild.add_bot_member(account)
        self.guilds[guild.id] = guild  # from here on, changes to the guild are dispatched
        # A join's GUILD_CREATE carries no "unavailable" (discord.py tells a join from a guild becoming
        # available by it: on_guild_join, not on_guild_available).
        joined = {k: v for k, v in guild.payload().items() if k != "unavailable"}
        self.dispatch("GUILD_CREATE", joined, guild_id=guild.id)
        self.notifier.notify()
        return guild

    def _world_event(self, guild: Guild, event: str, data: dict[str, Any]) -> None:
        if guild.id not in self.guilds:
            return  # still being built
        self.dispatch(event, data, guild_id=guild.id)
        self.notifier.notify()
