"""REST: answering interactions (the callback) and their follow-ups through the interaction webhook."""

from __future__ import annotations

import time
from typing import Any

from aiohttp import web

from bot.sandbox.discord import http, modals, payload_limits
from bot.sandbox.discord.records import EPHEMERAL, LOADING, Attachment, Callback, Interaction, Message
from bot.sandbox.discord.rest.channels import delete_message, edit_message
from bot.sandbox.discord.snowflake import new_snowflake

# The callback types Discord accepts for each interaction type (command, component, autocomplete, modal
# submit). A modal cannot answer a modal submit; updating a message (6, 7) answers only an interaction that
# came from a message's component (a modal submit does when a button opened its modal).
_ALLOWED_CALLBACKS = {2: {4, 5, 9}, 3: {4, 5, 6, 7, 9}, 4: {8}, 5: {4, 5, 6, 7}}
_UPDATES = {6, 7}


class InteractionRoutes(http.Resource):
    """Interaction callbacks and the interaction webhook."""

    def _refused_callback(self, request: web.Request, record: Interaction) -> web.Response | None:
        """The answer Discord gives to a callback it refuses (and the violation it records), or None."""
        emu = self.emu
        elapsed = time.monotonic() - record.sent_at
        if elapsed > emu.token_lifetime:
            emu.violate("expired-token", request, f"callback {elapsed:.0f}s after the interaction")
            return http.unknown("interaction", 10062)
        if record.callbacks:
            emu.violate("double-ack", request, f"second callback to {record!r}")
            return http.error(400, "Interaction has already been acknowledged.", 40060)
        if elapsed > emu.callback_deadline:
            emu.violate("late-callback", request, f"first callback after {elapsed:.2f}s (Discord allows 3s)")
            if emu.strict_deadlines:
                return http.unknown("interaction", 10062)
        return None

    async def callback(self, request: web.Request) -> web.StreamResponse:
        emu = self.emu
        record = emu.interactions_by_id.get(int(request.match_info["iid"]))
        if record is None or record.token != request.match_info["token"]:
            return http.unknown("interaction", 10062)
        refused = self._refused_callback(request, record)
        if refused is not None:
            return refused

        body = request[http.BODY] or {}
        kind = int(body.get("type", 0))
        data: dict[str, Any] = body.get("data") or {}
        files: dict[int, Attachment] = request[http.FILES]
        if kind not in _ALLOWED_CALLBACKS[record.type] or (kind in _UPDATES and record.target is None):
            if record.type == 4:
                emu.violate("autocomplete-deferred", request, f"autocomplete answered with type {kind}")
            else:
                emu.violate(
                    "bad-callback-type", request, f"type {kind} to an interaction of type {record.type}"
                )
            return http.error(400, "Interaction response type is invalid for this interaction", 50035)
        if kind in (4, 7):
            errors = payload_limits.check_message(data, files=len(files), require_something=kind == 4)
        elif kind == 8:
            errors = payload_limits.check_choices(data.get("choices") or [])
        elif kind == 9:
            errors = modals.check_modal(data)
        else:
            errors = []
        if errors:
            return emu.invalid_body(request, errors)

        message = self._apply_callback(record, kind, data, http.attachments_for(data, files))
        record.callbacks.append(Callback(type=kind, data=data, at=time.monotonic()))
        emu.notifier.notify()

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
            answer["resource"] = {"type": kind, "message": message.payload(emu.root_url)}
        return http.json_response(answer)

    def _apply_callback(
        self, record: Interaction, kind: int, data: dict[str, Any], new_files: list[Attachment]
    ) -> Message | None:
        """What an accepted callback of type `kind` shows: the message it creates or edits, if any."""
        message: Message | None = None
        if kind == 4:
            message = self._interaction_message(record, int(data.get("flags") or 0) & ~LOADING)
            message.apply(data, new_files, edit=False)
            record.original = message
            record._show(message)
            self.emu.tell("create", message)
        elif kind == 5:
            message = self._interaction_message(record, LOADING | (int(data.get("flags") or 0) & EPHEMERAL))
            record.original = message
            self.emu.tell("create", message)
        elif kind == 6:
            record.original = record.target
        elif kind == 7:
            assert record.target is not None
            record.target.apply(data, new_files, edit=True)
            record.original = message = record.target
            record._show(message)
            self.emu.tell("edit", message)
        elif kind == 8:
            record.choices = list(data.get("choices") or [])
        elif kind == 9:
            record.modal = modals.Modal.from_callback(data)
        return message

    def _interaction_message(self, record: Interaction, flags: int) -> Message:
        message = Message(
            id=new_snowflake(),
            channel_id=record.channel.id,
            guild_id=record.member.guild.id,
            author=self.emu.bot_user(record.application_id),
            flags=flags,
            webhook_id=record.application_id,
            interaction_id=record.id,
        )
        self.emu.store(message)
        return message

    def _interaction_for_webhook(self, request: web.Request) -> Interaction | web.Response:
        emu = self.emu
        record = emu.interactions_by_token.get(request.match_info["token"])
        if record is None or str(record.application_id) != request.match_info["app"]:
            return http.unknown("Webhook", 10015)
        if time.monotonic() - record.sent_at > emu.token_lifetime:
            emu.violate("expired-token", request, f"interaction token used after {emu.token_lifetime:g}s")
            return http.error(401, "Invalid Webhook Token", 50027)
        if not record.callbacks:
            emu.violate("followup-before-ack", request, f"{record!r} was never acknowledged")
            return http.unknown("Webhook", 10015)
        return record

    async def webhook_execute(self, request: web.Request) -> web.StreamResponse:
        record = self._interaction_for_webhook(request)
        if isinstance(record, web.Response):
            return record
        body = request[http.BODY] or {}
        files: dict[int, Attachment] = request[http.FILES]
        errors = payload_limits.check_message(body, files=len(files))
        if errors:
            return self.emu.invalid_body(request, errors)
        new_files = http.attachments_for(body, files)
        original = record.original
        if original is not None and original.loading and not original.deleted:
            # Discord turns the first follow-up after a deferral into the deferred message itself,
            # keeping the deferral's ephemerality whatever the follow-up asked for (once the placeholder
            # is deleted, a follow-up is a message of its own again).
            original.flags &= ~LOADING
            keep = original.flags & EPHEMERAL
            original.apply({k: v for k, v in body.items() if k != "flags"}, new_files, edit=False)
            original.flags = keep | (int(body.get("flags") or 0) & ~(EPHEMERAL | LOADING))
            message = original
            self.emu.tell("edit", message)
        else:
            message = self._interaction_message(record, int(body.get("flags") or 0))
            message.apply(body, new_files, edit=False)
            self.emu.tell("create", message)
        record.followups.append(message)
        record._show(message)
        self.emu.notifier.notify()
        if request.query.get("wait", "").lower() in ("1", "true"):
            return http.json_response(message.payload(self.emu.root_url))
        return web.Response(status=204)

    async def webhook_message(self, request: web.Request) -> web.StreamResponse:
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
            return http.unknown("Message", 10008)
        if request.method == "GET":
            return http.json_response(message.payload(self.emu.root_url))
        if request.method == "DELETE":
            delete_message(self.emu, message)
            return web.Response(status=204)

        def shown(edited: Message) -> None:
            edited.flags &= ~LOADING
            record._show(edited)

        return edit_message(self.emu, request, message, then=shown)
