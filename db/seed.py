"""Bulk rows for benchmarks and fault tests: many tracked posts due at once, written in one statement."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from db.schedule_codec import schedule_to_json


async def seed_due_posts(
    conn: Any,
    *,
    count: int,
    due: datetime,
    offsets: Sequence[int],
    username: str,
    first_video_id: int,
    guild_ids: Sequence[int] = (1,),
) -> None:
    """`count` posts of account `username` on the schedule `offsets` (seconds after publishing), published
    `offsets[0]` before `due` so their first check falls due at `due`; linked to `guild_ids` in turn. Video ids are `first_video_id`
    + 10·n: they keep its last digit (the simulator treats ids ending in 403/404 as private or deleted)."""
    posted = due - timedelta(seconds=offsets[0])
    await conn.execute(
        """
        WITH acct AS (
            INSERT INTO social_media_accounts (platform, username) VALUES ('tiktok', $4::text)
            ON CONFLICT (platform, username) DO UPDATE SET updated_at = now() RETURNING id),
        posts AS (
            INSERT INTO social_media_posts (account_id, platform, external_post_id, post_url, posted_at,
                                            check_schedule, checks_completed, next_check_at,
                                            tracking_complete, tracking_started_at)
            SELECT acct.id, 'tiktok', ($5::bigint + g * 10)::text,
                   'https://www.tiktok.com/@' || $4::text || '/video/' || ($5::bigint + g * 10),
                   $1, $2::jsonb, 0, $3, false, $1
              FROM acct, generate_series(1, $6::int) AS g
            RETURNING id)
        INSERT INTO guild_posts (guild_id, post_id)
        SELECT ($7::bigint[])[1 + (id % cardinality($7::bigint[]))], id FROM posts
        """,
        posted,
        schedule_to_json([posted + timedelta(seconds=offset) for offset in offsets]),
        due,
        username,
        first_video_id,
        count,
        list(guild_ids),
    )
