"""The bench data set: tracked posts and their snapshots, generated in Postgres with generate_series.

Shared by bench/interactions.py (and any bench that needs a big database). Posts: `posts` of them, 100 per
account, published over the last 61 days, a quarter complete and the rest active (next check in 30 days, so
none is due); each with `per_post` snapshots an hour apart from publishing. The load runs with
`session_replication_role = replica` (no row triggers, no foreign-key checks: the generated rows are
consistent by construction), then fills post_snapshot_spans in one pass with rebuild_post_snapshot_spans(),
as the migration's backfill does, instead of 10 million trigger calls.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from db.pool import create_pool

POSTS_PER_ACCOUNT = 100
BATCH = 25_000  # posts per INSERT of snapshots, so progress shows


async def load(dsn: str, posts: int, per_post: int) -> dict[str, float]:
    """Generate the data set; returns the seconds each part took."""
    pool = await create_pool(dsn, max_size=2)
    now = datetime.now(UTC)
    took: dict[str, float] = {}
    try:
        async with pool.acquire() as conn:
            await conn.execute("SET session_replication_role = replica")
            started = time.perf_counter()
            accounts = max(1, posts // POSTS_PER_ACCOUNT)
            await conn.execute(
                """
                INSERT INTO social_media_accounts (platform, username, display_name)
                SELECT 'tiktok', 'bench_' || g, 'Bench ' || g FROM generate_series(1, $1::int) AS g
                """,
                accounts,
            )
            await conn.execute(
                """
                INSERT INTO social_media_posts
                    (account_id, platform, external_post_id, post_url, caption, posted_at, check_schedule,
                     checks_completed, next_check_at, tracking_complete, tracking_started_at)
                SELECT 1 + g % $2::int, 'tiktok', (7600000000000000000 + g)::text,
                       'https://www.tiktok.com/@bench_' || (1 + g % $2::int) || '/video/' || (7600000000000000000 + g),
                       'Bench video ' || g || ' #diy #bench', t.posted,
                       (SELECT jsonb_agg(to_char((t.posted + k * interval '1 hour') AT TIME ZONE 'UTC',
                                                 'YYYY-MM-DD"T"HH24:MI:SS"+00:00"') ORDER BY k)
                          FROM generate_series(1, CASE WHEN g % 4 = 0 THEN $4::int - 1 ELSE $4::int + 5 END) AS k),
                       $4::int - 1,
                       CASE WHEN g % 4 = 0 THEN NULL ELSE $3::timestamptz + interval '30 days' END,
                       g % 4 = 0, t.posted
                  FROM generate_series(1, $1::int) AS g,
                       LATERAL (SELECT $3::timestamptz - interval '61 days'
                                       + (g::bigint * 86400 / $1::int) * interval '1 minute' AS posted) AS t
                """,
                posts,
                accounts,
                now,
                per_post,
            )
            took["posts_s"] = time.perf_counter() - started
            print(f"  {posts:,} posts in {took['posts_s']:.1f} s", flush=True)
            started = time.perf_counter()
            for first in range(1, posts + 1, BATCH):
                await conn.execute(
                    """
                    INSERT INTO social_media_post_analytics
                        (post_id, check_index, scheduled_for, captured_at, snapshot_date, snapshot_hour,
                         views_count, likes_count, comments_count, shares_count, saves_count, created_at)
                    SELECT p.id, k, at, at, (at AT TIME ZONE 'UTC')::date,
                           extract(hour FROM at AT TIME ZONE 'UTC')::int,
                           (k + 1) * (k + 1) * (100 + p.id % 1000), (k + 1) * (k + 1) * (5 + p.id % 50),
                           (k + 1) * (1 + p.id % 7), (k + 1) * (p.id % 5), (k + 1) * (p.id % 3), at
                      FROM social_media_posts p, generate_series(0, $3::int - 1) AS k,
                           LATERAL (SELECT p.posted_at + k * interval '1 hour' AS at) AS x
                     WHERE p.id BETWEEN $1 AND $2
                    """,
                    first,
                    min(posts, first + BATCH - 1),
                    per_post,
                )
                done = min(posts, first + BATCH - 1) * per_post
                print(f"    {done:,} snapshots, {time.perf_counter() - started:.0f} s", flush=True)
            took["snapshots_s"] = time.perf_counter() - started
            print(f"  {posts * per_post:,} snapshots in {took['snapshots_s']:.1f} s", flush=True)
            started = time.perf_counter()
            spans = await conn.fetchval("SELECT rebuild_post_snapshot_spans()")
            took["spans_s"] = time.perf_counter() - started
            print(f"  {spans:,} post spans (for /top) in {took['spans_s']:.1f} s", flush=True)
            await conn.execute("SET session_replication_role = origin")
            started = time.perf_counter()
            await conn.execute("VACUUM ANALYZE")
            took["analyze_s"] = time.perf_counter() - started
    finally:
        await pool.close()
    return took
