"""What the emulator holds (its world, registered commands, interactions, messages, gateway sessions and
logs) and the few helpers every part of it shares: the REST routes, the gateway and the driver API."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Collection
from typing import Any

from aiohttp import web

from bot.sandbox.discord import payload_limits
from bot.sandbox.discord.gateway import GatewayConnection, GatewaySession
from bot.sandbox.discord.http import API_PREFIX, json_response
from bot.sandbox.discord.mentions import Pings, deliverable
from bot.sandbox.discord.records import (
    Interaction,
    Message,
    Notifier,
    RateLimitRule,
    RequestRecord,
    Violation,
)
from bot.sandbox.discord.snowflake import Permissions
from bot.sandbox.discord.world import BotAccount, Channel, Guild, User

log = logging.getLogger(__name__)

# Where an application's commands are registered: (application id, guild id or None for global ones).
Scope = tuple[int, int | None]


class EmulatorState:
    """The emulator's state. Parts of the emulator read and change it; tests read it to assert on."""

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
        self.left_guilds: list[tuple[int, int]] = []  # (bot user id, guild id) for each guild a bot left
        self.bots: dict[str, BotAccount] = {}
        # Registered commands: key None for global, else the guild id -> list of command objects.
        self.registered: dict[Scope, list[dict[str, Any]]] = {}
        self.command_syncs: list[Scope] = []

        self.interactions: list[Interaction] = []
        self.interactions_by_id: dict[int, Interaction] = {}
        self.interactions_by_token: dict[str, Interaction] = {}
        self.messages: dict[int, Message] = {}
        self.channel_messages: dict[int, list[Message]] = {}

        self.requests: list[RequestRecord] = []
        self.unknown_routes: list[str] = []
        self.violations: list[Violation] = []
        self.rate_limits: list[RateLimitRule] = []
        self.rate_limited = 0  # how many 429s were answered in all
        # Discord's enforce_nonce: a message sent again with the nonce of one the same bot created in the
        # channel within `nonce_window` seconds is answered with that message, not created twice.
        self.nonce_window = 300.0
        # The clock the nonce memory runs on (seconds); a test moves it past the window without waiting.
        self.nonce_clock: Callable[[], float] = time.monotonic
        self.nonce_repeats = 0  # how many sends were answered with an existing message
        self.nonces: dict[tuple[int, int, str], tuple[Message, float]] = {}
        # When an Event, POST /channels/{id}/messages creates the message, then waits for it to be set
        # before answering: a bot that dies meanwhile has posted a message it never heard back about.
        self.hold_message_answers: asyncio.Event | None = None

        self.sessions: dict[str, GatewaySession] = {}
        # What GET /gateway/bot answers as "shards"; above 1, an IDENTIFY without a shard is refused
        # (4011) and each guild's events go to the session of its shard only.
        self.shard_count = 1
        self.gateway_log: list[tuple[str, str]] = []  # (op name, session id) as the client sent them
        self.connections: set[GatewayConnection] = set()

        # Called with ("create" | "edit" | "delete", message) as messages appear and change: the
        # sandbox prints them; tests usually prefer wait_for_message.
        self.message_listeners: list[Callable[[str, Message], None]] = []

        self.notifier = Notifier()
        self.root_url = ""

    @property
    def base_url(self) -> str:
        return self.root_url + API_PREFIX

    @property
    def gateway_url(self) -> str:
        return f"ws://{self.host}:{self.port}/gateway"

    # --- the world -------------------------------------------------------------------------------
    def channel(self, channel_id: int) -> Channel | None:
        for guild in self.guilds.values():
            found = guild.channels.get(channel_id)
            if found is not None:
                return found
        return None

    def only_bot(self) -> BotAccount:
        if len(self.bots) != 1:
            raise RuntimeError(f"expected exactly one bot account, the emulator has {len(self.bots)}")
        return next(iter(self.bots.values()))

    def bot_user(self, application_id: int) -> User:
        for account in self.bots.values():
            if account.application_id == application_id:
                return account.user
        raise LookupError(f"no bot with application id {application_id}")

    def account(self, request: web.Request) -> BotAccount | None:
        """The bot whose token the request's Authorization header carries."""
        auth = request.headers.get("Authorization", "")
        if not auth.startswith("Bot "):
            return None
        return self.bots.get(auth.removeprefix("Bot "))

    # --- gateway sessions ------------------------------------------------------------------------
    def live_sessions(self) -> list[GatewaySession]:
        return [s for s in self.sessions.values() if not s.invalidated]

    def dispatch(self, event: str, data: dict[str, Any], *, guild_id: int | None = None) -> None:
        """Send a dispatch event to every live session, or, for a guild's event, to those of its shard."""
        for session in self.live_sessions():
            if guild_id is None or session.covers(guild_id):
                session.dispatch(event, data)

    # --- messages --------------------------------------------------------------------------------
    def sent_messages(self, channel: Channel | int, *, include_interactions: bool = False) -> list[Message]:
        """Messages in the channel that still exist, oldest first; by default only those the bot
        posted through POST /channels/{id}/messages, not interaction answers."""
        channel_id = channel.id if isinstance(channel, Channel) else channel
        return [
            m
            for m in self.channel_messages.get(channel_id, [])
            if not m.deleted and (include_interactions or m.interaction_id is None)
        ]

    def pinging_messages(self) -> list[Message]:
        """Every message (channel posts and interaction answers, deleted or not) any version of which
        would have pinged someone, as Discord decides it from content and allowed_mentions."""
        return [m for m in self.messages.values() if m.ever_pinged]

    def notified(self, message: Message) -> Pings:
        """Whom Discord notifies of the message's allowed pings: its author's Mention Everyone permission in
        the channel and the guild's mentionable roles decide (mentions.deliverable)."""
        channel = self.channel(message.channel_id)
        member = channel.guild.members.get(message.author.id) if channel is not None else None
        if channel is None or member is None:
            return message.pings
        return deliverable(
            message.pings,
            mention_everyone=bool(member.permissions_in(channel) & Permissions.MENTION_EVERYONE),
            mentionable=[r.id for r in channel.guild.roles.values() if r.mentionable],
        )

    def stray_pings(self, roles: Collection[int] = ()) -> list[Message]:
        """Every message any version of which pinged someone other than `roles`: @everyone/@here, a user,
        or another role (what a test that configured those role pings still fails on)."""
        expected = frozenset(roles)
        return [
            m
            for m in self.messages.values()
            if any(p.everyone or p.users or not p.roles <= expected for p in m.ever_pinged)
        ]

    def store(self, message: Message) -> None:
        self.messages[message.id] = message
        self.channel_messages.setdefault(message.channel_id, []).append(message)

    def tell(self, event: str, message: Message) -> None:
        """Tell the message listeners that `message` was created, edited or deleted."""
        if event != "delete":
            message.notified = self.notified(message)
        for listener in list(self.message_listeners):
            try:
                listener(event, message)
            except Exception:
                log.exception("discord emulator: message listener failed")

    # --- what Discord would refuse ---------------------------------------------------------------
    def violate(self, kind: str, request: web.Request, detail: str) -> None:
        route = f"{request.method} {request.path.removeprefix(API_PREFIX)}"
        log.warning("discord emulator: %s on %s: %s", kind, route, detail)
        self.violations.append(Violation(kind=kind, route=route, detail=detail))

    def invalid_body(self, request: web.Request, errors: list[payload_limits.FieldError]) -> web.Response:
        self.violate("invalid-body", request, "; ".join(e.describe() for e in errors))
        return json_response(payload_limits.error_body(errors), 400)
