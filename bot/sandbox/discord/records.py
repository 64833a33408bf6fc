"""What the emulator remembers for tests to assert on: messages, interactions, requests, violations."""

# The test-driving API takes timeout= on purpose: a timeout error names what the test waited for.
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from bot.sandbox.discord.mentions import Pings, mention_text, pings
from bot.sandbox.discord.snowflake import iso, new_snowflake

if TYPE_CHECKING:
    from bot.sandbox.discord.modals import Modal
    from bot.sandbox.discord.world import Channel, Member, User

T = TypeVar("T")

EPHEMERAL = 1 << 6
LOADING = 1 << 7
POLL_INTERVAL = 0.02


class Notifier:
    """Wakes every waiter whenever the emulator's state changes; waiters re-check their condition."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait_until(self, probe: Callable[[], T | None], timeout: float, what: str) -> T:
        """Return probe()'s first non-None answer; raise TimeoutError naming `what` after `timeout` s."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            result = probe()
            if result is not None:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"timed out after {timeout:g}s waiting for {what}")
            event = self._event
            try:
                # Also re-check now and then: probes may look at state outside the emulator (the bot's).
                await asyncio.wait_for(event.wait(), min(remaining, POLL_INTERVAL))
            except TimeoutError:
                pass


@dataclass(eq=False)
class Attachment:
    """A file the bot uploaded, bytes and all."""

    id: int
    filename: str
    data: bytes
    content_type: str | None = None
    description: str | None = None

    @property
    def size(self) -> int:
        return len(self.data)

    def payload(self, base_url: str, channel_id: int) -> dict[str, Any]:
        url = f"{base_url}/attachments/{channel_id}/{self.id}/{self.filename}"
        return {
            "id": str(self.id),
            "filename": self.filename,
            "size": self.size,
            "url": url,
            "proxy_url": url,
            "content_type": self.content_type,
            "description": self.description,
        }


@dataclass(eq=False)
class Message:
    """A message as the users see it: in a channel, an interaction response, or a follow-up."""

    id: int
    channel_id: int
    guild_id: int | None
    author: User
    content: str = ""
    embeds: list[dict[str, Any]] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    components: list[dict[str, Any]] = field(default_factory=list)
    flags: int = 0
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    edited_at: datetime | None = None
    deleted: bool = False
    # Set on messages made through an interaction (the application's webhook).
    webhook_id: int | None = None
    interaction_id: int | None = None
    edits: int = 0
    # Who the message pings now, and who any of its versions (created or edited) would have pinged.
    pings: Pings = field(default_factory=Pings)
    ever_pinged: list[Pings] = field(default_factory=list)
    # Of `pings`, who Discord notifies: mentionable roles only, unless the author may mention everyone
    # (mentions.deliverable; set by the emulator, which knows the guild, when the message is shown).
    notified: Pings = field(default_factory=Pings)

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & EPHEMERAL)

    @property
    def loading(self) -> bool:
        """A deferred response's "is thinking..." placeholder that nothing has replaced yet."""
        return bool(self.flags & LOADING)

    @property
    def custom_ids(self) -> list[str]:
        """custom_id of every component on the message, in order."""
        ids: list[str] = []
        for row in self.components:
            for item in row.get("components", [row]):
                if "custom_id" in item:
                    ids.append(item["custom_id"])
        return ids

    def apply(self, body: dict[str, Any], new_files: list[Attachment], *, edit: bool) -> None:
        """Take a create or edit body: fields present replace the old ones; `attachments` keeps by id."""
        if "content" in body:
            self.content = body["content"] or ""
        if "embeds" in body:
            self.embeds = list(body["embeds"] or [])
        if "components" in body:
            self.components = list(body["components"] or [])
        if "content" in body or "allowed_mentions" in body or "components" in body:
            self.pings = pings(
                mention_text(self.content, self.components),
                body.get("allowed_mentions"),
                webhook=self.webhook_id is not None,
            )
            if self.pings:
                self.ever_pinged.append(self.pings)
        if "flags" in body and body["flags"] is not None:
            # An edit can only touch suppress-embeds; ephemerality is fixed when the message is made.
            self.flags = (
                (self.flags & EPHEMERAL) | (int(body["flags"]) & ~EPHEMERAL) if edit else int(body["flags"])
            )
        if edit:
            keep = body.get("attachments")
            if keep is not None:
                kept_ids = {str(a.get("id")) for a in keep}
                self.attachments = [a for a in self.attachments if str(a.id) in kept_ids]
            self.edited_at = datetime.now(UTC)
            self.edits += 1
        self.attachments.extend(new_files)

    def payload(self, base_url: str) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "type": 0 if self.interaction_id is None else 20,
            "channel_id": str(self.channel_id),
            "author": self.author.payload(),
            "content": self.content,
            "timestamp": iso(self.created_at),
            "edited_timestamp": iso(self.edited_at) if self.edited_at else None,
            "tts": False,
            "mention_everyone": self.pings.everyone,
            "mentions": [
                {"id": str(u), "username": str(u), "discriminator": "0", "avatar": None}
                for u in sorted(self.pings.users)
            ],
            "mention_roles": [str(r) for r in sorted(self.pings.roles)],
            "attachments": [a.payload(base_url, self.channel_id) for a in self.attachments],
            "embeds": self.embeds,
            "components": self.components,
            "pinned": False,
            "flags": self.flags,
        }
        if self.guild_id is not None:
            data["guild_id"] = str(self.guild_id)
        if self.webhook_id is not None:
            data["webhook_id"] = str(self.webhook_id)
            data["application_id"] = str(self.webhook_id)
        return data


@dataclass(frozen=True)
class Callback:
    """One POST to /interactions/{id}/{token}/callback."""

    type: int
    data: dict[str, Any]
    at: float  # time.monotonic()


@dataclass(eq=False, kw_only=True)
class Interaction:
    """An interaction the emulator sent the bot, and everything the bot answered to it.

    The awaitable methods wait for the bot; the properties describe the message the user ends up seeing
    (the response, or after a deferral the first follow-up or edit of the original).
    """

    type: int
    member: Member
    channel: Channel
    application_id: int
    name: str
    options: dict[str, Any]
    notifier: Notifier
    target: Message | None = None  # the message a pressed component is on
    id: int = field(init=False, default_factory=new_snowflake)
    token: str = field(init=False)
    payload: dict[str, Any] = field(init=False, default_factory=dict)
    sent_at: float = field(init=False, default_factory=time.monotonic)
    callbacks: list[Callback] = field(init=False, default_factory=list)
    original: Message | None = field(init=False, default=None)
    followups: list[Message] = field(init=False, default_factory=list)
    choices: list[dict[str, Any]] | None = field(init=False, default=None)
    modal: Modal | None = field(init=False, default=None)  # the modal a MODAL callback (type 9) opened
    opened_by: Interaction | None = field(init=False, default=None)  # for a MODAL_SUBMIT: what opened it
    _visible: Message | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.token = f"emu-{self.id}-{new_snowflake():x}"

    def __repr__(self) -> str:
        return f"<Interaction {self.name!r} type={self.type} id={self.id} callbacks={len(self.callbacks)}>"

    @property
    def acknowledged(self) -> bool:
        return bool(self.callbacks)

    @property
    def latency_ms(self) -> float | None:
        """Milliseconds from sending the interaction to the bot's first callback."""
        if not self.callbacks:
            return None
        return (self.callbacks[0].at - self.sent_at) * 1000

    @property
    def deferred(self) -> bool:
        return bool(self.callbacks) and self.callbacks[0].type in (5, 6)

    async def response(self, timeout: float = 5.0) -> Callback:
        """The bot's first callback."""
        return await self.notifier.wait_until(
            lambda: self.callbacks[0] if self.callbacks else None, timeout, f"a callback to {self!r}"
        )

    async def final(self, timeout: float = 5.0) -> Message:
        """The message the user ends up seeing."""
        await self.response(timeout)
        if self.callbacks[0].type == 8:
            raise TypeError("an autocomplete interaction has choices, not a message: use .choices")
        if self.callbacks[0].type == 9:
            raise TypeError(
                f"{self!r} opened a modal, not a message: use .wait_for_modal() and submit_modal()"
            )
        return await self.notifier.wait_until(
            lambda: self._visible, timeout, f"the message answering {self!r}"
        )

    async def wait_for_modal(self, timeout: float = 5.0) -> Modal:
        """The modal the bot's first callback opened; TypeError when it answered otherwise."""
        callback = await self.response(timeout)
        if self.modal is None:
            raise TypeError(f"{self!r} was answered with callback type {callback.type}, not a modal (9)")
        return self.modal

    async def wait_for_followups(self, count: int, timeout: float = 5.0) -> list[Message]:
        return await self.notifier.wait_until(
            lambda: list(self.followups) if len(self.followups) >= count else None,
            timeout,
            f"{count} follow-up(s) to {self!r}",
        )

    # The answer as the user sees it (raises until the bot has produced one).
    @property
    def message(self) -> Message:
        if self._visible is None:
            raise LookupError(f"{self!r} has no visible answer yet: await .final() first")
        return self._visible

    @property
    def content(self) -> str:
        return self.message.content

    @property
    def embeds(self) -> list[dict[str, Any]]:
        return self.message.embeds

    @property
    def attachments(self) -> list[Attachment]:
        return self.message.attachments

    @property
    def components(self) -> list[dict[str, Any]]:
        return self.message.components

    @property
    def ephemeral(self) -> bool:
        return self.message.ephemeral

    def _show(self, message: Message) -> None:
        if self._visible is None:
            self._visible = message


@dataclass
class RateLimitRule:
    """Answer 429 to the next `times` requests whose "METHOD /path" contains `route`."""

    route: str
    times: int
    retry_after: float = 0.2
    global_: bool = False
    hits: int = 0

    @property
    def exhausted(self) -> bool:
        return self.hits >= self.times


@dataclass(frozen=True)
class RequestRecord:
    """One REST request and the status the emulator answered."""

    method: str
    path: str  # below the API base, e.g. /channels/123/messages
    query: dict[str, str]
    status: int
    body: Any
    files: tuple[str, ...]
    at: datetime

    @property
    def route(self) -> str:
        return f"{self.method} {self.path}"


@dataclass(frozen=True)
class Violation:
    """Something Discord would have refused or punished (an invalid body, a late answer...)."""

    kind: str
    route: str
    detail: str
    at: datetime = field(default_factory=lambda: datetime.now(UTC))
