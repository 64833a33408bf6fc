"""A post's comments: fetched through the metrics API (every page, up to a bound), stored, ranked."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from bot.clock import Clock, SystemClock
from bot.errors import InvalidInput, PostNotFound
from bot.metrics import Comment, MetricsClient, parse_video_url
from bot.metrics.urls import VideoRef
from bot.search import store_video
from db import comments as db_comments
from db import posts as db_posts
from db.accounts import normalise_username
from db.comments import CommentOrder, CommentRow, StoredComment

# Enough for the conversation around a post; a viral one has millions, and each page is an API call.
DEFAULT_MAX_COMMENTS = 500
MAX_COMMENTS = 5000
ORDERS: tuple[CommentOrder, ...] = ("likes", "newest")


@dataclass(frozen=True, slots=True)
class CommentRefresh:
    """What one fetch did: comments the API gave (each once), new rows, refreshed rows, the top ones."""

    post_id: int
    fetched: int
    new: int
    refreshed: int
    top: list[StoredComment]


class CommentService:
    def __init__(
        self,
        pool: asyncpg.Pool,
        metrics: MetricsClient,
        clock: Clock | None = None,
        *,
        max_comments: int = DEFAULT_MAX_COMMENTS,
    ) -> None:
        self._pool = pool
        self._metrics = metrics
        self._clock = clock or SystemClock()
        self._max_comments = max_comments

    async def refresh(
        self,
        post: int | str,
        *,
        limit: int | None = None,
        order: CommentOrder = "likes",
        top: int = 10,
    ) -> CommentRefresh:
        """Fetches the post's comments (all pages up to `limit`), stores them, returns the top `top`.

        `post` is a stored post's id, or a TikTok link; a link to a post not stored yet stores it first.
        """
        bound = self._max_comments if limit is None else limit
        if not 1 <= bound <= MAX_COMMENTS:
            raise InvalidInput(f"fetch 1-{MAX_COMMENTS} comments")
        _check_order(order, top)
        post_id, ref = await self._locate(post)
        fetched = await self._metrics.all_comments(ref, limit=bound)
        rows = comment_rows(fetched)
        async with self._pool.acquire() as conn, conn.transaction():
            new, refreshed = await db_comments.upsert_comments(conn, post_id, rows)
            best = await db_comments.top_comments(conn, post_id, order=order, limit=top)
        return CommentRefresh(post_id=post_id, fetched=len(rows), new=new, refreshed=refreshed, top=best)

    async def top(
        self, post_id: int, *, order: CommentOrder = "likes", limit: int = 10
    ) -> list[StoredComment]:
        """The stored comments of a post, most liked or newest first (no API call)."""
        _check_order(order, limit)
        async with self._pool.acquire() as conn:
            if await db_posts.get_post(conn, post_id) is None:
                raise PostNotFound(f"#{post_id}")
            return await db_comments.top_comments(conn, post_id, order=order, limit=limit)

    async def _locate(self, post: int | str) -> tuple[int, VideoRef]:
        """The stored post's id and a reference the API understands."""
        if isinstance(post, int):
            async with self._pool.acquire() as conn:
                record = await db_posts.get_post(conn, post)
            if record is None:
                raise PostNotFound(f"#{post}")
            return record.id, parse_video_url(record.post_url)
        ref = parse_video_url(post)
        if ref.video_id:
            async with self._pool.acquire() as conn:
                record = await db_posts.get_post_by_external_id(conn, ref.video_id)
            if record is not None:
                return record.id, ref
        # Not stored (or a short link whose id only the API knows): one video call stores the post.
        video = await self._metrics.video_info(ref)
        async with self._pool.acquire() as conn, conn.transaction():
            post_id = await store_video(conn, video, self._clock.now())
        if post_id is None:
            raise PostNotFound(ref.url)
        return post_id, ref


def comment_rows(comments: list[Comment]) -> list[CommentRow]:
    """One row per comment id (pages can overlap while new comments arrive); the later copy wins."""
    by_id: dict[str, CommentRow] = {}
    for c in comments:
        if not c.comment_id:
            continue
        by_id[c.comment_id] = CommentRow(
            external_comment_id=c.comment_id,
            comment_text=c.text,
            author_username=normalise_username(c.user.unique_id) if c.user and c.user.unique_id else None,
            author_id=(c.user.id or None) if c.user else None,
            likes_count=c.digg_count or 0,
            api_reply_count=c.reply_total or 0,
            commented_at=c.create_time,
        )
    return list(by_id.values())


def _check_order(order: str, limit: int) -> None:
    if order not in ORDERS:
        raise InvalidInput(f"sort comments by {' or '.join(ORDERS)}, not {order!r}")
    if not 1 <= limit <= 100:
        raise InvalidInput("show 1-100 comments")
