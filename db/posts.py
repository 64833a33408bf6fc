"""SQL about posts: upsert, start and stop tracking, listings and lookups (the claim cycle is db/claims.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from db.rows import record_of, record_where
from db.schedule_codec import schedule_from_json

PLATFORM = "tiktok"
Status = Literal["active", "complete", "all"]

# Columns every PostRecord is read from; `a` is the account, `p` the post.
_POST_COLUMNS = """
    p.id, p.account_id, a.username, a.display_name, p.external_post_id, p.post_url, p.caption,
    p.posted_at, p.check_schedule, coalesce(p.checks_completed, 0) AS checks_completed, p.next_check_at,
    coalesce(p.tracking_complete, false) AS tracking_complete, p.tracking_stopped_reason,
    p.tracking_started_at, p.last_checked_at, p.check_failures, p.claimed_until
"""


@dataclass(frozen=True, slots=True)
class PostRecord:
    """A post with its schedule state."""

    id: int
    account_id: int
    username: str
    display_name: str | None
    external_post_id: str
    post_url: str
    caption: str | None
    posted_at: datetime | None
    check_schedule: list[datetime]
    checks_completed: int
    next_check_at: datetime | None
    tracking_complete: bool
    tracking_stopped_reason: str | None
    tracking_started_at: datetime | None
    last_checked_at: datetime | None
    check_failures: int
    claimed_until: datetime | None

    @property
    def is_active(self) -> bool:
        return not self.tracking_complete and self.next_check_at is not None

    @classmethod
    def from_row(cls, row: Any) -> PostRecord:
        return record_of(cls, row, check_schedule=schedule_from_json(row["check_schedule"]))


# social_media_posts.id is a SERIAL (int4); a larger number typed by a user names no post (asyncpg would
# refuse to send it as an int4 parameter at all).
MAX_POST_ID = 2**31 - 1


# The post that a condition finds, with its account (see db.rows.record_where).
_POST_SOURCE = f"""
    SELECT {_POST_COLUMNS}
      FROM social_media_posts p JOIN social_media_accounts a ON a.id = p.account_id
"""  # noqa: S608 - a constant column list


async def get_post(conn: Any, post_id: int) -> PostRecord | None:
    if not 0 < post_id <= MAX_POST_ID:
        return None
    return await record_where(conn, PostRecord.from_row, _POST_SOURCE, "p.id = $1", post_id)


async def get_post_by_external_id(conn: Any, external_post_id: str) -> PostRecord | None:
    where = "p.platform = $1 AND p.external_post_id = $2"
    return await record_where(conn, PostRecord.from_row, _POST_SOURCE, where, PLATFORM, external_post_id)


async def upsert_post(
    conn: Any,
    *,
    account_id: int,
    external_post_id: str,
    post_url: str,
    caption: str | None,
    duration: int | None,
    posted_at: datetime,
    thumbnail_url: str | None,
    raw_data: dict[str, Any],
    now: datetime,
) -> int:
    """Inserts or refreshes the post's descriptive columns; the schedule columns are left alone."""
    return int(
        await conn.fetchval(
            """
            INSERT INTO social_media_posts (account_id, platform, external_post_id, post_url, caption, title,
                                            media_type, duration, posted_at, thumbnail_url, raw_data,
                                            created_at, updated_at)
            VALUES ($1, $2, $3, $4, $5::text, $5::varchar(500), 'video', $6, $7, $8, $9, $10, $10)
            ON CONFLICT (platform, external_post_id) DO UPDATE
               SET account_id = EXCLUDED.account_id, post_url = EXCLUDED.post_url,
                   caption = EXCLUDED.caption, title = EXCLUDED.title, duration = EXCLUDED.duration,
                   posted_at = EXCLUDED.posted_at, thumbnail_url = EXCLUDED.thumbnail_url,
                   raw_data = EXCLUDED.raw_data, updated_at = EXCLUDED.updated_at
            RETURNING id
            """,
            account_id,
            PLATFORM,
            external_post_id,
            post_url,
            caption,
            duration,
            posted_at,
            thumbnail_url,
            raw_data,
            now,
        )
    )


async def start_tracking(
    conn: Any,
    post_id: int,
    *,
    schedule: list[str],
    checks_completed: int,
    next_check_at: datetime | None,
    now: datetime,
) -> None:
    """Sets the post's schedule. `checks_completed` starts at the number of offsets already past (skipped),
    so check_schedule[k-1] is the k-th check for every post and get_next_check_time() stays right."""
    await conn.execute(
        """
        UPDATE social_media_posts
           SET check_schedule = $2, checks_completed = $3, next_check_at = $4,
               tracking_complete = ($4::timestamptz IS NULL), tracking_started_at = $5,
               tracking_stopped_reason = NULL, claimed_until = NULL, check_failures = 0,
               last_checked_at = $5, updated_at = $5
         WHERE id = $1
        """,
        post_id,
        schedule,
        checks_completed,
        next_check_at,
        now,
    )


async def stop_tracking(
    conn: Any, post_id: int, reason: str, now: datetime, *, expected_done: int | None = None
) -> bool:
    """Stops the schedule (next_check_at NULL) with a reason ('untracked', 'unavailable'); True if it ran."""
    row = await conn.fetchrow(
        """
        UPDATE social_media_posts
           SET next_check_at = NULL, claimed_until = NULL, tracking_stopped_reason = $2, updated_at = $3
         WHERE id = $1 AND tracking_complete = false AND next_check_at IS NOT NULL
           AND ($4::int IS NULL OR coalesce(checks_completed, 0) = $4)
        RETURNING id
        """,
        post_id,
        reason,
        now,
        expected_done,
    )
    return row is not None


_STATUS_SQL = {
    "active": "AND p.tracking_complete = false AND p.next_check_at IS NOT NULL",
    "complete": "AND (p.tracking_complete = true OR p.next_check_at IS NULL)",
    "all": "",
}

_LIST_COLUMNS = f"""
    {_POST_COLUMNS},
    s.views_count, s.likes_count, s.comments_count, s.shares_count, s.captured_at AS last_snapshot_at
"""

_LATEST_SNAPSHOT = """
    LEFT JOIN LATERAL (
        SELECT views_count, likes_count, comments_count, shares_count, captured_at
          FROM social_media_post_analytics
         WHERE post_id = p.id
         ORDER BY check_index IS NOT NULL DESC, check_index DESC, captured_at DESC LIMIT 1
    ) s ON true
"""


@dataclass(frozen=True, slots=True)
class PostListRow:
    post: PostRecord
    views: int | None
    likes: int | None
    comments: int | None
    shares: int | None
    last_snapshot_at: datetime | None


def _list_row(r: Any) -> PostListRow:
    return PostListRow(
        post=PostRecord.from_row(r),
        views=r["views_count"],
        likes=r["likes_count"],
        comments=r["comments_count"],
        shares=r["shares_count"],
        last_snapshot_at=r["last_snapshot_at"],
    )


async def list_posts(
    conn: Any,
    *,
    guild_id: int | None,
    all_guilds: bool = False,
    status: Status = "active",
    limit: int = 20,
    before_id: int | None = None,
) -> list[PostListRow]:
    """Posts a guild tracks (guild_id None: the CLI's; all_guilds: every tracked post), newest first,
    keyset-paged on the post id: the page after `before_id`. Walks guild_posts' (guild_id, post_id) key
    backwards, so a page costs the same at 100,000 posts as at 100."""
    status_sql = _STATUS_SQL[status]
    if all_guilds:
        rows = await conn.fetch(
            f"""
            SELECT {_LIST_COLUMNS}
              FROM social_media_posts p
              JOIN social_media_accounts a ON a.id = p.account_id
              {_LATEST_SNAPSHOT}
             WHERE p.tracking_started_at IS NOT NULL AND ($1::int IS NULL OR p.id < $1) {status_sql}
             ORDER BY p.id DESC LIMIT $2
            """,  # noqa: S608 - constant fragments chosen from a fixed table
            before_id,
            limit,
        )
    else:
        guild_sql = "gp.guild_id IS NULL" if guild_id is None else "gp.guild_id = $3"
        args: list[Any] = [before_id, limit] + ([] if guild_id is None else [guild_id])
        rows = await conn.fetch(
            f"""
            SELECT {_LIST_COLUMNS}
              FROM guild_posts gp
              JOIN social_media_posts p ON p.id = gp.post_id
              JOIN social_media_accounts a ON a.id = p.account_id
              {_LATEST_SNAPSHOT}
             WHERE {guild_sql} AND ($1::int IS NULL OR gp.post_id < $1) {status_sql}
             ORDER BY gp.post_id DESC LIMIT $2
            """,  # noqa: S608 - constant fragments chosen from a fixed table
            *args,
        )
    return [_list_row(r) for r in rows]


def _like_prefix(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped.lower() + "%"


async def find_posts(conn: Any, *, guild_id: int | None, query: str, limit: int = 25) -> list[PostRecord]:
    """Autocomplete: the guild's posts whose id or video id starts with `query`, or whose author or caption
    does (case-insensitive); newest first. An empty query gives the newest posts. Prefix matches can use
    the text_pattern_ops indexes of migration 0005."""
    text = query.strip().lstrip("@#")
    post_id = int(text) if text.isdigit() and len(text) <= 9 else None
    pattern = _like_prefix(text) if text else None
    scope = "gp.guild_id IS NULL" if guild_id is None else "gp.guild_id = $4"
    args: list[Any] = [pattern, limit, post_id] + ([] if guild_id is None else [guild_id])
    rows = await conn.fetch(
        f"""
        SELECT {_POST_COLUMNS}
          FROM guild_posts gp JOIN social_media_posts p ON p.id = gp.post_id
          JOIN social_media_accounts a ON a.id = p.account_id
         WHERE {scope}
           AND ($1::text IS NULL OR p.id = $3::int OR p.external_post_id LIKE $1
                OR lower(a.username) LIKE $1 OR lower(p.caption) LIKE $1)
         ORDER BY (p.id = $3::int) DESC NULLS LAST, gp.post_id DESC
         LIMIT $2
        """,  # noqa: S608 - constant fragments chosen from a fixed table
        *args,
    )
    return [PostRecord.from_row(r) for r in rows]


async def lock_post(conn: Any, post_id: int) -> bool:
    """Lock the post's row for the rest of the transaction; False when it does not exist."""
    if not 0 < post_id <= MAX_POST_ID:
        return False
    return (
        await conn.fetchval("SELECT id FROM social_media_posts WHERE id = $1 FOR UPDATE", post_id) is not None
    )


async def author_and_caption(conn: Any, post_id: int) -> tuple[str | None, str | None, int | None]:
    """The post's author username, caption and the views of its latest snapshot (the latest check's, or the
    original system's latest before any check of ours)."""
    row = await conn.fetchrow(
        """
        SELECT a.username, p.caption,
               (SELECT views_count FROM social_media_post_analytics s
                 WHERE s.post_id = p.id
                 ORDER BY s.check_index IS NOT NULL DESC, s.check_index DESC, s.captured_at DESC
                 LIMIT 1) AS last_views
          FROM social_media_posts p JOIN social_media_accounts a ON a.id = p.account_id
         WHERE p.id = $1
        """,
        post_id,
    )
    if row is None:
        return None, None, None
    return row["username"], row["caption"], row["last_views"]
