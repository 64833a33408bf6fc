"""SQL about a post's comments: upsert a fetched batch on (platform, external id), read the top ones."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import asyncpg

from db.rows import arrays_of, record_of

PLATFORM = "tiktok"
CommentOrder = Literal["likes", "newest"]


@dataclass(frozen=True, slots=True)
class CommentRow:
    """A comment as fetched, ready to store."""

    external_comment_id: str
    comment_text: str | None
    author_username: str | None
    author_id: str | None
    likes_count: int
    api_reply_count: int
    commented_at: datetime | None


@dataclass(frozen=True, slots=True)
class StoredComment(CommentRow):
    """A comment as stored: its row id and its post's."""

    id: int
    post_id: int
    is_creator_reply: bool = False  # a reply written by the post's own account


async def upsert_comments(
    conn: asyncpg.Connection, post_id: int, comments: Sequence[CommentRow]
) -> tuple[int, int]:
    """Stores the batch in one statement; returns (new, refreshed). Later numbers replace older ones."""
    rows = await store_comments(conn, post_id, comments)
    new = sum(1 for r in rows if r.inserted)
    return new, len(rows) - new


@dataclass(frozen=True, slots=True)
class StoredId:
    """A comment just stored: its row id, its API id, and whether the row is new."""

    id: int
    external_comment_id: str
    inserted: bool


async def store_comments(
    conn: asyncpg.Connection,
    post_id: int,
    comments: Sequence[CommentRow],
    *,
    parent_id: int | None = None,
    creator: str | None = None,
) -> list[StoredId]:
    """Upserts the batch on (platform, external id). With `parent_id` they are replies to that comment
    (is_reply), and a reply written by `creator` (the post's account) is marked is_creator_reply."""
    if not comments:
        return []
    rows = await conn.fetch(
        """
        INSERT INTO social_media_comments AS c
            (post_id, platform, external_comment_id, comment_text, author_username, author_id,
             likes_count, api_reply_count, commented_at, parent_comment_id, is_reply, is_creator_reply)
        SELECT $1, $2, t.cid, t.body, t.author, t.author_id, t.likes, t.replies, t.at,
               $10::integer, $10::integer IS NOT NULL, $10::integer IS NOT NULL AND t.author = $11::text
        FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::integer[], $8::integer[],
                    $9::timestamptz[]) AS t(cid, body, author, author_id, likes, replies, at)
        ON CONFLICT (platform, external_comment_id) DO UPDATE SET
            post_id = EXCLUDED.post_id,
            comment_text = EXCLUDED.comment_text,
            author_username = coalesce(EXCLUDED.author_username, c.author_username),
            author_id = coalesce(EXCLUDED.author_id, c.author_id),
            likes_count = EXCLUDED.likes_count,
            api_reply_count = EXCLUDED.api_reply_count,
            commented_at = coalesce(EXCLUDED.commented_at, c.commented_at),
            parent_comment_id = coalesce(EXCLUDED.parent_comment_id, c.parent_comment_id),
            is_reply = coalesce(c.is_reply, false) OR EXCLUDED.is_reply,
            is_creator_reply = coalesce(c.is_creator_reply, false) OR EXCLUDED.is_creator_reply
        RETURNING id, external_comment_id, (xmax = 0) AS inserted
        """,
        post_id,
        PLATFORM,
        *arrays_of(
            comments,
            "external_comment_id comment_text author_username author_id likes_count api_reply_count commented_at",
        ),
        parent_id,
        creator,
    )
    return [record_of(StoredId, r) for r in rows]


async def top_comments(
    conn: asyncpg.Connection, post_id: int, *, order: CommentOrder, limit: int
) -> list[StoredComment]:
    order_sql = {
        "likes": "likes_count DESC NULLS LAST, commented_at DESC NULLS LAST, id",
        "newest": "commented_at DESC NULLS LAST, id DESC",
    }[order]
    rows = await conn.fetch(
        f"""
        SELECT id, post_id, external_comment_id, comment_text, author_username, author_id,
               coalesce(likes_count, 0) AS likes_count, coalesce(api_reply_count, 0) AS api_reply_count,
               commented_at
        FROM social_media_comments
        WHERE post_id = $1 AND parent_comment_id IS NULL AND NOT coalesce(is_reply, false)
        ORDER BY {order_sql}
        LIMIT $2
        """,  # noqa: S608 - the ORDER BY is one of two fixed strings
        post_id,
        limit,
    )
    # Top-level comments only: none is a reply, so none is the account's own reply.
    return [record_of(StoredComment, r, is_creator_reply=False) for r in rows]


async def count_comments(conn: asyncpg.Connection, post_id: int) -> int:
    """The post's comments stored, replies left out."""
    return await conn.fetchval(
        "SELECT count(*) FROM social_media_comments WHERE post_id = $1 AND parent_comment_id IS NULL"
        " AND NOT coalesce(is_reply, false)",
        post_id,
    )


async def replies_of(conn: asyncpg.Connection, parent_ids: Sequence[int]) -> dict[int, list[StoredComment]]:
    """The stored replies of each comment, oldest first."""
    rows = await conn.fetch(
        """
        SELECT id, post_id, external_comment_id, comment_text, author_username, author_id,
               coalesce(likes_count, 0) AS likes_count, coalesce(api_reply_count, 0) AS api_reply_count,
               commented_at, parent_comment_id, coalesce(is_creator_reply, false) AS is_creator_reply
        FROM social_media_comments
        WHERE parent_comment_id = ANY($1::int[])
        ORDER BY commented_at NULLS LAST, id
        """,
        list(parent_ids),
    )
    out: dict[int, list[StoredComment]] = {}
    for r in rows:
        parent, creator = r["parent_comment_id"], r["is_creator_reply"]
        values = {k: r[k] for k in r.keys() if k not in ("parent_comment_id", "is_creator_reply")}
        out.setdefault(parent, []).append(StoredComment(**values, is_creator_reply=creator))
    return out
