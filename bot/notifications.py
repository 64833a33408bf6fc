"""The outbox dispatcher: sends pending notifications, batched per channel, through a NotificationSender.

Delivery is at least once. A batch is marked sent only after the sender returned its message id; a process
that dies between the two leaves the batch's lease to expire, and the next dispatcher sends that batch
again (at most that batch: each batch is marked before the next one is sent). Every other write is
idempotent through the rows' dedupe keys (ON CONFLICT DO NOTHING), so a check recorded twice still makes
one row, and a row is never marked twice (`sent_at IS NULL` guards the update).

That one resend is made harmless too: each batch's nonce is written to its rows before the send, and a
sender that takes a nonce (DiscordSender) passes it with `enforce_nonce`, so Discord answers a resend
within its nonce window (a few minutes) with the message it already created. A row keeps its first nonce,
and rows that share one are sent together again, so the resend is the same batch whatever else is pending.
Since Discord forgets a nonce after a few minutes, a batch sent before (its outcome unknown) is first looked
for among the channel's recent messages (a sender's `find_sent`: the same embeds from this bot); found, its
rows are marked with that message and nothing is sent again.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Protocol

import asyncpg
from pydantic import ValidationError

from bot import notices, outbox_routes
from bot.clock import Clock
from bot.errors import ChannelBroken, NotificationFailed
from bot.notices import Notice
from bot.outbox_routes import Routed
from db import outbox as db_outbox
from db.outbox import OutboxRow

log = logging.getLogger(__name__)

Embed = dict[str, Any]
# How the dispatcher turns a notice into an embed: the presentation's (bot/render/notices.render_notice).
Render = Callable[[Notice], Embed]
# The buttons (message components JSON) under a notice, which then goes as a message of its own; None: none.
Buttons = Callable[[Notice], list[dict[str, Any]] | None]
# Discord's limits: 10 embeds a message, and 6,000 characters over all of a message's embeds.
MAX_EMBEDS = 10
MAX_MESSAGE_CHARS = 6000


def embed_chars(embed: dict[str, Any]) -> int:
    """Characters Discord counts toward a message's 6,000 (title, description, fields, footer, author)."""
    total = len(embed.get("title") or "") + len(embed.get("description") or "")
    total += len((embed.get("footer") or {}).get("text") or "")
    total += len((embed.get("author") or {}).get("name") or "")
    for f in embed.get("fields") or []:
        total += len(f.get("name") or "") + len(f.get("value") or "")
    return total


def chunk_embeds(
    embeds: list[Embed], max_embeds: int = MAX_EMBEDS, max_chars: int = MAX_MESSAGE_CHARS
) -> list[list[int]]:
    """Groups of embed positions that fit in one message each (≤10 embeds, ≤6,000 characters)."""
    groups: list[list[int]] = []
    current: list[int] = []
    chars = 0
    for i, embed in enumerate(embeds):
        size = embed_chars(embed)
        if current and (len(current) >= max_embeds or chars + size > max_chars):
            groups.append(current)
            current, chars = [], 0
        current.append(i)
        chars += size
    if current:
        groups.append(current)
    return groups


__all__ = [
    "ChannelBroken",
    "DispatchReport",
    "NotificationFailed",
    "NotificationSender",
    "chunk_embeds",
    "OutboxDispatcher",
    "RecordingSender",
    "SentMessage",
]


class NotificationSender(Protocol):
    """Posts embeds to a channel; the Discord implementation wraps discord.py's REST client.

    `send` returns the created message's id. It raises ChannelBroken when the channel is deleted or the
    bot may not post there (404, 403: retrying will not help), and NotificationFailed (with `retry_after`
    when known) for anything that may work later (429, 5xx, network). A sender whose `send` also takes a
    keyword `nonce: str` is given the batch's nonce, to send with Discord's `enforce_nonce`, and one that
    takes `components` is given a notice's buttons (message components JSON), and one that takes `files` a
    row's files ((name, bytes) pairs, outbox_files), to attach. A batch whose notices ping
    roles (bot/outbox_routes.py) is sent with `roles`: the message mentions and allows exactly those, and
    nobody else.
    """

    async def send(
        self, channel_id: int, embeds: list[dict[str, Any]], *, roles: Sequence[int] = ()
    ) -> int: ...


@dataclass(frozen=True, slots=True)
class SentMessage:
    channel_id: int
    message_id: int
    embeds: list[dict[str, Any]]
    components: list[dict[str, Any]] | None = None
    roles: tuple[int, ...] = ()  # the roles the message pings
    files: tuple[tuple[str, bytes], ...] = ()  # attachments: (name, bytes)


class RecordingSender:
    """A sender that keeps every message in memory (tests, the CLI, and a sandbox without Discord).

    `broken` channels raise ChannelBroken; `failing` counts down transient failures per channel.
    """

    def __init__(self) -> None:
        self.messages: list[SentMessage] = []
        self.broken: set[int] = set()
        self.failing: dict[int, int] = {}
        self._next_id = 1_000_000

    async def send(
        self,
        channel_id: int,
        embeds: list[dict[str, Any]],
        components: list[dict[str, Any]] | None = None,
        *,
        roles: Sequence[int] = (),
        files: Sequence[tuple[str, bytes]] = (),
    ) -> int:
        if channel_id in self.broken:
            raise ChannelBroken(f"channel {channel_id} is gone", channel_id=channel_id)
        if self.failing.get(channel_id, 0) > 0:
            self.failing[channel_id] -= 1
            raise NotificationFailed("Discord answered 503", retry_after=1.0)
        self._next_id += 1
        self.messages.append(
            SentMessage(channel_id, self._next_id, list(embeds), components, tuple(roles), tuple(files))
        )
        return self._next_id

    def in_channel(self, channel_id: int) -> list[SentMessage]:
        return [m for m in self.messages if m.channel_id == channel_id]


@dataclass(slots=True)
class DispatchReport:
    messages: int = 0
    rows_sent: int = 0
    rows_dropped: int = 0
    rows_retried: int = 0
    rows_invalid: int = 0
    broken_channels: list[int] = field(default_factory=list)


class OutboxDispatcher:
    """Claims pending outbox rows (SKIP LOCKED, with a lease), resolves each row's channel, sends the rows
    of one channel as messages of at most 10 embeds, at most one message a second per channel, and marks
    the rows sent after the sender returned.

    Channel of a row (bot/outbox_routes.py): its channel_id, else its alert kind's route, else its guild's
    notify_channel_id, else `default_channel_id` (NOTIFY_CHANNEL_ID); a message pings exactly the route and
    watch roles of its rows. A route or guild channel marked broken is skipped (the rows wait, with
    last_error) until an admin sets a channel; a row with no channel at all is dropped with last_error.
    A row whose payload no longer fits its kind's model (bot/notices.py) is set aside the same way, with
    the validation error as last_error, and logged once: it is never claimed again.

    `render` is the presentation's embed of a notice (bot/render/notices.render_notice).
    """

    def __init__(
        self,
        pool: asyncpg.Pool,
        sender: NotificationSender,
        clock: Clock,
        *,
        render: Render,
        buttons: Buttons | None = None,
        default_channel_id: int | None = None,
        team_guilds: frozenset[int] | None = None,
        claim_limit: int = 200,
        lease: timedelta = timedelta(minutes=2),
        channel_interval: float = 1.0,
        retry_base: timedelta = timedelta(seconds=30),
        retry_max: timedelta = timedelta(minutes=30),
        broken_retry: timedelta = timedelta(minutes=10),
    ) -> None:
        self.pool = pool
        self.sender = sender
        self.clock = clock
        self.render = render
        self.buttons = buttons
        self.default_channel_id = default_channel_id
        self.team_guilds = team_guilds  # TEAM_GUILD_IDS: whose alert routes a row of no guild follows
        self.claim_limit = claim_limit
        self.lease = lease
        self.channel_interval = channel_interval
        self.runs = 0
        self.retry_base = retry_base
        self.retry_max = retry_max
        self.broken_retry = broken_retry
        # Real time, not the clock: Discord's rate limits run on the wall clock even in a sped-up sandbox.
        self._last_sent: dict[int, float] = {}
        self._channel_locks: dict[int, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._sender_takes_nonce = "nonce" in inspect.signature(sender.send).parameters
        self._sender_takes_buttons = "components" in inspect.signature(sender.send).parameters
        self._sender_takes_files = "files" in inspect.signature(sender.send).parameters
        self._sender_finds = callable(getattr(sender, "find_sent", None))

    async def run_once(self) -> DispatchReport:
        """Sends everything pending now; returns what it did."""
        report = DispatchReport()
        while True:
            now = self.clock.now()
            async with self.pool.acquire() as conn:
                rows = await db_outbox.claim_pending(conn, now, self.claim_limit, self.lease)
            if not rows:
                self.runs += 1  # runs finished: what a test waits on instead of sleeping
                return report
            valid = await self._validate(rows, report)
            by_channel = await self._route(valid, report)
            notice_of = {row.id: notice for row, notice in valid}
            await asyncio.gather(
                *(self._send_channel(ch, rs, notice_of, report) for ch, rs in by_channel.items())
            )

    async def _validate(
        self, rows: list[OutboxRow], report: DispatchReport
    ) -> list[tuple[OutboxRow, Notice]]:
        """Each row's notice; a row that does not validate is logged and set aside for good."""
        valid: list[tuple[OutboxRow, Notice]] = []
        invalid: list[tuple[OutboxRow, str]] = []
        for row in rows:
            try:
                valid.append((row, notices.parse(row.kind, row.payload)))
            except ValidationError as exc:
                problems = "; ".join(
                    f"{'.'.join(str(part) for part in e['loc']) or 'payload'}: {e['msg']}"
                    for e in exc.errors()[:5]
                )
                invalid.append((row, f"invalid {row.kind} notice: {problems}"))
        if invalid:
            now = self.clock.now()
            async with self.pool.acquire() as conn:
                for row, reason in invalid:
                    await db_outbox.drop(conn, [row.id], reason, now)
                    log.error("outbox row %s set aside, it will not be sent: %s", row.id, reason)
            report.rows_invalid += len(invalid)
        return valid

    async def _route(
        self, valid: list[tuple[OutboxRow, Notice]], report: DispatchReport
    ) -> dict[int, list[Routed]]:
        """Each row's channel and pings (bot/outbox_routes.py); rows whose channel is marked broken wait,
        rows with nowhere to go are dropped."""
        now = self.clock.now()
        async with self.pool.acquire() as conn:
            routes = await outbox_routes.plan(
                conn, valid, default_channel_id=self.default_channel_id, team_guilds=self.team_guilds
            )
            for why, waiting in routes.waiting.items():
                await db_outbox.release(conn, waiting, now + self.broken_retry, why)
                report.rows_retried += len(waiting)
            if routes.nowhere:
                await db_outbox.drop(
                    conn, routes.nowhere, "no notification channel (guild or NOTIFY_CHANNEL_ID)", now
                )
                report.rows_dropped += len(routes.nowhere)
                log.info("dropped %d notifications: no channel configured", len(routes.nowhere))
        return routes.by_channel

    async def _send_channel(
        self, channel_id: int, routed: list[Routed], notice_of: dict[int, Notice], report: DispatchReport
    ) -> None:
        rows = [row for row, _ in routed]
        roles_of = {row.id: dest.roles for row, dest in routed}
        embeds = [self.render(notice_of[r.id]) for r in rows]
        buttons = [self.buttons(notice_of[r.id]) if self.buttons else None for r in rows]
        files: dict[int, list[tuple[str, bytes]]] = {}
        if any(r.has_files for r in rows):
            async with self.pool.acquire() as conn:
                files = await db_outbox.files_of(conn, [r.id for r in rows if r.has_files])
        async with self._channel_locks[channel_id]:
            alone = [bool(b) or r.has_files for r, b in zip(rows, buttons, strict=True)]
            groups, nonces = await self._batches(rows, embeds, alone)
            for n, group in enumerate(groups):
                batch = [rows[i] for i in group]
                fresh = [r.id for r in batch if r.send_nonce is None]
                if fresh:  # written before the send, so a resend after a crash repeats it
                    async with self.pool.acquire() as conn:
                        await db_outbox.stamp_nonces(conn, fresh, [nonces[n]] * len(fresh))
                await self._pace(channel_id)
                try:
                    group_embeds = [embeds[i] for i in group]
                    # Sent before with an unknown outcome (a crash, a failure after the request left):
                    # look for it in the channel first, since Discord forgets a nonce after minutes.
                    found = await self._already_sent(channel_id, batch, group_embeds)
                    extra: dict[str, Any] = {"nonce": nonces[n]} if self._sender_takes_nonce else {}
                    if self._sender_takes_buttons and len(group) == 1 and buttons[group[0]]:
                        extra["components"] = buttons[group[0]]
                    if self._sender_takes_files and len(group) == 1 and files.get(batch[0].id):
                        extra["files"] = files[batch[0].id]
                    # The message pings exactly the roles of its notices (none: nobody).
                    roles = sorted({role for r in batch for role in roles_of[r.id]})
                    if roles:
                        extra["roles"] = roles
                    if found is not None:
                        message_id = found
                    else:
                        message_id = await self.sender.send(channel_id, group_embeds, **extra)
                except ChannelBroken as exc:
                    # Refused (404, 403): no message exists, so these rows may be batched afresh later.
                    async with self.pool.acquire() as conn:
                        await db_outbox.clear_nonces(conn, [r.id for r in batch])
                    refused = [routed[i] for g in groups[n:] for i in g]
                    await self._broken(channel_id, refused, str(exc), report)
                    return
                except NotificationFailed as exc:
                    rest = [r for g in groups[n:] for r in (rows[i] for i in g)]
                    await self._retry(rest, str(exc), exc.retry_after, report)
                    return
                except Exception as exc:  # an unexpected sender error is treated as transient
                    log.exception("sending to channel %s failed", channel_id)
                    rest = [r for g in groups[n:] for r in (rows[i] for i in g)]
                    await self._retry(rest, f"{type(exc).__name__}: {exc}", None, report)
                    return
                finally:
                    self._last_sent[channel_id] = time.monotonic()
                # The message exists now. A crash before this update resends this batch only, with its
                # nonce: Discord answers that with this message (enforce_nonce), so it shows once.
                async with self.pool.acquire() as conn:
                    await db_outbox.mark_sent(conn, [r.id for r in batch], message_id, self.clock.now())
                report.messages += 1
                report.rows_sent += len(batch)

    async def _already_sent(self, channel_id: int, batch: list[OutboxRow], embeds: list[Embed]) -> int | None:
        if not self._sender_finds or any(r.send_nonce is None for r in batch):
            return None
        found: int | None = await self.sender.find_sent(channel_id, embeds)  # type: ignore[attr-defined]
        if found is not None:
            log.info(
                "batch of %d notifications already in channel %s (message %s)", len(batch), channel_id, found
            )
        return found

    async def _batches(
        self, rows: list[OutboxRow], embeds: list[Embed], alone: list[bool]
    ) -> tuple[list[list[int]], list[str]]:
        """The messages to send, as positions in `rows`, and each one's nonce.

        Rows sent before (a crash before marking, or a failure that may have reached Discord) go again in
        the batch of their first nonce; the others are chunked as usual (a row with buttons or files alone,
        in its place) and get the nonce "ob<lowest id>", unique because a row belongs to one batch for good.
        """
        resent: dict[str, list[int]] = {}
        fresh: list[int] = []
        for i, row in enumerate(rows):
            if row.send_nonce is not None:
                resent.setdefault(row.send_nonce, []).append(i)
            else:
                fresh.append(i)
        new_groups: list[list[int]] = []
        run: list[int] = []
        for k in [*fresh, -1]:
            if k < 0 or alone[k]:
                new_groups.extend([run[j] for j in g] for g in chunk_embeds([embeds[i] for i in run]))
                new_groups.extend([[k]] if k >= 0 else [])
                run = []
            else:
                run.append(k)
        new_nonces = [f"ob{min(rows[i].id for i in g)}" for g in new_groups]
        return list(resent.values()) + new_groups, list(resent) + new_nonces

    async def _pace(self, channel_id: int) -> None:
        last = self._last_sent.get(channel_id)
        if last is not None:
            wait = self.channel_interval - (time.monotonic() - last)
            if wait > 0:
                await asyncio.sleep(wait)

    async def _retry(
        self, rows: list[OutboxRow], error: str, retry_after: float | None, report: DispatchReport
    ) -> None:
        now = self.clock.now()
        attempts = max((r.attempts for r in rows), default=1)
        delay = (
            timedelta(seconds=retry_after)
            if retry_after is not None
            else min(self.retry_max, self.retry_base * (2 ** min(attempts - 1, 16)))
        )
        async with self.pool.acquire() as conn:
            await db_outbox.release(conn, [r.id for r in rows], now + delay, error)
        report.rows_retried += len(rows)
        log.warning("%d notifications not sent (%s); retrying in %s", len(rows), error, delay)

    async def _broken(
        self, channel_id: int, routed: list[Routed], error: str, report: DispatchReport
    ) -> None:
        """The channel is gone or forbidden: mark the settings that chose it (bot/outbox_routes.py), tell
        each guild once, and keep the rows waiting for a new channel."""
        now = self.clock.now()
        report.broken_channels.append(channel_id)
        async with self.pool.acquire() as conn, conn.transaction():
            chosen = await outbox_routes.mark_broken(
                conn, channel_id, routed, error, now, tell=self.default_channel_id
            )
            if not chosen:
                log.warning("notification channel %s is broken (%s); its rows wait", channel_id, error)
            await db_outbox.release(
                conn, [r.id for r, _ in routed], now + self.broken_retry, f"channel broken: {error}"
            )
        report.rows_retried += len(routed)
