"""SQL of the month's API plan: calls per day, the watches' current poll intervals, the check-backs that
could be shed, and shedding them (dropped_checks, migrations/0060)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from db.api_usage import PROVIDER, month_bounds
from db.rows import record_of
from db.schedule_codec import schedule_from_json, schedule_to_json


async def daily_calls(conn: Any, month_start: date | datetime, provider: str = PROVIDER) -> dict[date, int]:
    """Calls per UTC day of `month_start`'s month (days without calls left out)."""
    first, following = month_bounds(month_start)
    rows = await conn.fetch(
        """
        SELECT date, SUM(COALESCE(request_count, 1)) AS calls
          FROM api_usage_tracking
         WHERE provider_name = $1 AND date >= $2 AND date < $3
         GROUP BY date
        """,
        provider,
        first,
        following,
    )
    return {r["date"]: int(r["calls"]) for r in rows}


@dataclass(frozen=True, slots=True)
class WatchPace:
    """A watched account's next poll and the interval it was last given."""

    account_id: int
    next_poll_at: datetime
    interval: timedelta | None


async def watch_paces(conn: Any) -> list[WatchPace]:
    """Every active watch (one with watchers and a next poll)."""
    rows = await conn.fetch(
        """
        SELECT account_id, next_poll_at, next_poll_at - last_polled_at AS interval
          FROM account_watches
         WHERE next_poll_at IS NOT NULL
        """
    )
    return [record_of(WatchPace, r) for r in rows]


@dataclass(frozen=True, slots=True)
class PlannedCheck:
    """A check-back still to run before the month ends, with what the shedding order weighs."""

    post_id: int
    index: int  # 1-based position in the post's schedule
    due_at: datetime
    offset: timedelta | None
    views_per_hour: float | None


async def planned_checks(conn: Any, now: datetime, until: datetime) -> list[PlannedCheck]:
    """Every check still to run (after `now`) before `until` of the posts being tracked, with each post's
    views per hour since publishing by its latest snapshot."""
    del now  # the checks still to run are those past checks_completed, whenever they fall due
    rows = await conn.fetch(
        """
        SELECT p.id, s.n, s.at::timestamptz AS due_at, s.at::timestamptz - p.posted_at AS off,
               CASE WHEN l.views_count IS NULL OR p.posted_at IS NULL OR l.captured_at <= p.posted_at
                    THEN NULL
                    ELSE l.views_count / (extract(epoch FROM l.captured_at - p.posted_at) / 3600.0)
               END AS vph
          FROM social_media_posts p
          CROSS JOIN LATERAL jsonb_array_elements_text(p.check_schedule) WITH ORDINALITY AS s(at, n)
          LEFT JOIN LATERAL (
                SELECT y.views_count, y.captured_at FROM social_media_post_analytics y
                 WHERE y.post_id = p.id AND y.check_index IS NOT NULL
                 ORDER BY y.check_index DESC LIMIT 1
          ) l ON true
         WHERE p.tracking_complete = false AND p.next_check_at IS NOT NULL AND p.next_check_at < $1
           AND s.n > coalesce(p.checks_completed, 0) AND s.at::timestamptz < $1
        """,
        until,
    )
    return [
        PlannedCheck(
            r["id"], int(r["n"]), r["due_at"], r["off"], float(r["vph"]) if r["vph"] is not None else None
        )
        for r in rows
    ]


async def drop_checks(
    conn: Any, post_id: int, due: Sequence[datetime], *, value_class: str, now: datetime
) -> int:
    """Takes the checks due at `due` out of the post's schedule (only those still to run, and not while a
    runner holds the post), records them in dropped_checks, and moves next_check_at on when the next one
    went (the post completes when none is left). Returns how many were dropped."""
    row = await conn.fetchrow(
        """
        SELECT check_schedule, coalesce(checks_completed, 0) AS done, posted_at, claimed_until
          FROM social_media_posts
         WHERE id = $1 AND tracking_complete = false AND next_check_at IS NOT NULL
         FOR UPDATE
        """,
        post_id,
    )
    if row is None or (row["claimed_until"] is not None and row["claimed_until"] > now):
        return 0
    schedule = schedule_from_json(row["check_schedule"])
    done = row["done"]
    gone = set(due)
    kept = schedule[:done] + [when for when in schedule[done:] if when not in gone]
    dropped = [when for when in schedule[done:] if when in gone]
    if not dropped:
        return 0
    following = kept[done] if done < len(kept) else None
    await conn.execute(
        """
        UPDATE social_media_posts
           SET check_schedule = $2::jsonb, next_check_at = $3,
               tracking_complete = ($3::timestamptz IS NULL), updated_at = $4
         WHERE id = $1
        """,
        post_id,
        schedule_to_json(kept),
        following,
        now,
    )
    posted = row["posted_at"]
    await conn.executemany(
        """
        INSERT INTO dropped_checks (post_id, due_at, offset_seconds, value_class, dropped_at)
        VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING
        """,
        [
            (post_id, when, round((when - posted).total_seconds()) if posted else None, value_class, now)
            for when in dropped
        ],
    )
    return len(dropped)


async def dropped_counts(conn: Any, post_ids: Sequence[int]) -> dict[int, int]:
    """How many checks of each post were dropped (posts without any left out)."""
    rows = await conn.fetch(
        "SELECT post_id, count(*) AS n FROM dropped_checks WHERE post_id = ANY($1::int[]) GROUP BY post_id",
        list(post_ids),
    )
    return {r["post_id"]: int(r["n"]) for r in rows}


async def dropped_by_class(conn: Any, since: datetime) -> dict[str, int]:
    """Checks dropped since `since`, by value class."""
    rows = await conn.fetch(
        "SELECT value_class, count(*) AS n FROM dropped_checks WHERE dropped_at >= $1 GROUP BY value_class",
        since,
    )
    return {r["value_class"]: int(r["n"]) for r in rows}


async def guilds_in_use(conn: Any) -> list[int | None]:
    """Guilds (None: the CLI's) with a post being tracked or an account watched: those told about the
    budget."""
    rows = await conn.fetch(
        """
        SELECT gp.guild_id FROM guild_posts gp JOIN social_media_posts p ON p.id = gp.post_id
         WHERE p.tracking_complete = false AND p.next_check_at IS NOT NULL
        UNION
        SELECT g.guild_id FROM account_watch_guilds g
        """
    )
    return [r["guild_id"] for r in rows]


async def poll_calls_since(
    conn: Any, since: datetime, provider: str = PROVIDER
) -> tuple[int, datetime | None]:
    """Calls of account polls (/user/info, /user/posts) since `since`, and the first call ever recorded
    (None: none yet), to tell whether a whole day of polling is known."""
    row = await conn.fetchrow(
        """
        SELECT (SELECT COALESCE(SUM(COALESCE(request_count, 1)), 0) FROM api_usage_tracking
                 WHERE provider_name = $1 AND requested_at >= $2 AND endpoint IN ('/user/info', '/user/posts'))
                   AS calls,
               (SELECT min(requested_at) FROM api_usage_tracking WHERE provider_name = $1) AS first
        """,
        provider,
        since,
    )
    return int(row["calls"]), row["first"]
