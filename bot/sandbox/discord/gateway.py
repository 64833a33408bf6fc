"""The gateway: one websocket connection (framing, zlib-stream), one resumable session, and the endpoint
that answers the client's opcodes (IDENTIFY, RESUME, heartbeats, member requests)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import zlib
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

from bot.sandbox.discord.world import BotAccount

if TYPE_CHECKING:
    from bot.sandbox.discord.state import EmulatorState

log = logging.getLogger(__name__)

# Gateway opcodes (Discord's documentation, "Gateway Opcodes").
DISPATCH, HEARTBEAT, IDENTIFY, PRESENCE_UPDATE, VOICE_STATE_UPDATE = 0, 1, 2, 3, 4
RESUME, RECONNECT, REQUEST_GUILD_MEMBERS, INVALID_SESSION, HELLO, HEARTBEAT_ACK = 6, 7, 8, 9, 10, 11

HISTORY_LIMIT = 5000


class GatewayConnection:
    """One websocket. Frames are written by a single task so that sync code can send in order."""

    def __init__(self, ws: web.WebSocketResponse, *, zlib_stream: bool) -> None:
        self.ws = ws
        # zlib-stream: one compressor for the whole connection, each frame ending in a sync flush.
        self._compressor = zlib.compressobj() if zlib_stream else None
        self._queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()
        self._writer = asyncio.create_task(self._write_loop())
        self.session: GatewaySession | None = None

    @property
    def zlib_stream(self) -> bool:
        return self._compressor is not None

    def send(self, payload: dict[str, Any]) -> None:
        self._queue.put_nowait(payload)

    async def _write_loop(self) -> None:
        while True:
            payload = await self._queue.get()
            if payload is None:
                return
            if self.ws.closed:
                continue  # what a closed socket missed is in the session history, for RESUME
            text = json.dumps(payload, separators=(",", ":"))
            try:
                if self._compressor is not None:
                    data = self._compressor.compress(text.encode()) + self._compressor.flush(
                        zlib.Z_SYNC_FLUSH
                    )
                    await self.ws.send_bytes(data)
                else:
                    await self.ws.send_str(text)
            except (ConnectionResetError, RuntimeError) as exc:
                log.debug("gateway write failed: %s", exc)

    async def close(self, code: int = 1000, message: bytes = b"") -> None:
        """Close the socket with `code` (the client decides from it whether to RESUME)."""
        if not self.ws.closed:
            await self.ws.close(code=code, message=message)

    def cancel(self) -> None:
        self._writer.cancel()

    async def finish(self) -> None:
        self._queue.put_nowait(None)
        with contextlib.suppress(asyncio.CancelledError):
            await self._writer


class GatewaySession:
    """A session survives its connection: dispatches are numbered and kept so a RESUME can replay them."""

    def __init__(self, account: BotAccount, shard: tuple[int, int] | None = None) -> None:
        self.id = secrets.token_hex(16)
        self.account = account
        # (shard id, shard count) from IDENTIFY; None: an unsharded session, which gets every guild.
        self.shard = shard
        self.seq = 0
        self.history: list[dict[str, Any]] = []
        self.connection: GatewayConnection | None = None
        self.ready = False
        self.invalidated = False

    def dispatch(self, event: str, data: dict[str, Any]) -> int:
        """Number the event, remember it, and send it if a connection is attached. Returns its seq."""
        self.seq += 1
        payload = {"op": DISPATCH, "t": event, "s": self.seq, "d": data}
        self.history.append(payload)
        if len(self.history) > HISTORY_LIMIT:
            del self.history[: len(self.history) - HISTORY_LIMIT]
        if self.connection is not None:
            self.connection.send(payload)
        return self.seq

    def covers(self, guild_id: int) -> bool:
        """Whether this session receives the guild's events: Discord routes a guild to shard
        (guild_id >> 22) % shard count."""
        return self.shard is None or (guild_id >> 22) % self.shard[1] == self.shard[0]

    def replay_after(self, seq: int | None) -> list[dict[str, Any]]:
        after = seq or 0
        return [p for p in self.history if p["s"] > after]


class GatewayEndpoint:
    """GET /gateway: the websocket discord.py connects to, and its opcodes."""

    def __init__(self, emu: EmulatorState) -> None:
        self.emu = emu

    async def handle(self, request: web.Request) -> web.StreamResponse:
        emu = self.emu
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        zlib_stream = emu.compress and request.query.get("compress") == "zlib-stream"
        conn = GatewayConnection(ws, zlib_stream=zlib_stream)
        emu.connections.add(conn)
        conn.send({"op": HELLO, "d": {"heartbeat_interval": emu.heartbeat_interval_ms}, "s": None, "t": None})
        try:
            async for msg in ws:
                if msg.type in (WSMsgType.TEXT, WSMsgType.BINARY):
                    await self._op(conn, json.loads(msg.data))
                elif msg.type == WSMsgType.ERROR:
                    break
        finally:
            session = conn.session
            if session is not None and session.connection is conn:
                session.connection = None
            emu.connections.discard(conn)
            await conn.finish()
            emu.notifier.notify()
        return ws

    async def _op(self, conn: GatewayConnection, msg: dict[str, Any]) -> None:
        op, data = msg.get("op"), msg.get("d")
        if op == HEARTBEAT:
            if self.emu.ack_heartbeats:
                conn.send({"op": HEARTBEAT_ACK, "d": None, "s": None, "t": None})
        elif op == IDENTIFY:
            await self._identify(conn, data or {})
        elif op == RESUME:
            await self._resume(conn, data or {})
        elif op == REQUEST_GUILD_MEMBERS:
            self._guild_members_chunk(conn, data or {})
        # Presence and voice updates change nothing the bot can observe here.

    async def _identify(self, conn: GatewayConnection, data: dict[str, Any]) -> None:
        emu = self.emu
        account = emu.bots.get(str(data.get("token", "")).removeprefix("Bot "))
        if account is None:
            emu.gateway_log.append(("IDENTIFY-REJECTED", ""))
            await conn.close(4004, b"Authentication failed.")
            return
        shard = _shard_of(data.get("shard"))
        if shard is None and emu.shard_count > 1:
            emu.gateway_log.append(("IDENTIFY-REJECTED", "sharding required"))
            await conn.close(4011, b"Sharding required.")
            return
        if shard is not None and not 0 <= shard[0] < shard[1]:
            emu.gateway_log.append(("IDENTIFY-REJECTED", f"invalid shard {shard}"))
            await conn.close(4010, b"Invalid shard.")
            return
        for old in emu.live_sessions():
            # A new IDENTIFY replaces the account's sessions (of that shard) nobody is connected to any more.
            if old.account is account and old.connection is None and old.shard == shard:
                old.invalidated = True
        session = GatewaySession(account, shard)
        emu.sessions[session.id] = session
        conn.session = session
        session.connection = conn
        emu.gateway_log.append(("IDENTIFY", session.id))
        for guild in emu.guilds.values():
            guild.add_bot_member(account)
        guilds = [g for g in emu.guilds.values() if session.covers(g.id)]
        ready = {
            "v": 10,
            "user": {**account.user.payload(), "verified": True, "mfa_enabled": False},
            "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
            "session_id": session.id,
            "session_type": "normal",
            "resume_gateway_url": emu.gateway_url,
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
        for guild in guilds:
            session.dispatch("GUILD_CREATE", guild.payload())
        session.ready = True
        emu.notifier.notify()

    async def _resume(self, conn: GatewayConnection, data: dict[str, Any]) -> None:
        emu = self.emu
        session = emu.sessions.get(str(data.get("session_id")))
        token = str(data.get("token", "")).removeprefix("Bot ")
        if session is None or session.invalidated or session.account.token != token:
            emu.gateway_log.append(("RESUME-REJECTED", str(data.get("session_id"))))
            conn.send({"op": INVALID_SESSION, "d": False, "s": None, "t": None})
            return
        emu.gateway_log.append(("RESUME", session.id))
        old = session.connection
        if old is not None and old is not conn:
            await old.close(4000)
        conn.session = session
        session.connection = None  # attach only after the replay, so nothing is sent twice or out of order
        for payload in session.replay_after(data.get("seq")):
            conn.send(payload)
        session.connection = conn
        session.dispatch("RESUMED", {"_trace": ["checkback-emulator"]})
        emu.notifier.notify()

    def _guild_members_chunk(self, conn: GatewayConnection, data: dict[str, Any]) -> None:
        if conn.session is None:
            return
        guild_ids = data.get("guild_id")
        for gid in guild_ids if isinstance(guild_ids, list) else [guild_ids]:
            guild = self.emu.guilds.get(int(gid or 0))
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


def _shard_of(value: Any) -> tuple[int, int] | None:
    """IDENTIFY's `shard`: [shard id, shard count], or None when absent or malformed."""
    if isinstance(value, list | tuple) and len(value) == 2 and all(isinstance(v, int) for v in value):
        return int(value[0]), int(value[1])
    return None
