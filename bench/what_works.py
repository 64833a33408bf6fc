"""Benchmark: /top by:hashtags, /top by:sounds and /besttime's queries (db/what_works.py) on one guild's
`--posts` tracked posts (default 100,000), each with its figures at 24 hours, three caption hashtags out of
300 and one sound out of 100, published over the last 90 days.

A scratch database on DATABASE_URL's server (or the embedded Postgres). Rows are generated in Postgres with
generate_series, triggers off (as bench/_dataset.py does); each query is timed 5 times after a warm-up, the
median reported. `--quick`: 10,000 posts.

Last line: {"bench": "what_works", "posts", "top_hashtags_ms", "top_sounds_ms", "besttime_ms"}.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from db import what_works as db_what_works  # noqa: E402
from db.admin import create_database, drop_database  # noqa: E402
from db.migrate import migrate  # noqa: E402
from db.pool import create_pool  # noqa: E402

GUILD = 1_000_000_000_000_000_001
HASHTAGS = 300
SOUNDS = 100
RUNS = 5


async def load(conn: Any, posts: int, now: datetime) -> None:
    await conn.execute("SET session_replication_role = replica")
    await conn.execute(
        "INSERT INTO social_media_accounts (platform, username) "
        "SELECT 'tiktok', 'bench_' || g FROM generate_series(1, greatest(1, $1::int / 100)) AS g",
        posts,
    )
    await conn.execute(
        "INSERT INTO social_media_sounds (external_sound_id, title, author, is_original) "
        "SELECT (7000000000000000000 + g)::text, 'Sound ' || g, 'artist' || g, g % 2 = 0 "
        "FROM generate_series(1, $1::int) AS g",
        SOUNDS,
    )
    await conn.execute(
        "INSERT INTO social_media_hashtags (hashtag, platform) "
        "SELECT 'tag' || g, 'tiktok' FROM generate_series(1, $1::int) AS g",
        HASHTAGS,
    )
    await conn.execute(
        """
        INSERT INTO social_media_posts (account_id, platform, external_post_id, post_url, posted_at, sound_id)
        SELECT 1 + g % greatest(1, $1::int / 100), 'tiktok', (7600000000000000000 + g)::text,
               'https://www.tiktok.com/@bench/video/' || (7600000000000000000 + g),
               $2::timestamptz - (g::bigint * 7776 / $1::int) * interval '1000 seconds', 1 + g % $3::int
          FROM generate_series(1, $1::int) AS g
        """,
        posts,
        now,
        SOUNDS,
    )
    await conn.execute(
        "INSERT INTO guild_posts (guild_id, post_id) SELECT $1, id FROM social_media_posts", GUILD
    )
    await conn.execute(
        """
        INSERT INTO post_day_figures (post_id, captured_at, views, likes, comments, shares)
        SELECT id, posted_at + interval '24 hours', 1000 + (id * 7919) % 100000, id % 5000, id % 300, id % 200
          FROM social_media_posts
        """
    )
    await conn.execute(
        """
        INSERT INTO social_media_post_hashtags (post_id, hashtag_id, position)
        SELECT p.id, 1 + (p.id * 31 + k * 97) % $1::int, k
          FROM social_media_posts p, generate_series(1, 3) AS k
        ON CONFLICT DO NOTHING
        """,
        HASHTAGS,
    )
    await conn.execute("SET session_replication_role = origin")
    await conn.execute("VACUUM ANALYZE")


async def median_ms(run: Callable[[], Awaitable[object]]) -> float:
    await run()
    timings = []
    for _ in range(RUNS):
        started = time.perf_counter()
        await run()
        timings.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(timings), 1)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    posts = 10_000 if args.quick else args.posts
    dsn = await create_database("checkback_bench_ww")
    try:
        await migrate(dsn)
        pool = await create_pool(dsn, max_size=2)
        try:
            async with pool.acquire() as conn:
                started = time.perf_counter()
                await load(conn, posts, datetime.now(UTC))
                print(f"  {posts:,} posts loaded in {time.perf_counter() - started:.1f} s", flush=True)
                figures: dict[str, float] = {}
                for by in ("hashtags", "sounds"):
                    figures[f"top_{by}_ms"] = await median_ms(
                        lambda by=by: db_what_works.ranked(  # type: ignore[misc]
                            conn, by=by, guild_id=GUILD, metric="views", posted_since=None, limit=10
                        )
                    )
                figures["besttime_ms"] = await median_ms(
                    lambda: db_what_works.slots(conn, guild_id=GUILD, account_id=None, timezone="UTC")
                )
        finally:
            await pool.close()
    finally:
        await drop_database(dsn)
    print(json.dumps({"bench": "what_works", "posts": posts, **figures}))


if __name__ == "__main__":
    asyncio.run(main())
