"""Direct-message conversations: record messages, mark read, archive, mute, list (imports: bot/message_import)."""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, TypedDict, Unpack

import asyncpg

from bot.clock import Clocked
from bot.errors import AccountNotFound, ConversationNotFound, InvalidInput
from db import accounts as db_accounts
from db import conversations as db_conv
from db.accounts import normalise_username
from db.conversations import Conversation, ConversationFilter, Message, RecordedMessage

MESSAGE_TYPES = ("text", "image", "video", "sticker", "gif", "voice")
MessageType = Literal["text", "image", "video", "sticker", "gif", "voice"]
FILTERS: tuple[ConversationFilter, ...] = ("unread", "all", "archived")
MAX_PAGE = 100


@dataclass(frozen=True, slots=True)
class ConversationPage:
    conversations: list[Conversation]
    total: int
    limit: int
    offset: int

    @property
    def has_more(self) -> bool:
        return self.offset + len(self.conversations) < self.total


@dataclass(frozen=True, slots=True)
class ConversationDetail:
    conversation: Conversation
    messages: list[Message]  # the latest ones, oldest first


class MessageDetails(TypedDict, total=False):
    """What both directions of a message may say beside its text (each optional)."""

    sent_at: datetime | None  # default: now
    external_id: str | None
    message_type: str  # default: "text"
    media_url: str | None


class ConversationService(Clocked):
    """Conversations of our accounts with other TikTok users; accounts are named by username."""

    async def record_incoming(
        self,
        account: str,
        participant: str,
        text: str | None,
        *,
        participant_display_name: str | None = None,
        **message: Unpack[MessageDetails],
    ) -> RecordedMessage:
        """A message from `participant` to our `account` (created if new); counts as unread."""
        return await self._record(
            account,
            participant,
            text,
            is_outgoing=False,
            participant_display_name=participant_display_name,
            **message,
        )

    async def record_outgoing(
        self,
        account: str,
        participant: str,
        text: str | None,
        *,
        is_automated: bool = False,
        template_used: str | None = None,
        **message: Unpack[MessageDetails],
    ) -> RecordedMessage:
        """A message our `account` sent to `participant`."""
        return await self._record(
            account,
            participant,
            text,
            is_outgoing=True,
            is_automated=is_automated,
            template_used=template_used,
            **message,
        )

    async def _record(
        self, account: str, participant: str, text: str | None, *, is_outgoing: bool, **kw: Any
    ) -> RecordedMessage:
        account_name, participant_name = _handle_or_raise(account), _handle_or_raise(participant)
        message_type = kw.setdefault("message_type", "text")
        if message_type not in MESSAGE_TYPES:
            raise InvalidInput(f"unknown message type {message_type!r}; one of {', '.join(MESSAGE_TYPES)}")
        sent_at = kw.pop("sent_at", None) or self._clock.now()
        if sent_at.tzinfo is None:
            raise InvalidInput("sent_at must be timezone-aware")
        external_id = kw.pop("external_id", None)
        async with self._pool.acquire() as conn, conn.transaction():
            acc = await db_accounts.get_or_create_account(conn, account_name)
            return await db_conv.record_message(
                conn,
                account_id=acc.id,
                participant_username=participant_name,
                is_outgoing=is_outgoing,
                sent_at=sent_at.astimezone(UTC),
                text=text,
                external_message_id=external_id,
                sender_username=account_name if is_outgoing else participant_name,
                **kw,
            )

    async def mark_read(self, account: str, participant: str) -> int:
        """Zeroes the unread count; returns how many messages were unread."""
        async with self._pool.acquire() as conn:
            conv = await self._find(conn, account, participant)
            return await db_conv.mark_read(conn, conv.id, self._clock.now())

    async def archive(self, account: str, participant: str, archived: bool = True) -> None:
        async with self._pool.acquire() as conn:
            conv = await self._find(conn, account, participant)
            await db_conv.set_flags(conn, conv.id, is_archived=archived)

    async def mute(self, account: str, participant: str, muted: bool = True) -> None:
        async with self._pool.acquire() as conn:
            conv = await self._find(conn, account, participant)
            await db_conv.set_flags(conn, conv.id, is_muted=muted)

    async def list(
        self,
        account: str | None = None,
        which: str = "unread",
        *,
        limit: int = 10,
        offset: int = 0,
    ) -> ConversationPage:
        """Conversations newest first: 'unread' and 'all' leave out archived ones, 'archived' only those."""
        if which not in FILTERS:
            raise InvalidInput(f"unknown filter {which!r}; one of {', '.join(FILTERS)}")
        if not 1 <= limit <= MAX_PAGE or offset < 0:
            raise InvalidInput(f"limit must be 1-{MAX_PAGE} and offset not negative")
        async with self._pool.acquire() as conn:
            account_id = None
            if account is not None:
                acc = await db_accounts.get_account_by_username(conn, account)
                if acc is None:
                    raise AccountNotFound(account)
                account_id = acc.id
            rows, total = await db_conv.list_conversations(
                conn,
                account_id=account_id,
                which=which,  # type: ignore[arg-type]
                limit=limit,
                offset=offset,
            )
        return ConversationPage(conversations=rows, total=total, limit=limit, offset=offset)

    async def get(self, account: str, participant: str, *, messages: int = 20) -> ConversationDetail:
        """One conversation and its latest `messages` messages (oldest first)."""
        if not 1 <= messages <= 500:
            raise InvalidInput("messages must be between 1 and 500")
        async with self._pool.acquire() as conn:
            conv = await self._find(conn, account, participant)
            latest = await db_conv.latest_messages(conn, conv.id, messages)
        return ConversationDetail(conversation=conv, messages=latest)

    async def find(self, query: str, *, limit: int = 25) -> builtins.list[Conversation]:
        """Conversations whose participant starts with `query` (for autocomplete), unread first."""
        if not 1 <= limit <= MAX_PAGE:
            raise InvalidInput(f"limit must be 1-{MAX_PAGE}")
        async with self._pool.acquire() as conn:
            return await db_conv.find_conversations(conn, query, limit)

    async def get_by_id(self, conversation_id: int, *, messages: int = 20) -> ConversationDetail:
        """One conversation by its id (what buttons and autocomplete carry) and its latest messages."""
        if not 1 <= messages <= 500:
            raise InvalidInput("messages must be between 1 and 500")
        async with self._pool.acquire() as conn:
            conv = await db_conv.get_conversation(conn, conversation_id)
            if conv is None:
                raise ConversationNotFound(f"id {conversation_id}")
            latest = await db_conv.latest_messages(conn, conv.id, messages)
        return ConversationDetail(conversation=conv, messages=latest)

    async def open(self, ref: str, *, messages: int = 20) -> ConversationDetail:
        """A conversation named as a user types it: an id (autocomplete's value), or a participant's
        username that only one conversation has."""
        text = ref.strip().lstrip("#@")
        if text.isascii() and text.isdigit() and len(text) <= 9:  # "¹".isdigit() too, but int() refuses it
            return await self.get_by_id(int(text), messages=messages)
        if not text:
            raise InvalidInput("name a participant")
        async with self._pool.acquire() as conn:
            matches = [
                c
                for c in await db_conv.find_conversations(conn, text, 25)
                if c.participant_username == normalise_username(text)
            ]
        if not matches:
            raise ConversationNotFound(text)
        if len(matches) > 1:
            accounts = ", ".join(c.account_username for c in matches)
            raise InvalidInput(
                f"{text} talks with several of our accounts ({accounts}): pick one from the list"
            )
        return await self.get_by_id(matches[0].id, messages=messages)

    async def _find(self, conn: asyncpg.Connection, account: str, participant: str) -> Conversation:
        acc = await db_accounts.get_account_by_username(conn, account)
        if acc is None:
            raise AccountNotFound(account)
        conv = await db_conv.find_conversation(conn, acc.id, normalise_username(participant))
        if conv is None:
            raise ConversationNotFound(f"{participant} (account {acc.username})")
        return conv


def _handle_or_raise(name: str) -> str:
    handle = normalise_username(name)
    if not handle:
        raise InvalidInput("a username must not be empty")
    return handle
