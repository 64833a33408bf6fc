"""Gateway plumbing: one websocket connection (framing, zlib-stream) and one resumable session."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import zlib
from typing import Any

from aiohttp import web

from bot.sandbox.discord.world import BotAccount

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

    def __init__(self, account: BotAccount) -> None:
        self.id = secrets.token_hex(16)
        self.account = account
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

    def replay_after(self, seq: int | None) -> list[dict[str, Any]]:
        after = seq or 0
        return [p for p in self.history if p["s"] > after]
