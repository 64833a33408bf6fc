"""SQL of the account baselines and projections (bot/insight/): the account's tracked posts at one age,
its stored growth-curve points, a snapshot's viral_score, and what was projected at each check."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

# The tracked history compares with the account's latest posts only (the last 20).
PEERS = 20


async def peer_views_at_age(
    conn: Any, account_id: int, *, exclude_post: int, age_seconds: float, tolerance_seconds: float
) -> list[int]:
    """The views of the account's latest PEERS other tracked posts (by publishing time) at a check taken
    `age_seconds` (± `tolerance_seconds`) after their publishing, one snapshot each."""
    rows = await conn.fetch(
        """
        SELECT s.views_count
          FROM social_media_posts p
          JOIN LATERAL (
                SELECT a.views_count
                  FROM social_media_post_analytics a
                 WHERE a.post_id = p.id AND a.check_index > 0 AND a.scheduled_for IS NOT NULL
                   AND abs(extract(epoch FROM a.scheduled_for - p.posted_at) - $3) <= $4
                 ORDER BY abs(extract(epoch FROM a.scheduled_for - p.posted_at) - $3)
                 LIMIT 1) s ON true
         WHERE p.account_id = $1 AND p.id <> $2 AND p.posted_at IS NOT NULL
         ORDER BY p.posted_at DESC
         LIMIT $5
        """,
        account_id,
        exclude_post,
        float(age_seconds),
        float(tolerance_seconds),
        PEERS,
    )
    return [int(r["views_count"] or 0) for r in rows]


@dataclass(frozen=True, slots=True)
class CurvePoints:
    """An account's videos as one account-posts call saw them at `fetched_at`."""

    fetched_at: datetime
    video_ids: list[str]
    ages_hours: list[float]
    views: list[int]


async def account_curve(conn: Any, account_id: int) -> tuple[str | None, CurvePoints | None]:
    """The account's username, and its videos as last fetched (None: never)."""
    row = await conn.fetchrow(
        """
        SELECT a.username, c.fetched_at, c.video_ids, c.ages_hours, c.views
          FROM social_media_accounts a
          LEFT JOIN account_growth_curves c ON c.account_id = a.id AND c.fetched_at IS NOT NULL
         WHERE a.id = $1
        """,
        account_id,
    )
    if row is None:
        return None, None
    if row["fetched_at"] is None:
        return row["username"], None
    points = CurvePoints(
        row["fetched_at"], list(row["video_ids"]), list(row["ages_hours"]), list(row["views"])
    )
    return row["username"], points


async def claim_curve_refresh(
    conn: Any, account_id: int, now: datetime, *, every: timedelta, retry: timedelta
) -> bool:
    """True when this caller is to fetch the account's videos now: none fetched within `every`, and no
    attempt within `retry`. Atomic: of callers at once, one gets True."""
    row = await conn.fetchrow(
        """
        INSERT INTO account_growth_curves AS c (account_id, attempted_at) VALUES ($1, $2)
        ON CONFLICT (account_id) DO UPDATE SET attempted_at = EXCLUDED.attempted_at
         WHERE (c.fetched_at IS NULL OR c.fetched_at <= $2 - $3::interval)
           AND (c.attempted_at IS NULL OR c.attempted_at <= $2 - $4::interval)
        RETURNING account_id
        """,
        account_id,
        now,
        every,
        retry,
    )
    return row is not None


async def store_curve_points(conn: Any, account_id: int, points: CurvePoints) -> None:
    """The account's videos as fetched at `points.fetched_at`."""
    await conn.execute(
        """
        INSERT INTO account_growth_curves AS c (account_id, attempted_at, fetched_at, video_ids, ages_hours, views)
        VALUES ($1, $2, $2, $3, $4, $5)
        ON CONFLICT (account_id) DO UPDATE
           SET fetched_at = EXCLUDED.fetched_at, video_ids = EXCLUDED.video_ids,
               ages_hours = EXCLUDED.ages_hours, views = EXCLUDED.views
        """,
        account_id,
        points.fetched_at,
        points.video_ids,
        points.ages_hours,
        points.views,
    )


async def set_viral_score(conn: Any, post_id: int, check_index: int, ratio: float) -> None:
    """The snapshot's ratio to its account's typical (the original schema's viral_score, numeric(10,2))."""
    await conn.execute(
        """
        UPDATE social_media_post_analytics SET viral_score = $3
         WHERE post_id = $1 AND check_index = $2
        """,
        post_id,
        check_index,
        min(round(ratio, 2), 99_999_999.99),
    )


Figures = tuple[int, int, int]  # projected views, the range's low and high


@dataclass(frozen=True, slots=True)
class StoredProjection:
    """What was projected at one check of a post: the views at 7 and at 30 days."""

    check_index: int
    made_at: datetime
    age_hours: float
    basis: str
    week: Figures
    month: Figures


_PROJECTION_COLUMNS = (
    "check_index, made_at, age_hours, basis, views_7d, low_7d, high_7d, views_30d, low_30d, high_30d"
)


async def store_projection(conn: Any, post_id: int, p: StoredProjection) -> None:
    """What was projected at the post's check `p.check_index` (kept as first written)."""
    await conn.execute(
        f"""
        INSERT INTO post_projections (post_id, {_PROJECTION_COLUMNS})
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
        ON CONFLICT (post_id, check_index) DO NOTHING
        """,  # noqa: S608 - a constant column list
        post_id,
        p.check_index,
        p.made_at,
        p.age_hours,
        p.basis,
        *p.week,
        *p.month,
    )


async def projections_of(conn: Any, post_id: int) -> list[StoredProjection]:
    """What was projected at each check of the post, in check order."""
    rows = await conn.fetch(
        f"SELECT {_PROJECTION_COLUMNS} FROM post_projections WHERE post_id = $1 ORDER BY check_index",  # noqa: S608
        post_id,
    )
    return [
        StoredProjection(
            r["check_index"],
            r["made_at"],
            r["age_hours"],
            r["basis"],
            (r["views_7d"], r["low_7d"], r["high_7d"]),
            (r["views_30d"], r["low_30d"], r["high_30d"]),
        )
        for r in rows
    ]
