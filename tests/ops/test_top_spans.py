"""/top from post_snapshot_spans (migration 0030) ranks exactly as the original scan of every snapshot did, and
so does a digest's ranking of a window with an end (`until`)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from db import top as db_top

START = datetime(2026, 1, 1, tzinfo=UTC)

# The ranking as it was before the spans: every snapshot in the window read (kept here as the reference);
# $4, the window's end (NULL: none).
REFERENCE = """
WITH window_checks AS (
    SELECT s.post_id, min(s.check_index) AS first_index, max(s.check_index) AS last_index
      FROM social_media_post_analytics s
      JOIN guild_posts gp ON gp.post_id = s.post_id
     WHERE s.captured_at >= $1 AND s.captured_at < coalesce($4::timestamptz, 'infinity') AND s.check_index IS NOT NULL
       AND gp.guild_id = $3
     GROUP BY s.post_id
), growth AS (
    SELECT w.post_id, latest.value - coalesce(before.value, first.value) AS growth
      FROM window_checks w
      JOIN LATERAL (SELECT coalesce(s.views_count, 0) AS value FROM social_media_post_analytics s
                     WHERE s.post_id = w.post_id AND s.check_index = w.last_index) latest ON true
      JOIN LATERAL (SELECT coalesce(s.views_count, 0) AS value FROM social_media_post_analytics s
                     WHERE s.post_id = w.post_id AND s.check_index = w.first_index) first ON true
      LEFT JOIN LATERAL (SELECT coalesce(s.views_count, 0) AS value FROM social_media_post_analytics s
                          WHERE s.post_id = w.post_id AND s.check_index < w.first_index
                          ORDER BY s.check_index DESC LIMIT 1) before ON true
)
SELECT post_id, growth FROM growth ORDER BY growth DESC, post_id DESC LIMIT $2
"""


async def _posts(conn: asyncpg.Connection, rng: random.Random, count: int, guilds: list[int]) -> None:
    account = await conn.fetchval(
        "INSERT INTO social_media_accounts (platform, username) VALUES ('tiktok', 'spans') RETURNING id"
    )
    for n in range(count):
        posted = START + timedelta(hours=rng.randint(0, 24 * 40))
        post_id = await conn.fetchval(
            """
            INSERT INTO social_media_posts (account_id, platform, external_post_id, post_url, posted_at)
            VALUES ($1, 'tiktok', $2, $3, $4) RETURNING id
            """,
            account,
            str(7300000000000000000 + n),
            f"https://www.tiktok.com/@spans/video/{7300000000000000000 + n}",
            posted,
        )
        for guild in rng.sample(guilds, rng.randint(1, len(guilds))):
            await conn.execute("INSERT INTO guild_posts (guild_id, post_id) VALUES ($1, $2)", guild, post_id)
        at, views = posted, rng.randint(0, 500)
        checks = list(range(1, rng.randint(1, 9) + 1))
        rows = []
        for index in checks:
            at += timedelta(hours=rng.choice((1, 5, 12, 24, 72, 168)))
            views += rng.randint(0, 5_000)
            rows.append((post_id, index, at, views))
        rng.shuffle(rows)  # written in any order (an import): the trigger keeps first and latest right
        for post, index, when, value in rows:
            await _snapshot(conn, post, index, when, None if rng.random() < 0.05 else value)


async def _snapshot(
    conn: asyncpg.Connection, post_id: int, index: int, at: datetime, views: int | None
) -> None:
    """The snapshot of check `index` of `post_id`, taken `at`, with `views` (NULL: a count the API left out)."""
    await conn.execute(
        """
        INSERT INTO social_media_post_analytics
            (post_id, check_index, captured_at, snapshot_date, snapshot_hour, views_count)
        VALUES ($1, $2, $3, $4, $5, $6)
        """,
        post_id,
        index,
        at,
        at.date(),
        at.hour,
        views,
    )


async def test_top_from_spans_matches_the_full_scan_for_every_window(
    clean_db: asyncpg.Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(21)
    async with clean_db.acquire() as conn:
        await _posts(conn, rng, 120, [11, 22])
        # A deleted snapshot and a deleted post: the spans follow.
        await conn.execute(
            "DELETE FROM social_media_post_analytics WHERE id IN "
            "(SELECT id FROM social_media_post_analytics ORDER BY id LIMIT 30)"
        )
        await conn.execute("DELETE FROM social_media_posts WHERE id = 7")
        kept = await conn.fetch("SELECT * FROM post_snapshot_spans ORDER BY post_id")
        assert await conn.fetchval("SELECT rebuild_post_snapshot_spans()") == len(kept)
        assert await conn.fetch("SELECT * FROM post_snapshot_spans ORDER BY post_id") == kept

        for step in range(60):
            since = START + timedelta(hours=rng.randint(0, 24 * 50))
            if step % 10 == 0:  # exactly at a snapshot's time: the boundary belongs to the window
                since = await conn.fetchval(
                    "SELECT captured_at FROM social_media_post_analytics ORDER BY random() LIMIT 1"
                )
            # Both ways of ranking the posts first seen inside the window: sorting the few, walking the index.
            monkeypatch.setattr(db_top, "FEW_INSIDE", 0 if step % 2 else 20_000)
            guild = rng.choice([11, 22])
            limit = rng.choice([1, 5, 10, 200])
            # Every third window has an end (a digest's period): a day or a week.
            until = None if step % 3 else since + timedelta(days=rng.choice((1, 7)))
            want = [
                (r["post_id"], r["growth"]) for r in await conn.fetch(REFERENCE, since, limit, guild, until)
            ]
            got = await db_top.top_growth(
                conn, guild_id=guild, metric="views", since=since, limit=limit, until=until
            )
            assert [(r.post_id, r.growth) for r in got] == want, (since, until, guild, limit)


async def test_a_series_whose_times_go_back_finds_the_last_check_taken_before_the_window(
    clean_db: asyncpg.Pool,
) -> None:
    """Snapshots whose times do not rise with their checks (written by an import): the value before the
    window is still the latest check taken before it (the series is scanned, not binary-searched)."""
    async with clean_db.acquire() as conn:
        await _posts(conn, random.Random(5), 1, [11])
        post_id = await conn.fetchval("SELECT id FROM social_media_posts")
        await conn.execute("DELETE FROM social_media_post_analytics")
        for index, hours, views in ((1, 10, 100), (2, 8, 250), (3, 12, 900), (4, 14, 1000)):
            await _snapshot(conn, post_id, index, START + timedelta(hours=hours), views)
        assert await conn.fetchval("SELECT series_in_order FROM post_snapshot_spans") is False
        since = START + timedelta(hours=11)  # checks 1 (10:00) and 2 (08:00) were before it: 2 is the latest
        got = await db_top.top_growth(conn, guild_id=11, metric="views", since=since, limit=5)
        assert [(r.post_id, r.growth, r.since) for r in got] == [
            (post_id, 1000 - 250, START + timedelta(hours=8))
        ]
        # A window ending at 13:00: its latest is check 3 (12:00), not 4 (14:00).
        until = START + timedelta(hours=13)
        got = await db_top.top_growth(conn, guild_id=11, metric="views", since=since, limit=5, until=until)
        assert [(r.current, r.growth) for r in got] == [(900, 900 - 250)]

        # In order again (check 2 rewritten at 10:30): the binary search finds the same check.
        await conn.execute(
            "UPDATE social_media_post_analytics SET captured_at = $2 WHERE post_id = $1 AND check_index = 2",
            post_id,
            START + timedelta(hours=10, minutes=30),
        )
        assert await conn.fetchval("SELECT series_in_order FROM post_snapshot_spans") is True
        got = await db_top.top_growth(conn, guild_id=11, metric="views", since=since, limit=5)
        assert [(r.growth, r.since) for r in got] == [(1000 - 250, START + timedelta(hours=10, minutes=30))]
