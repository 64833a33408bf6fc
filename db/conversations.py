"""SQL about direct-message conversations and their messages, counters kept in the same transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any, Literal

import asyncpg

from db.rows import arrays_of, record_of, record_where

PREVIEW_CHARS = 200
ConversationFilter = Literal["unread", "all", "archived"]


@dataclass(frozen=True, slots=True)
class Conversation:
    id: int
    account_id: int
    account_username: str
    platform: str
    participant_username: str
    participant_display_name: str | None
    last_message_at: datetime | None
    last_message_preview: str | None
    last_message_is_outgoing: bool | None
    unread_count: int
    is_muted: bool
    is_archived: bool
    conversation_started_at: datetime | None


@dataclass(frozen=True, slots=True)
class Message:
    id: int
    conversation_id: int
    external_message_id: str | None
    message_text: str | None
    message_type: str
    media_url: str | None
    is_outgoing: bool
    sender_username: str | None
    is_read: bool
    read_at: datetime | None
    sent_at: datetime
    is_automated: bool
    template_used: str | None


@dataclass(frozen=True, slots=True)
class RecordedMessage:
    """Outcome of recording one message: message_id None means a duplicate (same external id)."""

    conversation_id: int
    message_id: int | None
    conversation_created: bool

    @property
    def duplicate(self) -> bool:
        return self.message_id is None


_CONVERSATION_COLUMNS = """
    c.id, c.account_id, a.username AS account_username, c.platform, c.participant_username,
    c.participant_display_name, c.last_message_at, c.last_message_preview, c.last_message_is_outgoing,
    coalesce(c.unread_count, 0) AS unread_count, coalesce(c.is_muted, false) AS is_muted,
    coalesce(c.is_archived, false) AS is_archived, c.conversation_started_at
"""

# Conversations with their account (see db.rows.record_where).
_CONVERSATION_SOURCE = f"""
    SELECT {_CONVERSATION_COLUMNS}
      FROM social_media_conversations c JOIN social_media_accounts a ON a.id = c.account_id
"""  # noqa: S608 - a constant column list
_conversation = partial(record_of, Conversation)

_MESSAGE_COLUMNS = """
    id, conversation_id, external_message_id, message_text, coalesce(message_type, 'text') AS message_type,
    media_url, is_outgoing, sender_username, coalesce(is_read, false) AS is_read, read_at, sent_at,
    coalesce(is_automated, false) AS is_automated, template_used
"""


def preview_of(text: str | None, message_type: str) -> str:
    """What the conversation list shows for a message: its text, cut, or the kind of media."""
    body = (text or "").strip()
    if not body:
        return f"[{message_type}]"
    return body if len(body) <= PREVIEW_CHARS else body[: PREVIEW_CHARS - 1] + "…"


async def record_message(
    conn: asyncpg.Connection,
    *,
    account_id: int,
    participant_username: str,
    is_outgoing: bool,
    sent_at: datetime,
    text: str | None,
    message_type: str = "text",
    external_message_id: str | None = None,
    media_url: str | None = None,
    sender_username: str | None = None,
    participant_display_name: str | None = None,
    is_automated: bool = False,
    template_used: str | None = None,
    metadata: dict[str, Any] | None = None,
    platform: str = "tiktok",
) -> RecordedMessage:
    """Creates the conversation on its first message and keeps its counters right.

    Runs in one transaction. The conversation upsert takes the row lock first, so concurrent messages
    of one conversation update its counters one after the other, never from a stale read.
    """
    async with conn.transaction():
        conv = await conn.fetchrow(
            """
            INSERT INTO social_media_conversations AS c
                (account_id, platform, participant_username, participant_display_name)
            VALUES ($1, $2, $3, $4)
            ON CONFLICT (account_id, platform, participant_username) DO UPDATE SET
                participant_display_name = coalesce(EXCLUDED.participant_display_name,
                                                    c.participant_display_name)
            RETURNING id, (xmax = 0) AS created
            """,
            account_id,
            platform,
            participant_username,
            participant_display_name,
        )
        message_id = await conn.fetchval(
            """
            INSERT INTO social_media_messages
                (conversation_id, external_message_id, message_text, message_type, media_url, is_outgoing,
                 sender_username, status, is_read, sent_at, is_automated, template_used, metadata)
            VALUES ($1, $2, $3, $4, $5, $6, $7, 'sent', $6, $8, $9, $10, $11)
            ON CONFLICT (conversation_id, external_message_id) DO NOTHING
            RETURNING id
            """,
            conv["id"],
            external_message_id,
            text,
            message_type,
            media_url,
            is_outgoing,
            sender_username,
            sent_at,
            is_automated,
            template_used,
            metadata,
        )
        if message_id is not None:
            # An older message (a late import, a backfill) never moves the preview backwards.
            await conn.execute(
                """
                UPDATE social_media_conversations SET
                    unread_count = coalesce(unread_count, 0) + CASE WHEN $2 THEN 0 ELSE 1 END,
                    last_message_preview = CASE WHEN last_message_at IS NULL OR $3 >= last_message_at
                                                THEN $4 ELSE last_message_preview END,
                    last_message_is_outgoing = CASE WHEN last_message_at IS NULL OR $3 >= last_message_at
                                                    THEN $2 ELSE last_message_is_outgoing END,
                    last_message_at = greatest(last_message_at, $3),
                    conversation_started_at = least(conversation_started_at, $3),
                    updated_at = now()
                WHERE id = $1
                """,
                conv["id"],
                is_outgoing,
                sent_at,
                preview_of(text, message_type),
            )
    return RecordedMessage(
        conversation_id=conv["id"], message_id=message_id, conversation_created=conv["created"]
    )


async def find_conversation(
    conn: asyncpg.Connection, account_id: int, participant_username: str, platform: str = "tiktok"
) -> Conversation | None:
    where = "c.account_id = $1 AND c.platform = $2 AND c.participant_username = $3"
    return await record_where(
        conn, _conversation, _CONVERSATION_SOURCE, where, account_id, platform, participant_username
    )


async def latest_messages(conn: asyncpg.Connection, conversation_id: int, limit: int) -> list[Message]:
    """The newest `limit` messages, returned oldest first (the order one reads them in)."""
    rows = await conn.fetch(
        f"""
        SELECT * FROM (
            SELECT {_MESSAGE_COLUMNS} FROM social_media_messages
            WHERE conversation_id = $1
            ORDER BY sent_at DESC, id DESC
            LIMIT $2
        ) newest
        ORDER BY sent_at, id
        """,  # noqa: S608
        conversation_id,
        limit,
    )
    return [record_of(Message, r) for r in rows]


async def mark_read(conn: asyncpg.Connection, conversation_id: int, read_at: datetime) -> int:
    """Marks every unread incoming message read and zeroes the counter; returns how many were unread."""
    async with conn.transaction():
        # Lock the conversation first, as record_message does, so a message arriving now is either
        # counted before this zeroing (and marked read) or after it (and stays unread).
        await conn.execute(
            "SELECT 1 FROM social_media_conversations WHERE id = $1 FOR UPDATE", conversation_id
        )
        status = await conn.execute(
            """
            UPDATE social_media_messages SET is_read = true, read_at = $2
            WHERE conversation_id = $1 AND NOT is_outgoing AND NOT coalesce(is_read, false)
            """,
            conversation_id,
            read_at,
        )
        await conn.execute(
            "UPDATE social_media_conversations SET unread_count = 0, updated_at = now() WHERE id = $1",
            conversation_id,
        )
    return int(status.split()[-1])


async def set_flags(
    conn: asyncpg.Connection,
    conversation_id: int,
    *,
    is_archived: bool | None = None,
    is_muted: bool | None = None,
) -> None:
    await conn.execute(
        """
        UPDATE social_media_conversations SET
            is_archived = coalesce($2, is_archived),
            is_muted = coalesce($3, is_muted),
            updated_at = now()
        WHERE id = $1
        """,
        conversation_id,
        is_archived,
        is_muted,
    )


def _filter_sql(which: ConversationFilter) -> str:
    return {
        "unread": "NOT coalesce(c.is_archived, false) AND c.unread_count > 0",
        "all": "NOT coalesce(c.is_archived, false)",
        "archived": "coalesce(c.is_archived, false)",
    }[which]


async def list_conversations(
    conn: asyncpg.Connection,
    *,
    account_id: int | None,
    which: ConversationFilter,
    limit: int,
    offset: int = 0,
) -> tuple[list[Conversation], int]:
    """One page, newest last message first, and the total number matching the filter."""
    where = f"({_filter_sql(which)}) AND ($1::integer IS NULL OR c.account_id = $1)"
    rows = await conn.fetch(
        f"""
        {_CONVERSATION_SOURCE}
        WHERE {where}
        ORDER BY c.last_message_at DESC NULLS LAST, c.id DESC
        LIMIT $2 OFFSET $3
        """,  # noqa: S608 - `where` is built from fixed fragments only
        account_id,
        limit,
        offset,
    )
    total = await conn.fetchval(
        f"SELECT count(*) FROM social_media_conversations c WHERE {where}",  # noqa: S608
        account_id,
    )
    return [_conversation(r) for r in rows], total


async def get_conversation(conn: asyncpg.Connection, conversation_id: int) -> Conversation | None:
    return await record_where(conn, _conversation, _CONVERSATION_SOURCE, "c.id = $1", conversation_id)


def _like_prefix(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped.lower() + "%"


async def find_conversations(conn: asyncpg.Connection, query: str, limit: int) -> list[Conversation]:
    """Conversations whose participant's username or display name starts with `query` (case-insensitive;
    empty: every one), unread ones first, then the newest."""
    text = query.strip().lstrip("@")
    rows = await conn.fetch(
        f"""
        {_CONVERSATION_SOURCE}
        WHERE $1::text IS NULL OR lower(c.participant_username) LIKE $1
              OR lower(c.participant_display_name) LIKE $1
        ORDER BY (coalesce(c.unread_count, 0) > 0) DESC, c.last_message_at DESC NULLS LAST, c.id DESC
        LIMIT $2
        """,  # noqa: S608
        _like_prefix(text) if text else None,
        limit,
    )
    return [_conversation(r) for r in rows]


@dataclass(frozen=True, slots=True)
class NewMessage:
    """One message of a batch for record_messages (an import line)."""

    account_id: int
    participant_username: str
    participant_display_name: str | None
    is_outgoing: bool
    sent_at: datetime
    text: str | None
    message_type: str
    external_message_id: str
    media_url: str | None
    sender_username: str | None


@dataclass(frozen=True, slots=True)
class BatchOutcome:
    loaded: int
    duplicates: int
    conversations_created: int


async def record_messages(conn: asyncpg.Connection, messages: list[NewMessage]) -> BatchOutcome:
    """Many messages in three statements, with the same result as record_message one at a time in order:
    conversations created on their first message, stored once per (conversation, external id), unread
    counts up by the new incoming ones, preview and direction from the newest message (a later one in the
    list wins a tie). Runs in one transaction: a refused row undoes the whole batch."""
    if not messages:
        return BatchOutcome(0, 0, 0)
    names: dict[tuple[int, str], str | None] = {}
    for m in messages:
        key = (m.account_id, m.participant_username)
        names[key] = m.participant_display_name or names.get(key)
    async with conn.transaction():
        convs = await conn.fetch(
            """
            INSERT INTO social_media_conversations AS c
                (account_id, platform, participant_username, participant_display_name)
            SELECT * FROM unnest($1::int[], $2::text[], $3::text[], $4::text[])
            ON CONFLICT (account_id, platform, participant_username) DO UPDATE SET
                participant_display_name = coalesce(EXCLUDED.participant_display_name,
                                                    c.participant_display_name)
            RETURNING id, account_id, participant_username, (xmax = 0) AS created
            """,
            [k[0] for k in names],
            ["tiktok"] * len(names),
            [k[1] for k in names],
            list(names.values()),
        )
        conv_of = {(r["account_id"], r["participant_username"]): r["id"] for r in convs}
        inserted = await conn.fetch(
            """
            WITH batch AS (
                SELECT * FROM unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::text[],
                                     $6::bool[], $7::text[], $8::timestamptz[], $9::text[], $10::int[])
                    AS b(conversation_id, external_message_id, message_text, message_type, media_url,
                         is_outgoing, sender_username, sent_at, preview, ord)
            ), stored AS (
                INSERT INTO social_media_messages
                    (conversation_id, external_message_id, message_text, message_type, media_url,
                     is_outgoing, sender_username, status, is_read, sent_at)
                SELECT conversation_id, external_message_id, message_text, message_type, media_url,
                       is_outgoing, sender_username, 'sent', is_outgoing, sent_at
                FROM batch ORDER BY ord
                ON CONFLICT (conversation_id, external_message_id) DO NOTHING
                RETURNING conversation_id, external_message_id
            )
            SELECT DISTINCT ON (b.conversation_id, b.external_message_id) b.*
            FROM stored s JOIN batch b USING (conversation_id, external_message_id)
            ORDER BY b.conversation_id, b.external_message_id, b.ord
            """,
            [conv_of[(m.account_id, m.participant_username)] for m in messages],
            *arrays_of(
                messages,
                "external_message_id text message_type media_url is_outgoing sender_username sent_at",
            ),
            [preview_of(m.text, m.message_type) for m in messages],
            list(range(len(messages))),
        )
        if inserted:
            await conn.execute(
                """
                WITH new AS (
                    SELECT * FROM unnest($1::int[], $2::bool[], $3::timestamptz[], $4::text[], $5::int[])
                        AS n(conversation_id, is_outgoing, sent_at, preview, ord)
                ), per_conv AS (
                    SELECT conversation_id, count(*) FILTER (WHERE NOT is_outgoing) AS incoming,
                           min(sent_at) AS first_at
                    FROM new GROUP BY conversation_id
                ), newest AS (
                    SELECT DISTINCT ON (conversation_id) conversation_id, is_outgoing, sent_at, preview
                    FROM new ORDER BY conversation_id, sent_at DESC, ord DESC
                )
                UPDATE social_media_conversations c SET
                    unread_count = coalesce(c.unread_count, 0) + p.incoming,
                    last_message_preview = CASE WHEN c.last_message_at IS NULL OR n.sent_at >= c.last_message_at
                                                THEN n.preview ELSE c.last_message_preview END,
                    last_message_is_outgoing = CASE WHEN c.last_message_at IS NULL
                                                         OR n.sent_at >= c.last_message_at
                                                    THEN n.is_outgoing ELSE c.last_message_is_outgoing END,
                    last_message_at = greatest(c.last_message_at, n.sent_at),
                    conversation_started_at = least(c.conversation_started_at, p.first_at),
                    updated_at = now()
                FROM per_conv p JOIN newest n USING (conversation_id)
                WHERE c.id = p.conversation_id
                """,
                [r["conversation_id"] for r in inserted],
                [r["is_outgoing"] for r in inserted],
                [r["sent_at"] for r in inserted],
                [r["preview"] for r in inserted],
                [r["ord"] for r in inserted],
            )
    return BatchOutcome(
        loaded=len(inserted),
        duplicates=len(messages) - len(inserted),
        conversations_created=sum(1 for r in convs if r["created"]),
    )
