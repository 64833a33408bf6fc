"""DiscordEmulator: the REST API and gateway websocket that discord.py 2.7 talks to, on 127.0.0.1."""

# The test-driving API takes timeout= on purpose: a timeout error names what the test waited for.
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import json
import logging
import math
import re
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from aiohttp import BodyPartReader, WSMsgType, web

from bot.sandbox.discord import commands as command_schema
from bot.sandbox.discord import limits
from bot.sandbox.discord.gateway import (
    HEARTBEAT,
    HEARTBEAT_ACK,
    HELLO,
    IDENTIFY,
    INVALID_SESSION,
    RECONNECT,
    REQUEST_GUILD_MEMBERS,
    RESUME,
    GatewayConnection,
    GatewaySession,
)
from bot.sandbox.discord.records import (
    EPHEMERAL,
    LOADING,
    Attachment,
    Callback,
    Interaction,
    Message,
    Notifier,
    RateLimitRule,
    RequestRecord,
    Violation,
)
from bot.sandbox.discord.snowflake import Permissions, new_snowflake
from bot.sandbox.discord.world import BotAccount, Channel, Guild, Member, User

log = logging.getLogger(__name__)

API_PREFIX = "/api/v10"
ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
# The parsed request body, read once by the middleware so the request log can show it.
BODY: web.RequestKey[Any] = web.RequestKey("body", object)
FILES: web.RequestKey[dict[int, Attachment]] = web.RequestKey("files", dict)


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """A JSON answer whose Content-Type is exactly application/json.

    discord.py compares the header verbatim, so aiohttp's json_response (which appends a charset) would
    make it treat every body as text.
    """
    all_headers = {"Content-Type": "application/json", **(headers or {})}
    return web.Response(status=status, body=json.dumps(data).encode(), headers=all_headers)


def error(status: int, message: str, code: int) -> web.Response:
    return json_response({"message": message, "code": code}, status)


def _unknown(what: str, code: int) -> web.Response:
    return error(404, f"Unknown {what}", code)


class DiscordEmulator:
    """A Discord stand-in for tests and the sandbox: world model, REST routes, gateway, test driving.

    Usage::

        emu = DiscordEmulator()
        await emu.start()
        emu.add_bot("token", "Checkback")
        guild = emu.add_guild("Team")
        general = guild.add_channel("general")
        alice = guild.add_member("alice")
        await point_discord_at(emu.base_url)            # bot.discord_endpoints
        bot = MyBot(intents=..., **EMULATOR_CLIENT_OPTIONS)
        skip_identify_delay(bot)
        task = asyncio.create_task(bot.start("token"))
        await bot.wait_until_ready()
        reply = await (await emu.invoke(alice, "track", url="https://...")).final()
        emu.assert_no_violations()

    `violations` lists what Discord would have refused or punished (invalid bodies, late or double
    acknowledgements, expired tokens, embeds dropped for lack of Embed Links); `requests` logs every
    REST call with its status; `unknown_routes` what the emulator does not serve.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        compress: bool = True,
        heartbeat_interval_ms: int = 41_250,
        callback_deadline: float = 3.0,
        token_lifetime: float = 15 * 60.0,
        strict_deadlines: bool = False,
    ) -> None:
        self.host = host
        self.port = port
        self.compress = compress  # honour compress=zlib-stream; False sends plain text frames
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.callback_deadline = callback_deadline
        self.token_lifetime = token_lifetime
        # Discord refuses a first callback after 3 s; by default the emulator only records it, since a
        # loaded test machine should not turn a slow answer into a confusing failure.
        self.strict_deadlines = strict_deadlines
        self.ack_heartbeats = True

        self.guilds: dict[int, Guild] = {}
        self.bots: dict[str, BotAccount] = {}
        # Registered commands: key None for global, else the guild id -> list of command objects.
        self._commands: dict[tuple[int, int | None], list[dict[str, Any]]] = {}
        self.command_syncs: list[tuple[int, int | None]] = []

        self.interactions: list[Interaction] = []
        self._interactions_by_id: dict[int, Interaction] = {}
        self._interactions_by_token: dict[str, Interaction] = {}
        self.messages: dict[int, Message] = {}
        self._channel_messages: dict[int, list[Message]] = {}

        self.requests: list[RequestRecord] = []
        self.unknown_routes: list[str] = []
        self.violations: list[Violation] = []
        self.rate_limits: list[RateLimitRule] = []
        self.rate_limited = 0  # how many 429s were answered in all
        # Discord's enforce_nonce: a message sent again with the nonce of one the same bot created in the
        # channel within `nonce_window` seconds is answered with that message, not created twice.
        self.nonce_window = 300.0
        self.nonce_repeats = 0  # how many sends were answered with an existing message
        self._nonces: dict[tuple[int, int, str], tuple[Message, float]] = {}
        # When an Event, POST /channels/{id}/messages creates the message, then waits for it to be set
        # before answering: a bot that dies meanwhile has posted a message it never heard back about.
        self.hold_message_answers: asyncio.Event | None = None

        self.sessions: dict[str, GatewaySession] = {}
        self.gateway_log: list[tuple[str, str]] = []  # (op name, session id) as the client sent them
        self._connections: set[GatewayConnection] = set()

        # Called with ("create" | "edit" | "delete", message) as messages appear and change: the
        # sandbox prints them; tests usually prefer wait_for_message.
        self.message_listeners: list[Callable[[str, Message], None]] = []

        self._notifier = Notifier()
        self._runner: web.AppRunner | None = None
        self.root_url = ""

    # --- lifecycle -------------------------------------------------------------------------------
    async def start(self) -> str:
        """Listen on host:port (port 0 picks a free one) and return the REST base URL."""
        app = web.Application(middlewares=[self._middleware], client_max_size=64 * 1024 * 1024)
        self._routes(app)
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
        for conn in list(self._connections):
            await conn.close(1001)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        for conn in list(self._connections):
            conn.cancel()  # handlers cancelled by the shutdown may not have reached their cleanup
        self._connections.clear()

    async def __aenter__(self) -> DiscordEmulator:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        return self.root_url + API_PREFIX

    @property
    def gateway_url(self) -> str:
        return f"ws://{self.host}:{self.port}/gateway"

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
        for session in self._live_sessions():
            session.dispatch("GUILD_CREATE", guild.payload())
        self._notifier.notify()
        return guild

    def channel(self, channel_id: int) -> Channel | None:
        for guild in self.guilds.values():
            found = guild.channels.get(channel_id)
            if found is not None:
                return found
        return None

    def _world_event(self, guild: Guild, event: str, data: dict[str, Any]) -> None:
        if guild.id not in self.guilds:
            return  # still being built
        for session in self._live_sessions():
            session.dispatch(event, data)
        self._notifier.notify()

    def commands(
        self, guild: Guild | int | None = None, account: BotAccount | None = None
    ) -> list[dict[str, Any]]:
        """The commands the bot registered: global ones, or those of one guild."""
        account = account or self._only_bot()
        guild_id = guild.id if isinstance(guild, Guild) else guild
        return list(self._commands.get((account.application_id, guild_id), []))

    def visible_commands(self, guild: Guild, account: BotAccount | None = None) -> list[dict[str, Any]]:
        """What a member of `guild` can invoke: the guild's commands shadow global ones of the same name."""
        own = self.commands(guild, account)
        names = {c["name"] for c in own}
        return own + [c for c in self.commands(None, account) if c["name"] not in names]

    # --- waiting and asserting -------------------------------------------------------------------
    async def wait_until(
        self, probe: Callable[[], Any], timeout: float = 5.0, what: str = "a condition"
    ) -> Any:
        """Wait until probe() returns something other than None (re-checked on every state change)."""
        return await self._notifier.wait_until(probe, timeout, what)

    async def wait_until_connected(self, timeout: float = 5.0) -> GatewaySession:
        """Wait until a bot has identified and been sent READY and its guilds."""

        def probe() -> GatewaySession | None:
            live = reversed(self._live_sessions())
            return next((s for s in live if s.connection is not None and s.ready), None)

        return await self.wait_until(probe, timeout, "a bot to connect to the gateway")

    async def wait_for_commands(self, timeout: float = 5.0) -> list[tuple[int, int | None]]:
        """Wait until the bot has registered commands at least once."""
        return await self.wait_until(
            lambda: list(self.command_syncs) or None, timeout, "command registration"
        )

    def violations_of(self, kind: str) -> list[Violation]:
        return [v for v in self.violations if v.kind == kind]

    def assert_no_violations(self) -> None:
        if self.violations:
            lines = "\n".join(f"  {v.kind} {v.route}: {v.detail}" for v in self.violations)
            raise AssertionError(f"the bot did what Discord would refuse:\n{lines}")

    def requests_to(self, route: str) -> list[RequestRecord]:
        """Logged requests whose "METHOD /path" contains `route`."""
        return [r for r in self.requests if route in r.route]

    def rate_limit(
        self, route: str, times: int = 1, retry_after: float = 0.2, global_: bool = False
    ) -> RateLimitRule:
        """Answer 429 to the next `times` requests whose "METHOD /path" contains `route`."""
        rule = RateLimitRule(route=route, times=times, retry_after=retry_after, global_=global_)
        self.rate_limits.append(rule)
        return rule

    # --- channel messages ------------------------------------------------------------------------
    def sent_messages(self, channel: Channel | int, *, include_interactions: bool = False) -> list[Message]:
        """Messages in the channel that still exist, oldest first; by default only those the bot
        posted through POST /channels/{id}/messages, not interaction answers."""
        channel_id = channel.id if isinstance(channel, Channel) else channel
        return [
            m
            for m in self._channel_messages.get(channel_id, [])
            if not m.deleted and (include_interactions or m.interaction_id is None)
        ]

    async def wait_for_message(
        self,
        channel: Channel | int,
        predicate: Callable[[Message], bool] | None = None,
        timeout: float = 5.0,
        *,
        include_interactions: bool = False,
    ) -> Message:
        """The first message in the channel (already there or yet to come) that satisfies predicate."""

        def probe() -> Message | None:
            for m in self.sent_messages(channel, include_interactions=include_interactions):
                if predicate is None or predicate(m):
                    return m
            return None

        return await self.wait_until(probe, timeout, f"a message in channel {channel}")

    # --- driving the bot -------------------------------------------------------------------------
    async def invoke(
        self,
        member: Member,
        command: str,
        channel: Channel | None = None,
        *,
        options: dict[str, Any] | None = None,
        **values: Any,
    ) -> Interaction:
        """Send a slash command as `member` in `channel` (default: the guild's first text channel).

        `command` may name a subcommand ("limits show"). Keyword values are the options; None means
        "not given". An option called `channel` collides with the channel parameter: pass it in
        `options={"channel": ...}`. Raises InvalidInvocation when Discord would refuse the command.
        """
        given = {**values, **(options or {})}
        where = self._channel_for(member, channel)
        session = self._session_for_invoke()
        built = command_schema.build(
            self.visible_commands(member.guild, session.account), command, given, member=member, channel=where
        )
        record = self._new_interaction(2, member, where, session, " ".join(built.path), given)
        return self._send_interaction(record, session, built.data)

    def parse_invocation(self, member: Member, line: str) -> tuple[str, dict[str, Any]]:
        """Split a typed command (`/limits set action:like daily:40`) into the command path and option
        values of the right types, for `invoke`; the sandbox's prompt uses it."""
        session = self._session_for_invoke()
        return command_schema.parse_line(
            self.visible_commands(member.guild, session.account), line, member.guild
        )

    async def autocomplete(
        self,
        member: Member,
        command: str,
        focused: str,
        value: str = "",
        channel: Channel | None = None,
        *,
        timeout: float = 3.0,
        options: dict[str, Any] | None = None,
        **others: Any,
    ) -> list[dict[str, Any]]:
        """Ask for suggestions while `member` types `value` into option `focused`; return the choices."""
        given = {**others, **(options or {}), focused: value}
        where = self._channel_for(member, channel)
        session = self._session_for_invoke()
        built = command_schema.build(
            self.visible_commands(member.guild, session.account),
            command,
            given,
            member=member,
            channel=where,
            focused=focused,
        )
        record = self._new_interaction(4, member, where, session, " ".join(built.path), given)
        self._send_interaction(record, session, built.data)
        callback = await record.response(timeout)
        if callback.type != 8:
            raise AssertionError(f"autocomplete answered with callback type {callback.type}, not 8")
        assert record.choices is not None
        return record.choices

    async def press(self, member: Member, message: Message, custom_id: str) -> Interaction:
        """Click the button `custom_id` on `message` as `member`."""
        if message.deleted:
            raise command_schema.InvalidInvocation(f"message {message.id} was deleted")
        if custom_id not in message.custom_ids:
            raise command_schema.InvalidInvocation(
                f"message {message.id} has no component {custom_id!r} (it has: {message.custom_ids})"
            )
        where = self.channel(message.channel_id)
        if where is None:
            raise command_schema.InvalidInvocation(f"the channel of message {message.id} is gone")
        session = self._session_for_invoke()
        record = self._new_interaction(3, member, where, session, custom_id, {}, target=message)
        data = {"custom_id": custom_id, "component_type": 2}
        return self._send_interaction(record, session, data)

    def _channel_for(self, member: Member, channel: Channel | None) -> Channel:
        if channel is None:
            if not member.guild.text_channels:
                raise command_schema.InvalidInvocation(f"guild {member.guild.name} has no text channel")
            return member.guild.text_channels[0]
        if channel.deleted or channel.guild is not member.guild:
            raise command_schema.InvalidInvocation(
                f"#{channel.name} is not a channel of {member.name}'s guild"
            )
        return channel

    def _session_for_invoke(self) -> GatewaySession:
        live = self._live_sessions()
        if not live:
            raise RuntimeError(
                "no bot has identified on the gateway: start the bot and wait_until_connected()"
            )
        return live[-1]

    def _new_interaction(
        self,
        kind: int,
        member: Member,
        channel: Channel,
        session: GatewaySession,
        name: str,
        options: dict[str, Any],
        target: Message | None = None,
    ) -> Interaction:
        record = Interaction(
            type=kind,
            member=member,
            channel=channel,
            application_id=session.account.application_id,
            name=name,
            options=options,
            notifier=self._notifier,
            target=target,
        )
        self.interactions.append(record)
        self._interactions_by_id[record.id] = record
        self._interactions_by_token[record.token] = record
        return record

    def _send_interaction(
        self, record: Interaction, session: GatewaySession, data: dict[str, Any]
    ) -> Interaction:
        guild, channel, member = record.member.guild, record.channel, record.member
        bot_member = guild.members[session.account.user.id]
        channel_data = channel.payload()
        channel_data["permissions"] = str(member.permissions_in(channel))
        payload: dict[str, Any] = {
            "id": str(record.id),
            "application_id": str(session.account.application_id),
            "type": record.type,
            "token": record.token,
            "version": 1,
            "guild_id": str(guild.id),
            "guild": {"id": str(guild.id), "locale": "en-US", "features": list(guild.features)},
            "channel_id": str(channel.id),
            "channel": channel_data,
            "member": member.payload(permissions=member.permissions_in(channel)),
            "app_permissions": str(bot_member.permissions_in(channel)),
            "locale": "en-US",
            "guild_locale": "en-US",
            "entitlements": [],
            "entitlement_sku_ids": [],
            "authorizing_integration_owners": {"0": str(guild.id)},
            "context": 0,
            "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
            "data": data,
        }
        if record.target is not None:
            payload["message"] = record.target.payload(self.root_url)
        record.payload = payload
        record.sent_at = time.monotonic()
        session.dispatch("INTERACTION_CREATE", payload)
        return record

    # --- gateway ---------------------------------------------------------------------------------
    def _live_sessions(self) -> list[GatewaySession]:
        return [s for s in self.sessions.values() if not s.invalidated]

    def _current_connection(self) -> GatewayConnection:
        for session in reversed(self._live_sessions()):
            if session.connection is not None:
                return session.connection
        raise RuntimeError("no bot is connected to the gateway")

    @property
    def identify_count(self) -> int:
        return sum(1 for op, _ in self.gateway_log if op == "IDENTIFY")

    @property
    def resume_count(self) -> int:
        return sum(1 for op, _ in self.gateway_log if op == "RESUME")

    def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send any dispatch event to every live session (for events the world model does not make)."""
        for session in self._live_sessions():
            session.dispatch(event, data)

    async def drop_gateway(self, code: int = 4000) -> None:
        """Close the bot's socket with `code`; 4000 (and 1000, 1001, 4009) make discord.py RESUME."""
        await self._current_connection().close(code)

    async def send_reconnect(self) -> None:
        """op 7: ask the bot to reconnect and resume."""
        self._current_connection().send({"op": RECONNECT, "d": None, "s": None, "t": None})

    async def invalidate_session(self, resumable: bool = False) -> None:
        """op 9: a non-resumable one makes the bot IDENTIFY again from scratch."""
        conn = self._current_connection()
        if not resumable and conn.session is not None:
            conn.session.invalidated = True
            conn.session.connection = None
        conn.send({"op": INVALID_SESSION, "d": resumable, "s": None, "t": None})

    async def _gateway(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        zlib_stream = self.compress and request.query.get("compress") == "zlib-stream"
        conn = GatewayConnection(ws, zlib_stream=zlib_stream)
        self._connections.add(conn)
        conn.send(
            {"op": HELLO, "d": {"heartbeat_interval": self.heartbeat_interval_ms}, "s": None, "t": None}
        )
        try:
            async for msg in ws:
                if msg.type in (WSMsgType.TEXT, WSMsgType.BINARY):
                    await self._gateway_op(conn, json.loads(msg.data))
                elif msg.type == WSMsgType.ERROR:
                    break
        finally:
            session = conn.session
            if session is not None and session.connection is conn:
                session.connection = None
            self._connections.discard(conn)
            await conn.finish()
            self._notifier.notify()
        return ws

    async def _gateway_op(self, conn: GatewayConnection, msg: dict[str, Any]) -> None:
        op, data = msg.get("op"), msg.get("d")
        if op == HEARTBEAT:
            if self.ack_heartbeats:
                conn.send({"op": HEARTBEAT_ACK, "d": None, "s": None, "t": None})
        elif op == IDENTIFY:
            await self._identify(conn, data or {})
        elif op == RESUME:
            await self._resume(conn, data or {})
        elif op == REQUEST_GUILD_MEMBERS:
            self._guild_members_chunk(conn, data or {})
        # Presence and voice updates change nothing the bot can observe here.

    async def _identify(self, conn: GatewayConnection, data: dict[str, Any]) -> None:
        account = self.bots.get(str(data.get("token", "")).removeprefix("Bot "))
        if account is None:
            self.gateway_log.append(("IDENTIFY-REJECTED", ""))
            await conn.close(4004, b"Authentication failed.")
            return
        for old in self._live_sessions():
            # A new IDENTIFY replaces the account's sessions that nobody is connected to any more.
            if old.account is account and old.connection is None:
                old.invalidated = True
        session = GatewaySession(account)
        self.sessions[session.id] = session
        conn.session = session
        session.connection = conn
        self.gateway_log.append(("IDENTIFY", session.id))
        for guild in self.guilds.values():
            guild.add_bot_member(account)
        ready = {
            "v": 10,
            "user": {**account.user.payload(), "verified": True, "mfa_enabled": False},
            "guilds": [{"id": str(g.id), "unavailable": True} for g in self.guilds.values()],
            "session_id": session.id,
            "session_type": "normal",
            "resume_gateway_url": self.gateway_url,
            "application": {"id": str(account.application_id), "flags": account.application_flags},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": [],
            "user_settings": {},
            "_trace": ["checkback-emulator"],
        }
        if "shard" in data:
            ready["shard"] = data["shard"]
        session.dispatch("READY", ready)
        for guild in self.guilds.values():
            session.dispatch("GUILD_CREATE", guild.payload())
        session.ready = True
        self._notifier.notify()

    async def _resume(self, conn: GatewayConnection, data: dict[str, Any]) -> None:
        session = self.sessions.get(str(data.get("session_id")))
        token = str(data.get("token", "")).removeprefix("Bot ")
        if session is None or session.invalidated or session.account.token != token:
            self.gateway_log.append(("RESUME-REJECTED", str(data.get("session_id"))))
            conn.send({"op": INVALID_SESSION, "d": False, "s": None, "t": None})
            return
        self.gateway_log.append(("RESUME", session.id))
        old = session.connection
        if old is not None and old is not conn:
            await old.close(4000)
        conn.session = session
        session.connection = None  # attach only after the replay, so nothing is sent twice or out of order
        for payload in session.replay_after(data.get("seq")):
            conn.send(payload)
        session.connection = conn
        session.dispatch("RESUMED", {"_trace": ["checkback-emulator"]})
        self._notifier.notify()

    def _guild_members_chunk(self, conn: GatewayConnection, data: dict[str, Any]) -> None:
        if conn.session is None:
            return
        guild_ids = data.get("guild_id")
        for gid in guild_ids if isinstance(guild_ids, list) else [guild_ids]:
            guild = self.guilds.get(int(gid or 0))
            if guild is None:
                continue
            members = [m.payload() for m in guild.members.values()]
            chunk: dict[str, Any] = {
                "guild_id": str(guild.id),
                "members": members,
                "chunk_index": 0,
                "chunk_count": 1,
                "not_found": [],
            }
            if data.get("nonce"):
                chunk["nonce"] = data["nonce"]
            conn.session.dispatch("GUILD_MEMBERS_CHUNK", chunk)

    # --- REST: plumbing --------------------------------------------------------------------------
    def _routes(self, app: web.Application) -> None:
        r = app.router
        r.add_get("/gateway", self._gateway)
        r.add_get("/attachments/{cid}/{aid}/{filename}", self._attachment_bytes)
        api = API_PREFIX
        routes: list[tuple[str, str, Handler]] = [
            ("GET", "/gateway", self._get_gateway),
            ("GET", "/gateway/bot", self._get_gateway_bot),
            ("GET", "/users/@me", self._get_me),
            ("GET", "/users/{user_id}", self._get_user),
            ("GET", "/oauth2/applications/@me", self._get_application),
            ("GET", "/applications/@me", self._get_application),
            ("GET", "/applications/{app}/commands", self._get_commands),
            ("PUT", "/applications/{app}/commands", self._put_commands),
            ("POST", "/applications/{app}/commands", self._post_command),
            ("GET", "/applications/{app}/commands/{cmd}", self._get_command),
            ("GET", "/applications/{app}/guilds/{guild}/commands", self._get_commands),
            ("PUT", "/applications/{app}/guilds/{guild}/commands", self._put_commands),
            ("POST", "/applications/{app}/guilds/{guild}/commands", self._post_command),
            ("GET", "/applications/{app}/guilds/{guild}/commands/{cmd}", self._get_command),
            ("POST", "/interactions/{iid}/{token}/callback", self._interaction_callback),
            ("POST", "/webhooks/{app}/{token}", self._webhook_execute),
            ("GET", "/webhooks/{app}/{token}/messages/{mid}", self._webhook_message),
            ("PATCH", "/webhooks/{app}/{token}/messages/{mid}", self._webhook_message),
            ("DELETE", "/webhooks/{app}/{token}/messages/{mid}", self._webhook_message),
            ("GET", "/channels/{cid}", self._get_channel),
            ("POST", "/channels/{cid}/typing", self._typing),
            ("GET", "/channels/{cid}/messages", self._channel_history),
            ("POST", "/channels/{cid}/messages", self._create_message),
            ("GET", "/channels/{cid}/messages/{mid}", self._channel_message),
            ("PATCH", "/channels/{cid}/messages/{mid}", self._channel_message),
            ("DELETE", "/channels/{cid}/messages/{mid}", self._channel_message),
            ("GET", "/guilds/{gid}", self._get_guild),
            ("GET", "/guilds/{gid}/channels", self._get_guild_channels),
            ("GET", "/guilds/{gid}/roles", self._get_guild_roles),
            ("GET", "/guilds/{gid}/members/{uid}", self._get_member),
        ]
        for method, path, handler in routes:
            r.add_route(method, api + path, handler)
        r.add_route("*", "/{tail:.*}", self._unknown_route)

    # Routes reached with an interaction or webhook token instead of the bot's Authorization header.
    _TOKEN_ROUTES = re.compile(r"^/(interactions|webhooks)/")
    _OPEN_ROUTES = re.compile(r"^/gateway$")

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path == "/gateway" or not request.path.startswith(API_PREFIX + "/"):
            return await handler(request)  # the websocket and attachment downloads are not REST calls
        path = request.path[len(API_PREFIX) :]
        route = f"{request.method} {path}"
        body, files = await self._read_body(request)
        request[BODY], request[FILES] = body, files

        response: web.StreamResponse
        rule = next((r for r in self.rate_limits if not r.exhausted and r.route in route), None)
        if rule is not None:
            rule.hits += 1
            self.rate_limited += 1
            response = self._too_many_requests(rule)
        elif (
            not self._TOKEN_ROUTES.match(path)
            and not self._OPEN_ROUTES.match(path)
            and not self._account(request)
        ):
            response = error(401, "401: Unauthorized", 0)
        else:
            try:
                response = await handler(request)
            except web.HTTPException as exc:
                response = error(exc.status, exc.reason, 0)
        self.requests.append(
            RequestRecord(
                method=request.method,
                path=path,
                query=dict(request.query),
                status=response.status,
                body=body,
                files=tuple(a.filename for a in files.values()),
                at=datetime.now(UTC),
            )
        )
        self._notifier.notify()
        return response

    async def _read_body(self, request: web.Request) -> tuple[Any, dict[int, Attachment]]:
        """JSON, or multipart with payload_json and files[n] parts; files keyed by n."""
        files: dict[int, Attachment] = {}
        if not request.can_read_body:
            return None, files
        if request.content_type == "multipart/form-data":
            body: Any = None
            reader = await request.multipart()
            async for part in reader:
                if not isinstance(part, BodyPartReader):
                    continue  # discord.py never nests multiparts
                name = part.name or ""
                if name == "payload_json":
                    body = json.loads(await part.text())
                else:
                    match = re.fullmatch(r"files\[(\d+)\]", name)
                    if match is None:
                        continue
                    data = bytes(await part.read(decode=False))
                    files[int(match.group(1))] = Attachment(
                        id=new_snowflake(),
                        filename=part.filename or f"file{match.group(1)}",
                        data=data,
                        content_type=part.headers.get("Content-Type"),
                    )
            return body, files
        text = await request.text()
        if not text:
            return None, files
        try:
            return json.loads(text), files
        except json.JSONDecodeError:
            return text, files

    def _too_many_requests(self, rule: RateLimitRule) -> web.Response:
        headers = {
            # discord.py only retries a 429 that came through Discord's proxy, which it tells by `Via`.
            "Via": "1.1 google",
            "Retry-After": str(max(1, math.ceil(rule.retry_after))),
            "X-RateLimit-Limit": "5",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": f"{time.time() + rule.retry_after:.3f}",
            "X-RateLimit-Reset-After": f"{rule.retry_after:.3f}",
            "X-RateLimit-Bucket": f"emu-{abs(hash(rule.route)):x}",
            "X-RateLimit-Scope": "global" if rule.global_ else "user",
        }
        if rule.global_:
            headers["X-RateLimit-Global"] = "true"
        body = {
            "message": "You are being rate limited.",
            "retry_after": rule.retry_after,
            "global": rule.global_,
        }
        if not rule.global_:
            body["code"] = 0
        return json_response(body, 429, headers)

    def _account(self, request: web.Request) -> BotAccount | None:
        auth = request.headers.get("Authorization", "")
        if not auth.startswith("Bot "):
            return None
        return self.bots.get(auth.removeprefix("Bot "))

    def _violate(self, kind: str, request: web.Request, detail: str) -> None:
        route = f"{request.method} {request.path.removeprefix(API_PREFIX)}"
        log.warning("discord emulator: %s on %s: %s", kind, route, detail)
        self.violations.append(Violation(kind=kind, route=route, detail=detail))

    def _invalid_body(self, request: web.Request, errors: list[limits.FieldError]) -> web.Response:
        self._violate("invalid-body", request, "; ".join(e.describe() for e in errors))
        return json_response(limits.error_body(errors), 400)

    async def _unknown_route(self, request: web.Request) -> web.Response:
        route = f"{request.method} {request.path.removeprefix(API_PREFIX)}"
        self.unknown_routes.append(route)
        log.warning("discord emulator: no such route %s", route)
        return error(404, "404: Not Found", 0)

    # --- REST: identity --------------------------------------------------------------------------
    async def _get_gateway(self, request: web.Request) -> web.Response:
        return json_response({"url": self.gateway_url})

    async def _get_gateway_bot(self, request: web.Request) -> web.Response:
        limit = {"total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1}
        return json_response({"url": self.gateway_url, "shards": 1, "session_start_limit": limit})

    async def _get_me(self, request: web.Request) -> web.Response:
        account = self._account(request)
        assert account is not None
        return json_response({**account.user.payload(), "verified": True, "mfa_enabled": False})

    async def _get_user(self, request: web.Request) -> web.Response:
        user_id = int(request.match_info["user_id"])
        for guild in self.guilds.values():
            member = guild.members.get(user_id)
            if member is not None:
                return json_response(member.user.payload())
        return _unknown("User", 10013)

    async def _get_application(self, request: web.Request) -> web.Response:
        account = self._account(request)
        assert account is not None
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

    # --- REST: application commands --------------------------------------------------------------
    def _command_scope(self, request: web.Request) -> tuple[int, int | None] | web.Response:
        account = self._account(request)
        assert account is not None
        app = int(request.match_info["app"])
        if app != account.application_id:
            return error(403, "Missing Access", 50001)
        guild = request.match_info.get("guild")
        if guild is not None and int(guild) not in self.guilds:
            return error(403, "Missing Access", 50001)
        return app, int(guild) if guild is not None else None

    async def _put_commands(self, request: web.Request) -> web.Response:
        scope = self._command_scope(request)
        if isinstance(scope, web.Response):
            return scope
        payload = request[BODY] or []
        errors = limits.check_commands(payload, is_global=scope[1] is None)
        if errors:
            return self._invalid_body(request, errors)
        old = {(c["name"], c.get("type", 1)): c["id"] for c in self._commands.get(scope, [])}
        stored = [
            self._stored_command(scope, cmd, old.get((cmd["name"], cmd.get("type", 1)))) for cmd in payload
        ]
        self._commands[scope] = stored
        self.command_syncs.append(scope)
        return json_response(stored)

    async def _post_command(self, request: web.Request) -> web.Response:
        scope = self._command_scope(request)
        if isinstance(scope, web.Response):
            return scope
        cmd = request[BODY] or {}
        errors = limits.check_commands([cmd], is_global=False)
        if errors:
            return self._invalid_body(request, errors)
        current = self._commands.setdefault(scope, [])
        same = next(
            (c for c in current if c["name"] == cmd["name"] and c["type"] == cmd.get("type", 1)), None
        )
        stored = self._stored_command(scope, cmd, same["id"] if same else None)
        self._commands[scope] = [c for c in current if c is not same] + [stored]
        self.command_syncs.append(scope)
        return json_response(stored, 200 if same else 201)

    def _stored_command(
        self, scope: tuple[int, int | None], cmd: dict[str, Any], old_id: str | None
    ) -> dict[str, Any]:
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

    async def _get_commands(self, request: web.Request) -> web.Response:
        scope = self._command_scope(request)
        if isinstance(scope, web.Response):
            return scope
        return json_response(self._commands.get(scope, []))

    async def _get_command(self, request: web.Request) -> web.Response:
        scope = self._command_scope(request)
        if isinstance(scope, web.Response):
            return scope
        for cmd in self._commands.get(scope, []):
            if cmd["id"] == request.match_info["cmd"]:
                return json_response(cmd)
        return _unknown("application command", 10063)

    # --- REST: interactions ----------------------------------------------------------------------
    async def _interaction_callback(self, request: web.Request) -> web.StreamResponse:
        record = self._interactions_by_id.get(int(request.match_info["iid"]))
        if record is None or record.token != request.match_info["token"]:
            return _unknown("interaction", 10062)
        elapsed = time.monotonic() - record.sent_at
        if elapsed > self.token_lifetime:
            self._violate("expired-token", request, f"callback {elapsed:.0f}s after the interaction")
            return _unknown("interaction", 10062)
        if record.callbacks:
            self._violate("double-ack", request, f"second callback to {record!r}")
            return error(400, "Interaction has already been acknowledged.", 40060)
        if elapsed > self.callback_deadline:
            self._violate(
                "late-callback", request, f"first callback after {elapsed:.2f}s (Discord allows 3s)"
            )
            if self.strict_deadlines:
                return _unknown("interaction", 10062)

        body = request[BODY] or {}
        kind = int(body.get("type", 0))
        data: dict[str, Any] = body.get("data") or {}
        files: dict[int, Attachment] = request[FILES]
        allowed = {2: {4, 5, 9}, 3: {4, 5, 6, 7, 9}, 4: {8}}[record.type]
        if kind not in allowed:
            if record.type == 4:
                self._violate("autocomplete-deferred", request, f"autocomplete answered with type {kind}")
            else:
                self._violate(
                    "bad-callback-type", request, f"type {kind} to an interaction of type {record.type}"
                )
            return error(400, "Interaction response type is invalid for this interaction", 50035)
        if kind in (4, 7):
            errors = limits.check_message(data, files=len(files), require_something=kind == 4)
            if errors:
                return self._invalid_body(request, errors)
        elif kind == 8:
            errors = limits.check_choices(data.get("choices") or [])
            if errors:
                return self._invalid_body(request, errors)

        message: Message | None = None
        new_files = self._attachments_for(data, files)
        if kind == 4:
            message = self._interaction_message(record, int(data.get("flags") or 0) & ~LOADING)
            message.apply(data, new_files, edit=False)
            record.original = message
            record._show(message)
            self._tell("create", message)
        elif kind == 5:
            message = self._interaction_message(record, LOADING | (int(data.get("flags") or 0) & EPHEMERAL))
            record.original = message
            self._tell("create", message)
        elif kind == 6:
            record.original = record.target
        elif kind == 7:
            assert record.target is not None
            record.target.apply(data, new_files, edit=True)
            record.original = message = record.target
            record._show(message)
            self._tell("edit", message)
        elif kind == 8:
            record.choices = list(data.get("choices") or [])
        record.callbacks.append(Callback(type=kind, data=data, at=time.monotonic()))
        self._notifier.notify()

        if request.query.get("with_response", "").lower() not in ("1", "true"):
            return web.Response(status=204)
        answer: dict[str, Any] = {
            "interaction": {
                "id": str(record.id),
                "type": record.type,
                "activity_instance_id": None,
                "response_message_id": str(message.id) if message else None,
                "response_message_loading": kind == 5,
                "response_message_ephemeral": bool(message and message.ephemeral),
            },
            "resource": None,
        }
        if message is not None:
            answer["resource"] = {"type": kind, "message": message.payload(self.root_url)}
        return json_response(answer)

    def _interaction_message(self, record: Interaction, flags: int) -> Message:
        message = Message(
            id=new_snowflake(),
            channel_id=record.channel.id,
            guild_id=record.member.guild.id,
            author=self._bot_user(record.application_id),
            flags=flags,
            webhook_id=record.application_id,
            interaction_id=record.id,
        )
        self._store(message)
        return message

    def _attachments_for(self, body: dict[str, Any], files: dict[int, Attachment]) -> list[Attachment]:
        """Uploaded files in order, with the descriptions the body's `attachments` gives them."""
        described = {str(a.get("id")): a for a in body.get("attachments") or []}
        out = []
        for index in sorted(files):
            attachment = files[index]
            meta = described.get(str(index), {})
            attachment.description = meta.get("description")
            if meta.get("filename"):
                attachment.filename = meta["filename"]
            out.append(attachment)
        return out

    def _interaction_for_webhook(self, request: web.Request) -> Interaction | web.Response:
        record = self._interactions_by_token.get(request.match_info["token"])
        if record is None or str(record.application_id) != request.match_info["app"]:
            return _unknown("Webhook", 10015)
        if time.monotonic() - record.sent_at > self.token_lifetime:
            self._violate("expired-token", request, f"interaction token used after {self.token_lifetime:g}s")
            return error(401, "Invalid Webhook Token", 50027)
        if not record.callbacks:
            self._violate("followup-before-ack", request, f"{record!r} was never acknowledged")
            return _unknown("Webhook", 10015)
        return record

    async def _webhook_execute(self, request: web.Request) -> web.StreamResponse:
        record = self._interaction_for_webhook(request)
        if isinstance(record, web.Response):
            return record
        body = request[BODY] or {}
        files: dict[int, Attachment] = request[FILES]
        errors = limits.check_message(body, files=len(files))
        if errors:
            return self._invalid_body(request, errors)
        new_files = self._attachments_for(body, files)
        original = record.original
        if original is not None and original.loading:
            # Discord turns the first follow-up after a deferral into the deferred message itself,
            # keeping the deferral's ephemerality whatever the follow-up asked for.
            original.flags &= ~LOADING
            keep = original.flags & EPHEMERAL
            original.apply({k: v for k, v in body.items() if k != "flags"}, new_files, edit=False)
            original.flags = keep | (int(body.get("flags") or 0) & ~(EPHEMERAL | LOADING))
            message = original
            self._tell("edit", message)
        else:
            message = self._interaction_message(record, int(body.get("flags") or 0))
            message.apply(body, new_files, edit=False)
            self._tell("create", message)
        record.followups.append(message)
        record._show(message)
        self._notifier.notify()
        if request.query.get("wait", "").lower() in ("1", "true"):
            return json_response(message.payload(self.root_url))
        return web.Response(status=204)

    async def _webhook_message(self, request: web.Request) -> web.StreamResponse:
        record = self._interaction_for_webhook(request)
        if isinstance(record, web.Response):
            return record
        mid = request.match_info["mid"]
        message: Message | None
        if mid == "@original":
            message = record.original
        else:
            message = next((m for m in [record.original, *record.followups] if m and str(m.id) == mid), None)
        if message is None or message.deleted:
            return _unknown("Message", 10008)
        if request.method == "GET":
            return json_response(message.payload(self.root_url))
        if request.method == "DELETE":
            message.deleted = True
            self._tell("delete", message)
            self._notifier.notify()
            return web.Response(status=204)
        body = request[BODY] or {}
        files: dict[int, Attachment] = request[FILES]
        errors = limits.check_message(body, files=len(files), require_something=False)
        if errors:
            return self._invalid_body(request, errors)
        message.apply(body, self._attachments_for(body, files), edit=True)
        message.flags &= ~LOADING
        record._show(message)
        self._tell("edit", message)
        self._notifier.notify()
        return json_response(message.payload(self.root_url))

    # --- REST: channels and messages -------------------------------------------------------------
    def _bot_user(self, application_id: int) -> User:
        for account in self.bots.values():
            if account.application_id == application_id:
                return account.user
        raise LookupError(f"no bot with application id {application_id}")

    def _store(self, message: Message) -> None:
        self.messages[message.id] = message
        self._channel_messages.setdefault(message.channel_id, []).append(message)

    def _tell(self, event: str, message: Message) -> None:
        for listener in list(self.message_listeners):
            try:
                listener(event, message)
            except Exception:
                log.exception("discord emulator: message listener failed")

    def _bot_channel(self, request: web.Request) -> tuple[Channel, Member] | web.Response:
        """The channel in the path and the calling bot's membership, or the error Discord answers."""
        try:
            channel = self.channel(int(request.match_info["cid"]))
        except ValueError:
            channel = None
        if channel is None or channel.deleted:
            return _unknown("Channel", 10003)
        account = self._account(request)
        assert account is not None
        member = channel.guild.members.get(account.user.id)
        if member is None or not member.permissions_in(channel) & Permissions.VIEW_CHANNEL:
            return error(403, "Missing Access", 50001)
        return channel, member

    async def _get_channel(self, request: web.Request) -> web.Response:
        found = self._bot_channel(request)
        if isinstance(found, web.Response):
            return found
        return json_response(found[0].payload())

    async def _typing(self, request: web.Request) -> web.StreamResponse:
        found = self._bot_channel(request)
        return found if isinstance(found, web.Response) else web.Response(status=204)

    async def _create_message(self, request: web.Request) -> web.Response:
        found = self._bot_channel(request)
        if isinstance(found, web.Response):
            return found
        channel, bot_member = found
        perms = bot_member.permissions_in(channel)
        body = dict(request[BODY] or {})
        files: dict[int, Attachment] = request[FILES]
        if not perms & Permissions.SEND_MESSAGES or (files and not perms & Permissions.ATTACH_FILES):
            # Not a violation: a server's admins may take the bot's permissions away at any time, and
            # the bot is expected to cope. Tests see the 403 in `requests`.
            return error(403, "Missing Permissions", 50013)
        errors = limits.check_message(body, files=len(files))
        if errors:
            return self._invalid_body(request, errors)
        if body.get("embeds") and not perms & Permissions.EMBED_LINKS:
            # Discord accepts the message and silently drops the embeds.
            self._violate("embeds-dropped", request, f"bot lacks Embed Links in #{channel.name}")
            body["embeds"] = []
        nonce_key = None
        if body.get("nonce") is not None and body.get("enforce_nonce"):
            nonce_key = (channel.id, bot_member.id, str(body["nonce"]))
            seen = self._nonces.get(nonce_key)
            if seen is not None and time.monotonic() - seen[1] <= self.nonce_window:
                self.nonce_repeats += 1
                self._notifier.notify()
                return json_response(seen[0].payload(self.root_url))
        message = Message(
            id=new_snowflake(), channel_id=channel.id, guild_id=channel.guild.id, author=bot_member.user
        )
        message.apply(body, self._attachments_for(body, files), edit=False)
        self._store(message)
        if nonce_key is not None:
            self._nonces[nonce_key] = (message, time.monotonic())
        self._tell("create", message)
        self.dispatch(
            "MESSAGE_CREATE",
            {**message.payload(self.root_url), "member": bot_member.payload(with_user=False)},
        )
        self._notifier.notify()
        if self.hold_message_answers is not None:
            await self.hold_message_answers.wait()
        return json_response(message.payload(self.root_url))

    async def _channel_history(self, request: web.Request) -> web.Response:
        found = self._bot_channel(request)
        if isinstance(found, web.Response):
            return found
        limit = min(100, int(request.query.get("limit", "50")))
        newest_first = list(reversed(self.sent_messages(found[0], include_interactions=True)))
        return json_response([m.payload(self.root_url) for m in newest_first[:limit]])

    async def _channel_message(self, request: web.Request) -> web.StreamResponse:
        found = self._bot_channel(request)
        if isinstance(found, web.Response):
            return found
        channel, bot_member = found
        message = self.messages.get(int(request.match_info["mid"]))
        if message is None or message.deleted or message.channel_id != channel.id or message.ephemeral:
            return _unknown("Message", 10008)
        if request.method == "GET":
            return json_response(message.payload(self.root_url))
        if request.method == "DELETE":
            message.deleted = True
            self._tell("delete", message)
            self.dispatch("MESSAGE_DELETE", {"id": str(message.id), "channel_id": str(channel.id)})
            self._notifier.notify()
            return web.Response(status=204)
        if message.author.id != bot_member.id:
            return error(403, "Cannot edit a message authored by another user", 50005)
        body = request[BODY] or {}
        files: dict[int, Attachment] = request[FILES]
        errors = limits.check_message(body, files=len(files), require_something=False)
        if errors:
            return self._invalid_body(request, errors)
        message.apply(body, self._attachments_for(body, files), edit=True)
        self._tell("edit", message)
        self._notifier.notify()
        return json_response(message.payload(self.root_url))

    async def _attachment_bytes(self, request: web.Request) -> web.Response:
        message_attachments = (a for m in self.messages.values() for a in m.attachments)
        wanted = int(request.match_info["aid"])
        for attachment in message_attachments:
            if attachment.id == wanted:
                return web.Response(
                    body=attachment.data, content_type=attachment.content_type or "application/octet-stream"
                )
        return web.Response(status=404)

    # --- REST: guilds ----------------------------------------------------------------------------
    def _guild(self, request: web.Request) -> Guild | web.Response:
        guild = self.guilds.get(int(request.match_info["gid"]))
        return guild if guild is not None else _unknown("Guild", 10004)

    async def _get_guild(self, request: web.Request) -> web.Response:
        guild = self._guild(request)
        if isinstance(guild, web.Response):
            return guild
        data = guild.payload()
        for key in ("channels", "members", "threads", "voice_states", "presences"):
            data.pop(key, None)
        return json_response(data)

    async def _get_guild_channels(self, request: web.Request) -> web.Response:
        guild = self._guild(request)
        if isinstance(guild, web.Response):
            return guild
        return json_response([c.payload() for c in guild.text_channels])

    async def _get_guild_roles(self, request: web.Request) -> web.Response:
        guild = self._guild(request)
        if isinstance(guild, web.Response):
            return guild
        return json_response([r.payload() for r in guild.roles.values()])

    async def _get_member(self, request: web.Request) -> web.Response:
        guild = self._guild(request)
        if isinstance(guild, web.Response):
            return guild
        member = guild.members.get(int(request.match_info["uid"]))
        if member is None:
            return _unknown("Member", 10007)
        return json_response(member.payload())

    def _only_bot(self) -> BotAccount:
        if len(self.bots) != 1:
            raise RuntimeError(f"expected exactly one bot account, the emulator has {len(self.bots)}")
        return next(iter(self.bots.values()))
