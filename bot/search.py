"""Search TikTok users, videos and hashtags through the metrics API; what is found is stored and returned."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TypedDict, TypeVar

import asyncpg
from pydantic import BaseModel

from bot.clock import Clock, SystemClock
from bot.errors import InvalidInput
from bot.metrics import Author, MetricsClient, Page, UserInfo, UserSummary, Video, canonical_url
from db import accounts as db_accounts
from db import hashtags as db_hashtags
from db import posts as db_posts

MAX_RESULTS = 100
# Pages to follow at most for one search: a cursor that keeps moving without end must not loop for ever.
MAX_PAGES = 10
ItemT = TypeVar("ItemT", bound=BaseModel)


class FoundUser(BaseModel):
    account_id: int
    username: str
    display_name: str | None
    bio: str | None
    avatar_url: str | None
    followers: int | None
    following: int | None


class FoundVideo(BaseModel):
    post_id: int
    video_id: str
    url: str
    title: str
    author: str
    posted_at: datetime | None
    views: int | None
    likes: int | None
    comments: int | None
    shares: int | None


class FoundHashtag(BaseModel):
    hashtag_id: int
    name: str
    description: str | None
    videos: int | None  # the API's user_count
    views: int | None


class ProfileColumns(TypedDict):
    display_name: str | None
    profile_pic_url: str | None
    external_id: str | None
    bio: str | None


def profile_columns(profile: Author | UserInfo | UserSummary | None) -> ProfileColumns:
    """The accounts row's descriptive columns (db/accounts.py `upsert_account`) from what the API says of an
    account: a video's author (None: not sent), a search result or a profile. A blank value is None, which
    never overwrites a stored one."""
    if profile is None:
        return ProfileColumns(display_name=None, profile_pic_url=None, external_id=None, bio=None)
    external_id = profile.id if isinstance(profile, Author) else profile.user_id
    return ProfileColumns(
        display_name=profile.nickname or None,
        profile_pic_url=profile.avatar,
        external_id=external_id or None,
        bio=None if isinstance(profile, Author) else profile.signature or None,
    )


async def store_video(conn: asyncpg.Connection, video: Video, now: datetime) -> int | None:
    """Upserts the video's author and the post (descriptive columns only); None when it lacks an id."""
    author = video.author
    if not video.video_id or author is None or not author.unique_id:
        return None
    account_id = await db_accounts.upsert_account(conn, username=author.unique_id, **profile_columns(author))
    return await db_posts.upsert_post(
        conn,
        account_id=account_id,
        external_post_id=video.video_id,
        post_url=canonical_url(db_accounts.normalise_username(author.unique_id), video.video_id),
        caption=video.title or None,
        duration=video.duration,
        # The column needs a time; a listing without create_time is rare and "first seen" is the best guess.
        posted_at=video.create_time or now,
        thumbnail_url=video.cover,
        raw_data=video.raw,
        now=now,
    )


class SearchService:
    """Users, videos and hashtags matching keywords; every result is upserted before it is returned."""

    def __init__(self, pool: asyncpg.Pool, metrics: MetricsClient, clock: Clock | None = None) -> None:
        self._pool = pool
        self._metrics = metrics
        self._clock = clock or SystemClock()

    async def users(self, keywords: str, *, limit: int = 10) -> list[FoundUser]:
        found = await _collect(
            lambda cursor: self._metrics.search_users(_words(keywords), cursor=cursor), limit
        )
        results: list[FoundUser] = []
        async with self._pool.acquire() as conn, conn.transaction():
            seen: set[str] = set()
            for user in found:
                name = db_accounts.normalise_username(user.unique_id)
                if not name or name in seen:  # pages can overlap when results shift between calls
                    continue
                seen.add(name)
                account_id = await db_accounts.upsert_account(
                    conn, username=user.unique_id, **profile_columns(user)
                )
                results.append(
                    FoundUser(
                        account_id=account_id,
                        username=name,
                        display_name=user.nickname or None,
                        bio=user.signature or None,
                        avatar_url=user.avatar,
                        followers=user.follower_count,
                        following=user.following_count,
                    )
                )
        return results

    async def videos(
        self, keywords: str, *, limit: int = 10, sort_type: int | None = None
    ) -> list[FoundVideo]:
        words = _words(keywords)
        found = await _collect(
            lambda cursor: self._metrics.search_videos(words, cursor=cursor, sort_type=sort_type), limit
        )
        now = self._clock.now()
        results: list[FoundVideo] = []
        async with self._pool.acquire() as conn, conn.transaction():
            seen: set[str] = set()
            for video in found:
                if video.video_id in seen:
                    continue
                post_id = await store_video(conn, video, now)
                if post_id is None or video.author is None:
                    continue
                seen.add(video.video_id)
                author = db_accounts.normalise_username(video.author.unique_id)
                results.append(
                    FoundVideo(
                        post_id=post_id,
                        video_id=video.video_id,
                        url=canonical_url(author, video.video_id),
                        title=video.title,
                        author=author,
                        posted_at=video.create_time,
                        views=video.play_count,
                        likes=video.digg_count,
                        comments=video.comment_count,
                        shares=video.share_count,
                    )
                )
        return results

    async def hashtags(self, keywords: str, *, limit: int = 10) -> list[FoundHashtag]:
        found = await _collect(
            lambda cursor: self._metrics.search_hashtags(_words(keywords), cursor=cursor), limit
        )
        # One row per tag even if the API lists a tag twice (the upsert could not touch a row twice).
        tags = {}
        for tag in found:
            name = db_hashtags.normalise_hashtag(tag.name)
            if name and name not in tags:
                tags[name] = tag
        async with self._pool.acquire() as conn:
            ids = await db_hashtags.upsert_hashtags(
                conn,
                [db_hashtags.HashtagRow(name, t.user_count, t.view_count) for name, t in tags.items()],
            )
        return [
            FoundHashtag(
                hashtag_id=ids[name],
                name=name,
                description=t.desc or None,
                videos=t.user_count,
                views=t.view_count,
            )
            for name, t in tags.items()
        ]


def check_keywords(keywords: str) -> str:
    """The keywords as searched (spaces collapsed); InvalidInput when blank. Callers check before they
    acknowledge a slow search, so the error can still be a private reply."""
    return _words(keywords)


def _words(keywords: str) -> str:
    words = " ".join(keywords.split())
    if not words:
        raise InvalidInput("give some keywords to search for")
    return words


async def _collect(fetch: Callable[[str], Awaitable[Page[ItemT]]], limit: int) -> list[ItemT]:
    """Items of successive pages until `limit`, the end, a cursor that stops moving, or MAX_PAGES."""
    if not 1 <= limit <= MAX_RESULTS:
        raise InvalidInput(f"ask for 1-{MAX_RESULTS} results")
    items: list[ItemT] = []
    cursor = "0"
    for _ in range(MAX_PAGES):
        page = await fetch(cursor)
        items.extend(page.items)
        if len(items) >= limit or page.at_end or page.cursor == cursor:
            break
        cursor = page.cursor
    return items[:limit]
