"""What every REST call goes through: the body read once, injected 429s, the bot's token, the request log."""

from __future__ import annotations

import json
import logging
import math
import re
import time
from datetime import UTC, datetime
from typing import Any

from aiohttp import BodyPartReader, web

from bot.sandbox.discord.http import API_PREFIX, BODY, FILES, Handler, error, json_response
from bot.sandbox.discord.records import Attachment, RateLimitRule, RequestRecord
from bot.sandbox.discord.snowflake import new_snowflake
from bot.sandbox.discord.state import EmulatorState

log = logging.getLogger(__name__)

# Routes reached with an interaction or webhook token instead of the bot's Authorization header.
_TOKEN_ROUTES = re.compile(r"^/(interactions|webhooks)/")
_OPEN_ROUTES = re.compile(r"^/gateway$")


class Plumbing:
    """The middleware of the REST API and its answer to routes the emulator does not serve."""

    def __init__(self, emu: EmulatorState) -> None:
        self.emu = emu

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path == "/gateway" or not request.path.startswith(API_PREFIX + "/"):
            return await handler(request)  # the websocket and attachment downloads are not REST calls
        emu = self.emu
        path = request.path[len(API_PREFIX) :]
        route = f"{request.method} {path}"
        body, files = await read_body(request)
        request[BODY], request[FILES] = body, files

        response: web.StreamResponse
        rule = next((r for r in emu.rate_limits if not r.exhausted and r.route in route), None)
        if rule is not None:
            rule.hits += 1
            emu.rate_limited += 1
            response = too_many_requests(rule)
        elif not _TOKEN_ROUTES.match(path) and not _OPEN_ROUTES.match(path) and not emu.account(request):
            response = error(401, "401: Unauthorized", 0)
        else:
            try:
                response = await handler(request)
            except web.HTTPException as exc:
                response = error(exc.status, exc.reason, 0)
        emu.requests.append(
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
        emu.notifier.notify()
        return response

    async def unknown_route(self, request: web.Request) -> web.Response:
        route = f"{request.method} {request.path.removeprefix(API_PREFIX)}"
        self.emu.unknown_routes.append(route)
        log.warning("discord emulator: no such route %s", route)
        return error(404, "404: Not Found", 0)


async def read_body(request: web.Request) -> tuple[Any, dict[int, Attachment]]:
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


def too_many_requests(rule: RateLimitRule) -> web.Response:
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
