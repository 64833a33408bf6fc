"""SQL for /top: which of a guild's posts grew the most in one metric over a recent window."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, get_args

from db.rows import record_of

TopMetric = Literal["views", "likes", "comments", "shares"]

# A metric names the spans' columns first_<m>, last_<m>, series_<m>: the only text interpolated into the
# query below, so only these names pass.
_METRICS = frozenset(get_args(TopMetric))


@dataclass(frozen=True, slots=True)
class TopRow:
    """A post's growth in one metric: `current` at its latest snapshot (before `until`, when given), `growth`
    since the baseline (see top_growth)."""

    post_id: int
    username: str
    external_post_id: str
    post_url: str
    caption: str | None
    current: int
    growth: int
    since: datetime


async def top_growth(
    conn: Any,
    *,
    guild_id: int | None,
    metric: TopMetric,
    since: datetime,
    limit: int,
    until: datetime | None = None,
) -> list[TopRow]:
    """The guild's posts with the biggest growth of `metric` since `since`, biggest first.

    Growth is the latest snapshot's value minus the baseline: the last snapshot taken before `since`, or,
    for a post first tracked inside the window, its first snapshot (the views it had before we tracked it
    are not growth we saw). Only posts with a snapshot inside the window are considered.

    Read from post_snapshot_spans (migration 0030: each post's first and latest snapshot, kept by a
    trigger), in two parts: posts whose first snapshot is inside the window grew by latest - first, so
    their best `limit` come straight from the growth index; posts whose snapshots straddle `since` (the GiST
    index on (first_at, last_at]) need the snapshot just before it, which their row's series holds
    (migration 0090): found by a binary search when the series' times rise with its checks (width_bucket
    counts the times before `since`), else by a scan of the series. The snapshots table is never read.

    With `until` the window is [since, until) (a digest of a period that ended before it is built): the
    snapshots taken from `until` on are left out, the latest is the last one before it, found in the series
    as the baseline is. The growth index ranks growth to each post's very latest snapshot, so the posts first
    seen inside such a window are always sorted.
    """
    if until is None:
        query, args = await _statement(conn, guild_id=guild_id, metric=metric, since=since, limit=limit)
    else:
        args = [*_arguments(guild_id, since, limit), until]
        query = _query(metric, guild_id, True, f"${len(args)}")
    rows = await conn.fetch(query, *args)
    return [record_of(TopRow, r, current=int(r["current"]), growth=int(r["growth"])) for r in rows]


async def explain_top_growth(
    conn: Any, *, guild_id: int | None, metric: TopMetric, since: datetime, limit: int
) -> list[str]:
    """EXPLAIN (ANALYZE, BUFFERS) of top_growth's query, for the benchmark's account of where time goes."""
    query, args = await _statement(conn, guild_id=guild_id, metric=metric, since=since, limit=limit)
    rows = await conn.fetch("EXPLAIN (ANALYZE, BUFFERS) " + query, *args)
    return [r[0] for r in rows]


def _arguments(guild_id: int | None, since: datetime, limit: int) -> list[Any]:
    """The query's $1, $2 and (a guild's) $3."""
    return [since, limit] + ([] if guild_id is None else [guild_id])


async def _statement(
    conn: Any, *, guild_id: int | None, metric: TopMetric, since: datetime, limit: int
) -> tuple[str, list[Any]]:
    """top_growth's query for this window (with no end) and its arguments."""
    return _query(metric, guild_id, await _few_inside(conn, since)), _arguments(guild_id, since, limit)


# Up to this many posts first seen inside the window are ranked by sorting them (found by first_at); more,
# and the growth index is walked until enough of them turn up. Walking it when few qualify reads the whole
# index (measured: 1.4 s at 500,000 posts for a 24 h window holding none); sorting many costs the same.
FEW_INSIDE = 20_000


async def _few_inside(conn: Any, since: datetime) -> bool:
    found = await conn.fetchval(
        "SELECT count(*) FROM (SELECT 1 FROM post_snapshot_spans WHERE first_at >= $1 LIMIT $2) x",
        since,
        FEW_INSIDE + 1,
    )
    return int(found) <= FEW_INSIDE


def _index_before(bound: str) -> str:
    """SQL: the index in a span's series of the post's last snapshot taken before `bound` (0 or NULL: none),
    by a binary search when the series' times rise with its checks, else by a scan of the series."""
    return f"""CASE WHEN s.series_in_order
                THEN width_bucket({bound}::timestamptz - interval '1 microsecond', s.series_at)
                ELSE (SELECT max(k) FROM generate_subscripts(s.series_at, 1) AS k
                       WHERE s.series_at[k] < {bound})
           END"""  # noqa: S608 - a parameter's name only


def _query(metric: TopMetric, guild_id: int | None, few_inside: bool, until: str | None = None) -> str:
    """The ranking; `until` (a parameter's name, "$4") ends the window, else it runs to each post's latest
    snapshot."""
    if metric not in _METRICS:
        raise ValueError(f"unknown metric {metric!r}")
    scope = (
        "EXISTS (SELECT 1 FROM guild_posts gp WHERE gp.post_id = s.post_id AND gp.guild_id IS NULL)"
        if guild_id is None
        else "EXISTS (SELECT 1 FROM guild_posts gp WHERE gp.post_id = s.post_id AND gp.guild_id = $3)"
    )
    current = f"s.last_{metric}" if until is None else f"s.series_{metric}[{_index_before(until)}]"
    growth = f"{current} - s.first_{metric}"
    # An end to the window: a post first seen inside it, or one straddling its start with a snapshot in it.
    first_seen = "s.first_at >= $1" + ("" if until is None else f" AND s.first_at < {until}")
    seen_inside = (
        ""
        if until is None
        else f"AND EXISTS (SELECT FROM unnest(s.series_at) t WHERE t >= $1 AND t < {until})"  # noqa: S608
    )
    if few_inside:
        # The few posts first seen inside the window (found by first_at) sorted by growth first, OFFSET 0
        # fencing the sort, then the scope checked in that order until `limit` pass: a guild probe for each
        # post ranked, not for each post in the window.
        inside = f"""
            SELECT * FROM (
                SELECT s.post_id, {current} AS current, {growth} AS growth, s.first_at AS since
                  FROM post_snapshot_spans s
                 WHERE {first_seen}
                 ORDER BY growth DESC, s.post_id DESC OFFSET 0) s
             WHERE {scope}
             ORDER BY growth DESC, post_id DESC
             LIMIT $2"""  # noqa: S608 - fixed column names only
    else:
        # Many: the growth index is walked until `limit` posts inside the window and the scope turn up.
        inside = f"""
            SELECT s.post_id, {current} AS current, {growth} AS growth, s.first_at AS since
              FROM post_snapshot_spans s
             WHERE {first_seen} AND {scope}
             ORDER BY {growth} DESC, s.post_id DESC
             LIMIT $2"""  # noqa: S608 - fixed column names only
    return f"""
        WITH inside AS ({inside}
        ), straddling AS (
            -- The value just before the window from the post's own series (migration 0090); the growths
            -- sorted first, then the scope checked in that order, as above.
            SELECT * FROM (
                SELECT s.post_id, {current} AS current, {current} - before.value AS growth, before.at AS since
                  FROM post_snapshot_spans s
                  CROSS JOIN LATERAL (
                        SELECT s.series_{metric}[i] AS value, s.series_at[i] AS at
                          FROM (SELECT {_index_before("$1")} AS i) last_before) before
                 WHERE tstzrange(least(s.first_at, s.last_at), greatest(s.first_at, s.last_at), '(]')
                       @> $1::timestamptz AND s.first_at < $1 {seen_inside}
                 ORDER BY growth DESC, s.post_id DESC OFFSET 0) s
             WHERE {scope}
             ORDER BY growth DESC, post_id DESC
             LIMIT $2
        ), growth AS (
            SELECT * FROM inside UNION ALL SELECT * FROM straddling
             ORDER BY growth DESC, post_id DESC
             LIMIT $2
        )
        SELECT g.post_id, a.username, p.external_post_id, p.post_url, p.caption, g.current, g.growth,
               g.since
          FROM growth g
          JOIN social_media_posts p ON p.id = g.post_id
          JOIN social_media_accounts a ON a.id = p.account_id
         ORDER BY g.growth DESC, g.post_id DESC
        """  # noqa: S608 - the columns come from the fixed tables above, never from user input
