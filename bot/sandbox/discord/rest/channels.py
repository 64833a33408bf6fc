"""REST: channels and their messages (send, read, edit, delete), and the files attached to messages."""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web

from bot.sandbox.discord import payload_limits
from bot.sandbox.discord.http import (
    BODY,
    FILES,
    Resource,
    attachments_for,
    error,
    json_response,
    unknown,
)
from bot.sandbox.discord.records import Attachment, Message
from bot.sandbox.discord.snowflake import Permissions, new_snowflake
from bot.sandbox.discord.state import EmulatorState
from bot.sandbox.discord.world import Channel, Member


class ChannelRoutes(Resource):
    """Channels and their messages."""

    def _bot_channel(self, request: web.Request) -> tuple[Channel, Member] | web.Response:
        """The channel in the path and the calling bot's membership, or the error Discord answers."""
        try:
            channel = self.emu.channel(int(request.match_info["cid"]))
        except ValueError:
            channel = None
        if channel is None or channel.deleted:
            return unknown("Channel", 10003)
        account = self.emu.account(request)
        assert account is not None
        member = channel.guild.members.get(account.user.id)
        if member is None or not member.permissions_in(channel) & Permissions.VIEW_CHANNEL:
            return error(403, "Missing Access", 50001)
        return channel, member

    async def get_channel(self, request: web.Request) -> web.Response:
        found = self._bot_channel(request)
        if isinstance(found, web.Response):
            return found
        return json_response(found[0].payload())

    async def typing(self, request: web.Request) -> web.StreamResponse:
        found = self._bot_channel(request)
        return found if isinstance(found, web.Response) else web.Response(status=204)

    async def create_message(self, request: web.Request) -> web.Response:
        emu = self.emu
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
        errors = payload_limits.check_message(body, files=len(files))
        if errors:
            return emu.invalid_body(request, errors)
        if body.get("embeds") and not perms & Permissions.EMBED_LINKS:
            # Discord accepts the message and silently drops the embeds.
            emu.violate("embeds-dropped", request, f"bot lacks Embed Links in #{channel.name}")
            body["embeds"] = []
        nonce_key = None
        if body.get("nonce") is not None and body.get("enforce_nonce"):
            nonce_key = (channel.id, bot_member.id, str(body["nonce"]))
            seen = emu.nonces.get(nonce_key)
            if seen is not None and emu.nonce_clock() - seen[1] <= emu.nonce_window:
                emu.nonce_repeats += 1
                emu.notifier.notify()
                return json_response(seen[0].payload(emu.root_url))
        message = Message(
            id=new_snowflake(), channel_id=channel.id, guild_id=channel.guild.id, author=bot_member.user
        )
        message.apply(body, attachments_for(body, files), edit=False)
        emu.store(message)
        if nonce_key is not None:
            emu.nonces[nonce_key] = (message, emu.nonce_clock())
        emu.tell("create", message)
        emu.dispatch(
            "MESSAGE_CREATE",
            {**message.payload(emu.root_url), "member": bot_member.payload(with_user=False)},
            guild_id=channel.guild.id,
        )
        emu.notifier.notify()
        if emu.hold_message_answers is not None:
            await emu.hold_message_answers.wait()
        return json_response(message.payload(emu.root_url))

    async def history(self, request: web.Request) -> web.Response:
        found = self._bot_channel(request)
        if isinstance(found, web.Response):
            return found
        limit = min(100, int(request.query.get("limit", "50")))
        newest_first = list(reversed(self.emu.sent_messages(found[0], include_interactions=True)))
        return json_response([m.payload(self.emu.root_url) for m in newest_first[:limit]])

    async def message(self, request: web.Request) -> web.StreamResponse:
        found = self._bot_channel(request)
        if isinstance(found, web.Response):
            return found
        channel, bot_member = found
        message = self.emu.messages.get(int(request.match_info["mid"]))
        if message is None or message.deleted or message.channel_id != channel.id or message.ephemeral:
            return unknown("Message", 10008)
        if request.method == "GET":
            return json_response(message.payload(self.emu.root_url))
        if request.method == "DELETE":
            delete_message(self.emu, message)
            self.emu.dispatch(
                "MESSAGE_DELETE",
                {"id": str(message.id), "channel_id": str(channel.id)},
                guild_id=channel.guild.id,
            )
            return web.Response(status=204)
        if message.author.id != bot_member.id:
            return error(403, "Cannot edit a message authored by another user", 50005)
        return edit_message(self.emu, request, message)

    async def attachment_bytes(self, request: web.Request) -> web.Response:
        """GET /attachments/{cid}/{aid}/{filename}: a file's bytes (outside the REST API, like Discord's CDN)."""
        message_attachments = (a for m in self.emu.messages.values() for a in m.attachments)
        wanted = int(request.match_info["aid"])
        for attachment in message_attachments:
            if attachment.id == wanted:
                return web.Response(
                    body=attachment.data, content_type=attachment.content_type or "application/octet-stream"
                )
        return web.Response(status=404)


def delete_message(emu: EmulatorState, message: Message) -> None:
    message.deleted = True
    emu.tell("delete", message)
    emu.notifier.notify()


def edit_message(
    emu: EmulatorState,
    request: web.Request,
    message: Message,
    then: Callable[[Message], None] | None = None,
) -> web.Response:
    """PATCH a message with the request's body (`then` runs once it is applied); answer it or the error."""
    body = request[BODY] or {}
    files: dict[int, Attachment] = request[FILES]
    errors = payload_limits.check_message(body, files=len(files), require_something=False)
    if errors:
        return emu.invalid_body(request, errors)
    message.apply(body, attachments_for(body, files), edit=True)
    if then is not None:
        then(message)
    emu.tell("edit", message)
    emu.notifier.notify()
    return json_response(message.payload(emu.root_url))
