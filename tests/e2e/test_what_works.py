"""/top by:hashtags|sounds and /besttime through the real bot, the Discord emulator and the simulator: posts
tracked young, their 24 h check-backs run on the bot's clock, then ranked and drawn."""

from __future__ import annotations

import asyncio
import struct
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import asyncpg

from bot.charts.besttime import BESTTIME_SIZE
from bot.clock import ManualClock
from bot.sandbox.metrics.habits import Sound
from bot.sandbox.stack import Stack
from bot.what_works import BESTTIME_MIN_POSTS

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
HIT_SOUND = Sound("7000000000000000111", "Espresso (sped up)", "artist1", original=False)
OWN_SOUND = Sound("7100000000000000222", "original sound - maker_jo", "maker_jo", original=True)


def png_size(data: bytes) -> tuple[int, int]:
    assert data.startswith(PNG_MAGIC)
    width, height = struct.unpack(">II", data[16:24])  # the IHDR chunk comes first
    return width, height


async def settle(pool: asyncpg.Pool, clock: ManualClock) -> None:
    """Wait until no post is due at the clock's time (the bot checked every one)."""
    for _ in range(600):
        due = await pool.fetchval(
            "SELECT count(*) FROM social_media_posts WHERE next_check_at <= $1 AND NOT tracking_complete",
            clock.now(),
        )
        if due == 0:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the bot did not run the check-backs that were due")


async def track_posts(stack: Stack, clean_db: asyncpg.Pool, clock: ManualClock, count: int) -> list[datetime]:
    """`count` posts of @maker_jo published 2 h apart (the newest 5 min ago), the best ones newest, tracked
    as the member; then the clock walks an hour at a time until each has had its 24 h check-back. Posts
    0-2 (the best three) carry #winner and the hit sound, the others #filler and the account's own sound."""
    start = clock.now()
    published = []
    for i in range(count):
        video_id = f"73012345678901270{i:02d}"
        when = start - timedelta(hours=2 * i, minutes=5)
        winner = i < 3
        video = stack.simulator.add_video(
            video_id,
            when,
            username="maker_jo",
            title=f"Build {i} #{'winner' if winner else 'filler'} #maker",
            views_30d=1_000_000 - 50_000 * i,
        )
        video.tau_hours = 6.0  # one curve for all: the order at 24 h is the order of views_30d
        video.sound = HIT_SOUND if winner else OWN_SOUND
        published.append(when)
        url = f"https://www.tiktok.com/@maker_jo/video/{video_id}"
        reply = await stack.reply(stack.world.member, "track", url=url)
        assert "Tracking" in reply.embeds[0]["description"], reply.embeds
    for _ in range(25):
        clock.advance(timedelta(hours=1))
        await settle(clean_db, clock)
    return published


async def test_top_ranks_hashtags_and_sounds_by_the_median_views_of_their_posts_at_24_hours(
    stack: Stack, clean_db: asyncpg.Pool, clock: ManualClock
) -> None:
    w = stack.world
    await track_posts(stack, clean_db, clock, 5)
    final = await (await stack.emulator.invoke(w.member, "top", channel=w.channel, by="hashtags")).final()
    embed = final.embeds[0]
    assert embed["title"] == "Top hashtags by median views at 24 hours"
    lines = embed["description"].splitlines()
    assert lines[0].startswith("**1.** **#winner** · median **") and "3 posts" in lines[0]
    assert lines[1].startswith("**2.** **#maker**") and "5 posts" in lines[1]
    assert lines[2].startswith("**3.** **#filler**") and "2 posts · *small sample*" in lines[2]
    assert "5 tracked posts with a 24-hour figure" in embed["footer"]["text"]

    final = await (await stack.emulator.invoke(w.member, "top", channel=w.channel, by="sounds")).final()
    lines = final.embeds[0]["description"].splitlines()
    assert (
        lines[0].startswith("**1.** **Espresso (sped up)** · artist1 · median **") and "3 posts" in lines[0]
    )
    assert lines[1].startswith("**2.** **original sound - maker_jo** · median") and "2 posts" in lines[1]

    # Posts first: /top without `by` still ranks posts by growth.
    final = await (await stack.emulator.invoke(w.member, "top", channel=w.channel, metric="views")).final()
    assert final.embeds[0]["title"] == "Top posts by views growth, last 24h"
    stack.emulator.assert_no_violations()


async def test_besttime_draws_the_heatmap_and_names_the_best_three_slots(
    stack: Stack, clean_db: asyncpg.Pool, clock: ManualClock
) -> None:
    w = stack.world
    published = await track_posts(stack, clean_db, clock, BESTTIME_MIN_POSTS)
    i = await stack.emulator.invoke(w.member, "besttime", channel=w.channel)
    first = await i.response()
    embed = first.data["embeds"][0]
    assert embed["title"] == "When to post: this server's posts"
    best = embed["description"].splitlines()[1:]
    for rank, when in enumerate(published[:3], start=1):  # the newest three did best
        assert best[rank - 1].startswith(f"**{rank}.** {DAYS[when.weekday()]} {when.hour:02d}:00 · median **")
    assert (
        f"{BESTTIME_MIN_POSTS} posts with a 24-hour figure · publishing times in UTC"
        in embed["footer"]["text"]
    )
    message = await stack.emulator.wait_until(lambda: i.message if i.message.attachments else None, 20)
    assert message.attachments[0].filename == "besttime.png"
    assert png_size(message.attachments[0].data) == BESTTIME_SIZE
    assert message.embeds[0]["image"]["url"] == "attachment://besttime.png"

    # One account: the same posts (all of @maker_jo's), whatever the case of the name.
    # In the server's time zone once an admin sets one: the same slots, named in Tokyo's time.
    await stack.reply(w.admin, "config timezone", zone="Asia/Tokyo")
    i = await stack.emulator.invoke(w.member, "besttime", channel=w.channel)
    embed = (await i.response()).data["embeds"][0]
    tokyo = published[0].astimezone(ZoneInfo("Asia/Tokyo"))
    assert (
        embed["description"].splitlines()[1].startswith(f"**1.** {DAYS[tokyo.weekday()]} {tokyo.hour:02d}:00")
    )
    assert "publishing times in Asia/Tokyo" in embed["footer"]["text"]
    await stack.emulator.wait_until(lambda: i.message if i.message.attachments else None, 20)

    i = await stack.emulator.invoke(w.member, "besttime", channel=w.channel, account="@Maker_Jo")
    assert (await i.response()).data["embeds"][0]["title"] == "When to post: @maker_jo's posts"
    message = await stack.emulator.wait_until(lambda: i.message if i.message.attachments else None, 20)
    assert png_size(message.attachments[0].data) == BESTTIME_SIZE
    stack.emulator.assert_no_violations()


async def test_besttime_says_not_enough_data_below_its_minimum_and_refuses_an_unknown_account(
    stack: Stack, clean_db: asyncpg.Pool, clock: ManualClock
) -> None:
    w = stack.world
    await track_posts(stack, clean_db, clock, 3)
    final = await (await stack.emulator.invoke(w.member, "besttime", channel=w.channel)).final()
    assert final.embeds[0]["description"].startswith("Not enough data yet: 3 tracked posts with a 24-hour")
    assert f"at least {BESTTIME_MIN_POSTS}" in final.embeds[0]["description"]
    assert not final.attachments

    final = await (
        await stack.emulator.invoke(w.member, "besttime", channel=w.channel, account="somebody_else")
    ).final()
    assert final.ephemeral and "@somebody_else" in final.content and "tracked" in final.content
    final = await (
        await stack.emulator.invoke(w.member, "besttime", channel=w.channel, account="not a name!")
    ).final()
    assert final.ephemeral and "not a TikTok username" in final.content
    stack.emulator.assert_no_violations()
