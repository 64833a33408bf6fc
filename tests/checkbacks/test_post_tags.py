"""What a post uses (caption hashtags, sound) is stored at /track and followed at every check-back, and each
post's figures at 24 hours are kept for /top by:hashtags|sounds and /besttime; an upgraded original
database's posts get theirs from the snapshots already there and at their next check."""

from __future__ import annotations

from datetime import timedelta

import asyncpg

from bot.metrics.models import Video
from bot.post_tags import caption_hashtags, store_post_tags
from bot.sandbox.metrics.habits import Sound
from db.migrate import migrate
from db.pool import connect
from tests.checkbacks.conftest import World
from tests.checkbacks.test_engine import track_fresh
from tests.original_db import HALF_DONE_POST, HALF_DONE_VIDEO, build_original

TRENDING = Sound("7000000000000000002", "Lo-fi morning", "artist2", original=False)


async def stored(pool: asyncpg.Pool, post_id: int) -> tuple[list[str], str | None]:
    tags = await pool.fetch(
        "SELECT h.hashtag FROM social_media_post_hashtags ph JOIN social_media_hashtags h ON h.id = ph.hashtag_id"
        " WHERE ph.post_id = $1 ORDER BY ph.position",
        post_id,
    )
    sound = await pool.fetchval(
        "SELECT s.title FROM social_media_posts p JOIN social_media_sounds s ON s.id = p.sound_id WHERE p.id = $1",
        post_id,
    )
    return [r["hashtag"] for r in tags], sound


def test_caption_hashtags_are_read_in_order_lower_case_once_each() -> None:
    caption = "Soldering a tiny #LED matrix #arduino #led #ÉtéDIY, part #2 #arduino_uno!"
    assert caption_hashtags(caption) == ["led", "arduino", "étédiy", "arduino_uno"]
    assert caption_hashtags(None) == [] and caption_hashtags("no tags # here") == []


async def test_tags_and_sound_are_stored_at_track_and_follow_the_post_at_its_checks(
    world: World, clean_db: asyncpg.Pool
) -> None:
    video_id = "7450000000000000101"
    post_id = await track_fresh(world, video_id, title="First #Build #maker")
    first_sound = world.sim.video(video_id).sound.title  # the account's habits chose it
    assert await stored(clean_db, post_id) == (["build", "maker"], first_sound)

    # The caption was edited and a trending sound put on: the next check-back stores both.
    world.sim.video(video_id).title = "First build #maker #fyp"
    world.sim.video(video_id).sound = TRENDING
    world.clock.advance(timedelta(hours=1))
    assert (await world.runner.run_once()).recorded == 1
    assert await stored(clean_db, post_id) == (["maker", "fyp"], "Lo-fi morning")
    tags = await clean_db.fetch("SELECT hashtag FROM social_media_hashtags ORDER BY hashtag")
    assert [r["hashtag"] for r in tags] == ["build", "fyp", "maker"]  # a tag row outlives its last post


async def test_a_post_has_its_figures_at_24_hours_from_its_24h_check_and_none_from_a_late_one(
    world: World, clean_db: asyncpg.Pool
) -> None:
    on_time = await track_fresh(world, "7450000000000000102")
    late = await track_fresh(world, "7450000000000000103")
    for hours in (1, 6, 12, 24, 31):
        world.clock.set(world.sim.video("7450000000000000102").published_at + timedelta(hours=hours))
        if hours == 24:  # the second post's 24 h check is not answered until it is 7 h late
            await clean_db.execute(
                "UPDATE social_media_posts SET next_check_at = next_check_at + interval '7 hours' WHERE id = $1",
                late,
            )
        await world.runner.run_once()
    late_check = await clean_db.fetchrow(
        "SELECT check_index, captured_at FROM social_media_post_analytics WHERE post_id = $1"
        " ORDER BY captured_at DESC LIMIT 1",
        late,
    )
    assert late_check["check_index"] == 4  # its 24 h check, answered at 31 h: too late to stand for 24 h
    figures = await clean_db.fetch("SELECT post_id, captured_at, views FROM post_day_figures")
    assert [r["post_id"] for r in figures] == [on_time]
    day = await clean_db.fetchrow(
        "SELECT captured_at, views_count FROM social_media_post_analytics WHERE post_id = $1 AND check_index = 4",
        on_time,
    )
    assert (figures[0]["captured_at"], figures[0]["views"]) == (day["captured_at"], day["views_count"])


async def test_an_original_databases_posts_get_their_24_hour_figures_on_upgrade(scratch_dsn: str) -> None:
    await build_original(scratch_dsn, "data")
    await migrate(scratch_dsn)
    await migrate(scratch_dsn)
    conn = await connect(scratch_dsn)
    try:
        figure = await conn.fetchrow(
            "SELECT captured_at, views FROM post_day_figures WHERE post_id = $1", HALF_DONE_POST
        )
        first_after_a_day = await conn.fetchrow(
            """
            SELECT a.captured_at, a.views_count FROM social_media_post_analytics a
              JOIN social_media_posts p ON p.id = a.post_id
             WHERE a.post_id = $1 AND a.captured_at >= p.posted_at + interval '24 hours'
             ORDER BY a.captured_at LIMIT 1
            """,
            HALF_DONE_POST,
        )
    finally:
        await conn.close()
    # The original's snapshot at 1 day 2 hours is inside the 24-30 h window: it is the post's figure.
    assert figure is not None
    assert (figure["captured_at"], figure["views"]) == (
        first_after_a_day["captured_at"],
        first_after_a_day["views_count"],
    )

    # Its next check stores its hashtags and sound in the original's tables (and Checkback's sound table).
    answer = Video.model_validate(
        {
            "id": HALF_DONE_VIDEO,
            "title": "From the old days #Retro #soldering",
            "music_info": {"id": "7300000000000000009", "title": "original sound", "author": "old_maker"},
        }
    )
    conn = await connect(scratch_dsn)
    try:
        async with conn.transaction():
            await store_post_tags(conn, HALF_DONE_POST, answer)
        tags = await conn.fetch(
            "SELECT h.hashtag, ph.position FROM social_media_post_hashtags ph"
            " JOIN social_media_hashtags h ON h.id = ph.hashtag_id WHERE ph.post_id = $1 ORDER BY ph.position",
            HALF_DONE_POST,
        )
        sound = await conn.fetchval(
            "SELECT s.external_sound_id FROM social_media_posts p JOIN social_media_sounds s ON s.id = p.sound_id"
            " WHERE p.id = $1",
            HALF_DONE_POST,
        )
    finally:
        await conn.close()
    assert [(r["hashtag"], r["position"]) for r in tags] == [("retro", 1), ("soldering", 2)]
    assert sound == "7300000000000000009"
