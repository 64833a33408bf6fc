"""Comments and search through the metrics client against the simulator: every page, stored once."""

from __future__ import annotations

from datetime import timedelta

import asyncpg
import pytest

from bot.comments import CommentService
from bot.errors import InvalidInput, PostNotFound
from bot.metrics import MetricsClient
from bot.sandbox.metrics import MetricsSimulator
from bot.search import SearchService

from .conftest import SIM_START

VIDEO_ID = "7301234567890123456"
URL = f"https://www.tiktok.com/@creator/video/{VIDEO_ID}"


@pytest.fixture
def comments(clean_db: asyncpg.Pool, metrics: MetricsClient, simulator: MetricsSimulator) -> CommentService:
    return CommentService(clean_db, metrics, simulator.clock)


@pytest.fixture
def search(clean_db: asyncpg.Pool, metrics: MetricsClient, simulator: MetricsSimulator) -> SearchService:
    return SearchService(clean_db, metrics, simulator.clock)


async def test_comments_are_fetched_to_the_last_page_and_stored_once(
    comments: CommentService, simulator: MetricsSimulator, clean_db: asyncpg.Pool
) -> None:
    simulator.add_video(VIDEO_ID, SIM_START - timedelta(days=2), username="creator", comments=137)

    first = await comments.refresh(URL)

    # 137 at 50 a page is three pages, the last one short.
    assert simulator.calls_by_route["/comment/list"] == 3
    assert (first.fetched, first.new, first.refreshed) == (137, 137, 0)
    assert (
        await clean_db.fetchval(
            "SELECT count(*) FROM social_media_comments WHERE post_id = $1", first.post_id
        )
        == 137
    )

    again = await comments.refresh(first.post_id)
    assert (again.post_id, again.new, again.refreshed) == (first.post_id, 0, 137)
    assert (
        await clean_db.fetchval("SELECT count(DISTINCT external_comment_id) FROM social_media_comments")
        == 137
    )

    post = await clean_db.fetchrow(
        "SELECT p.external_post_id, a.username FROM social_media_posts p JOIN social_media_accounts a ON a.id = p.account_id"
    )
    assert (post["external_post_id"], post["username"]) == (VIDEO_ID, "creator")


async def test_stored_comments_keep_the_api_reply_total_author_and_likes_and_rank_by_likes_or_time(
    comments: CommentService, simulator: MetricsSimulator, metrics: MetricsClient, clean_db: asyncpg.Pool
) -> None:
    simulator.add_video(VIDEO_ID, SIM_START - timedelta(days=1), username="creator", comments=60)
    api = {c.comment_id: c for c in await metrics.all_comments(URL)}

    result = await comments.refresh(URL, top=5)

    rows = await clean_db.fetch(
        "SELECT external_comment_id, api_reply_count, likes_count, author_username, author_id, comment_text,"
        " commented_at FROM social_media_comments"
    )
    assert len(rows) == 60
    for row in rows:
        c = api[row["external_comment_id"]]
        assert c.user is not None
        assert (row["api_reply_count"], row["likes_count"], row["comment_text"]) == (
            c.reply_total,
            c.digg_count,
            c.text,
        )
        assert (row["author_username"], row["author_id"], row["commented_at"]) == (
            c.user.unique_id,
            c.user.id,
            c.create_time,
        )
    likes = sorted((c.digg_count or 0 for c in api.values()), reverse=True)[:5]
    assert [c.likes_count for c in result.top] == likes
    newest = await comments.top(result.post_id, order="newest", limit=3)
    times = sorted((c.create_time for c in api.values() if c.create_time), reverse=True)[:3]
    assert [c.commented_at for c in newest] == times


async def test_comment_fetch_stops_at_the_bound(
    comments: CommentService, simulator: MetricsSimulator
) -> None:
    simulator.add_video(VIDEO_ID, SIM_START - timedelta(days=1), username="creator", comments=400)
    result = await comments.refresh(URL, limit=75)
    assert (result.fetched, simulator.calls_by_route["/comment/list"]) == (75, 2)
    with pytest.raises(PostNotFound):
        await comments.top(999)
    with pytest.raises(InvalidInput):
        await comments.refresh(URL, order="loudest")  # type: ignore[arg-type]


async def test_user_search_twice_upserts_accounts_without_duplicates(
    search: SearchService, clean_db: asyncpg.Pool
) -> None:
    first = await search.users("Coffee Art", limit=12)
    second = await search.users("coffee art", limit=12)

    assert len(first) == 12 and [u.username for u in first] == [u.username for u in second]
    assert [u.account_id for u in first] == [u.account_id for u in second]
    stored = await clean_db.fetch(
        "SELECT username, display_name, external_id FROM social_media_accounts ORDER BY id"
    )
    assert len(stored) == 12
    assert {r["username"] for r in stored} == {u.username for u in first}
    assert all(r["external_id"] and r["display_name"] for r in stored)


async def test_video_search_twice_upserts_posts_and_authors_without_duplicates(
    search: SearchService, clean_db: asyncpg.Pool
) -> None:
    first = await search.videos("sourdough", limit=35)  # two pages of the simulator's 30
    second = await search.videos("sourdough", limit=35)

    assert len(first) == 35 and [v.post_id for v in first] == [v.post_id for v in second]
    assert await clean_db.fetchval("SELECT count(*) FROM social_media_posts") == 35
    authors = await clean_db.fetchval("SELECT count(DISTINCT account_id) FROM social_media_posts")
    assert authors == await clean_db.fetchval("SELECT count(*) FROM social_media_accounts")
    one = first[0]
    assert one.url == f"https://www.tiktok.com/@{one.author}/video/{one.video_id}"
    assert one.views is not None and one.posted_at is not None


async def test_hashtag_search_twice_upserts_tags_without_duplicates(
    search: SearchService, clean_db: asyncpg.Pool
) -> None:
    first = await search.hashtags("#BakeOff", limit=15)
    second = await search.hashtags("bakeoff", limit=15)

    assert len(first) == 15 and {t.hashtag_id for t in first} == {t.hashtag_id for t in second}
    rows = await clean_db.fetch(
        "SELECT hashtag, platform, total_uses, total_views FROM social_media_hashtags"
    )
    assert len(rows) == 15
    by_name = {r["hashtag"]: r for r in rows}
    assert first[0].name == "bakeoff" and by_name["bakeoff"]["platform"] == "tiktok"
    assert all(by_name[t.name]["total_views"] == t.views for t in first)
    with pytest.raises(InvalidInput):
        await search.hashtags("   ")
