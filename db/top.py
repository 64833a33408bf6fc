"""SQL for /top: which of a guild's posts grew the most in one metric over a recent window."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

TopMetric = Literal["views", "likes", "comments", "shares"]

# Fixed column names per metric: the only text interpolated into the query below.
_COLUMNS: dict[str, str] = {
    "views": "views_count",
    "likes": "likes_count",
    "comments": "comments_count",
    "shares": "shares_count",
}


@dataclass(frozen=True, slots=True)
class TopRow:
    """A post's growth in one metric: `current` now, `growth` since the baseline (see top_growth)."""

    post_id: int
    username: str
    external_post_id: str
    post_url: str
    caption: str | None
    current: int
    growth: int
    since: datetime


async def top_growth(
    conn: Any, *, guild_id: int | None, metric: TopMetric, since: datetime, limit: int
) -> list[TopRow]:
    """The guild's posts with the biggest growth of `metric` since `since`, biggest first.

    Growth is the latest snapshot's value minus the baseline: the last snapshot taken before `since`, or,
    for a post first tracked inside the window, its first snapshot (the views it had before we tracked it
    are not growth we saw). Only posts with a snapshot inside the window are considered; the window's
    snapshots come from idx_analytics_captured_at (migration 0006), the rest from the (post, check) key.
    """
    column = _COLUMNS[metric]
    scope = "gp.guild_id IS NULL" if guild_id is None else "gp.guild_id = $3"
    args: list[Any] = [since, limit] + ([] if guild_id is None else [guild_id])
    rows = await conn.fetch(
        f"""
        WITH window_checks AS (
            SELECT s.post_id, min(s.check_index) AS first_index, max(s.check_index) AS last_index
              FROM social_media_post_analytics s
              JOIN guild_posts gp ON gp.post_id = s.post_id
             WHERE s.captured_at >= $1 AND s.check_index IS NOT NULL AND {scope}
             GROUP BY s.post_id
        ), growth AS (
            SELECT w.post_id, latest.value AS current,
                   latest.value - coalesce(before.value, first.value) AS growth,
                   coalesce(before.at, first.at) AS since
              FROM window_checks w
              JOIN LATERAL (
                    SELECT coalesce(s.{column}, 0) AS value
                      FROM social_media_post_analytics s
                     WHERE s.post_id = w.post_id AND s.check_index = w.last_index) latest ON true
              JOIN LATERAL (
                    SELECT coalesce(s.{column}, 0) AS value, s.captured_at AS at
                      FROM social_media_post_analytics s
                     WHERE s.post_id = w.post_id AND s.check_index = w.first_index) first ON true
              LEFT JOIN LATERAL (
                    SELECT coalesce(s.{column}, 0) AS value, s.captured_at AS at
                      FROM social_media_post_analytics s
                     WHERE s.post_id = w.post_id AND s.check_index < w.first_index
                     ORDER BY s.check_index DESC LIMIT 1) before ON true
        )
        SELECT g.post_id, a.username, p.external_post_id, p.post_url, p.caption, g.current, g.growth,
               g.since
          FROM growth g
          JOIN social_media_posts p ON p.id = g.post_id
          JOIN social_media_accounts a ON a.id = p.account_id
         ORDER BY g.growth DESC, g.post_id DESC
         LIMIT $2
        """,  # noqa: S608 - the column comes from the fixed _COLUMNS table, never from user input
        *args,
    )
    return [
        TopRow(
            post_id=r["post_id"],
            username=r["username"],
            external_post_id=r["external_post_id"],
            post_url=r["post_url"],
            caption=r["caption"],
            current=int(r["current"]),
            growth=int(r["growth"]),
            since=r["since"],
        )
        for r in rows
    ]
