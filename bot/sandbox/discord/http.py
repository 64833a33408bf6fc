"""HTTP helpers shared by the emulator's REST routes: Discord's JSON answers and errors, the parsed body."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.sandbox.discord.records import Attachment

if TYPE_CHECKING:
    from bot.sandbox.discord.state import EmulatorState

API_PREFIX = "/api/v10"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
# A REST route: method, path under API_PREFIX, handler.
Route = tuple[str, str, Handler]
# The parsed request body, read once by the middleware so the request log can show it.
BODY: web.RequestKey[Any] = web.RequestKey("body", object)
FILES: web.RequestKey[dict[int, Attachment]] = web.RequestKey("files", dict)


class Resource:
    """The REST routes of one kind of resource, over the emulator's state (rest/__init__.py maps them)."""

    def __init__(self, emu: EmulatorState) -> None:
        self.emu = emu


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """A JSON answer whose Content-Type is exactly application/json.

    discord.py compares the header verbatim, so aiohttp's json_response (which appends a charset) would
    make it treat every body as text.
    """
    all_headers = {"Content-Type": "application/json", **(headers or {})}
    return web.Response(status=status, body=json.dumps(data).encode(), headers=all_headers)


def error(status: int, message: str, code: int) -> web.Response:
    return json_response({"message": message, "code": code}, status)


def unknown(what: str, code: int) -> web.Response:
    return error(404, f"Unknown {what}", code)


def attachments_for(body: dict[str, Any], files: dict[int, Attachment]) -> list[Attachment]:
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
