"""The test-driving API of the emulator: act as a member (commands, autocomplete, buttons, modals), wait for what
the bot does, break its gateway connection, and assert that it did nothing Discord would refuse."""

# The test-driving API takes timeout= on purpose: a timeout error names what the test waited for.
# ruff: noqa: ASYNC109

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from bot.sandbox.discord import commands as command_schema
from bot.sandbox.discord.gateway import INVALID_SESSION, RECONNECT, GatewayConnection, GatewaySession
from bot.sandbox.discord.records import Interaction, Message, RateLimitRule, RequestRecord, Violation
from bot.sandbox.discord.snowflake import new_snowflake
from bot.sandbox.discord.state import EmulatorState
from bot.sandbox.discord.world import BotAccount, Channel, Guild, Member

ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024


class EmulatorDriver(EmulatorState):
    """What a test (or the sandbox's prompt) does with the emulator, on top of its state."""

    # --- registered commands ---------------------------------------------------------------------
    def commands(
        self, guild: Guild | int | None = None, account: BotAccount | None = None
    ) -> list[dict[str, Any]]:
        """The commands the bot registered: global ones, or those of one guild."""
        account = account or self.only_bot()
        guild_id = guild.id if isinstance(guild, Guild) else guild
        return list(self.registered.get((account.application_id, guild_id), []))

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
        return await self.notifier.wait_until(probe, timeout, what)

    async def wait_until_connected(self, timeout: float = 5.0) -> GatewaySession:
        """Wait until a bot has identified and been sent READY and its guilds."""

        def probe() -> GatewaySession | None:
            live = reversed(self.live_sessions())
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
        session = self._session_for_invoke(member.guild.id)
        built = command_schema.build(
            self.visible_commands(member.guild, session.account), command, given, member=member, channel=where
        )
        record = self._new_interaction(2, member, where, session, " ".join(built.path), given)
        return self._send_interaction(record, session, built.data)

    def post_as(self, member: Member, content: str, channel: Channel | None = None) -> Message:
        """A chat message `member` types in `channel` (default: the guild's first text channel), for a
        message context menu to act on. Stored only: the bot has no message-content intent to see it.
        (`sent_messages` lists it among the channel's messages: filter on the author when that matters.)"""
        where = self._channel_for(member, channel)
        message = Message(
            id=new_snowflake(),
            channel_id=where.id,
            guild_id=where.guild.id,
            author=member.user,
            content=content,
        )
        self.store(message)
        return message

    async def invoke_message_menu(self, member: Member, name: str, message: Message) -> Interaction:
        """Use the message context-menu command `name` ("Apps" → name) on `message` as `member`: an
        interaction of type 2 whose data has type 3, the message's id as target_id and the message in
        resolved.messages, as Discord sends it."""
        if message.deleted:
            raise command_schema.InvalidInvocation(f"message {message.id} was deleted")
        where = self.channel(message.channel_id)
        if where is None or where.guild is not member.guild:
            raise command_schema.InvalidInvocation(f"message {message.id} is not in {member.name}'s guild")
        session = self._session_for_invoke(where.guild.id)
        commands = self.visible_commands(member.guild, session.account)
        command = command_schema.find_context_menu(commands, name, kind=command_schema.MESSAGE_MENU)
        command_schema.check_member_may_use(command, member, where)
        data: dict[str, Any] = {
            "id": str(command["id"]),
            "name": command["name"],
            "type": command_schema.MESSAGE_MENU,
            "target_id": str(message.id),
            "resolved": {"messages": {str(message.id): message.payload(self.root_url)}},
        }
        if command.get("guild_id"):
            data["guild_id"] = str(command["guild_id"])
        record = self._new_interaction(2, member, where, session, name, {"target_id": message.id})
        return self._send_interaction(record, session, data)

    def parse_invocation(self, member: Member, line: str) -> tuple[str, dict[str, Any]]:
        """Split a typed command (`/limits set action:like daily:40`) into the command path and option
        values of the right types, for `invoke`; the sandbox's prompt uses it."""
        session = self._session_for_invoke(member.guild.id)
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
        session = self._session_for_invoke(member.guild.id)
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
        session = self._session_for_invoke(where.guild.id)
        record = self._new_interaction(3, member, where, session, custom_id, {}, target=message)
        data = {"custom_id": custom_id, "component_type": 2}
        return self._send_interaction(record, session, data)

    async def submit_modal(
        self, opened: Interaction, values: dict[str, str] | None = None, *, timeout: float = 5.0, **typed: str
    ) -> Interaction:
        """Fill in and submit the modal `opened`'s callback showed, as the member it was shown to.

        `values` and keywords are what is typed into each field, named by custom_id or label; a field not
        given keeps its pre-filled value. Sends a MODAL_SUBMIT interaction (type 5) whose data has the
        modal's custom_id and its components in the documented shape, each text input with its value.
        Raises InvalidInvocation when Discord's form would not submit (a required field empty, a value
        outside min_length/max_length, an unknown field, the modal already submitted)."""
        modal = await opened.wait_for_modal(timeout)
        if modal.submitted:
            raise command_schema.InvalidInvocation(f"the modal {modal.title!r} was already submitted")
        filled = modal.values({**(values or {}), **typed})
        data = {"custom_id": modal.custom_id, "components": modal.submission(filled)}
        session = self._session_for_invoke(opened.member.guild.id)
        record = self._new_interaction(
            5, opened.member, opened.channel, session, modal.custom_id, filled, target=opened.target
        )
        record.opened_by = opened
        modal.submitted = True
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

    def _session_for_invoke(self, guild_id: int) -> GatewaySession:
        """The newest live session that receives `guild_id`'s events (its shard's, when sharded)."""
        live = [s for s in self.live_sessions() if s.covers(guild_id)]
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
            notifier=self.notifier,
            target=target,
        )
        self.interactions.append(record)
        self.interactions_by_id[record.id] = record
        self.interactions_by_token[record.token] = record
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

    # --- the gateway connection ------------------------------------------------------------------
    def _current_connection(self) -> GatewayConnection:
        for session in reversed(self.live_sessions()):
            if session.connection is not None:
                return session.connection
        raise RuntimeError("no bot is connected to the gateway")

    @property
    def identify_count(self) -> int:
        return sum(1 for op, _ in self.gateway_log if op == "IDENTIFY")

    @property
    def resume_count(self) -> int:
        return sum(1 for op, _ in self.gateway_log if op == "RESUME")

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
