"""SQL for "what works" and "when to post": a guild's hashtags and sounds ranked by the median of its posts'
figures at 24 hours, and those figures by publishing day and hour (post_day_figures, migration 0071).

Every query starts from the guild's posts (guild_posts by guild) and reaches each post's one row of figures,
hashtags and sound by primary key: the snapshots themselves are never read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from db.rows import record_of

DayMetric = Literal["views", "likes", "comments", "shares"]
# post_day_figures' columns: the only text interpolated into the queries below.
_FIGURES: dict[str, str] = {"views": "views", "likes": "likes", "comments": "comments", "shares": "shares"}


@dataclass(frozen=True, slots=True)
class UsedByRow:
    """A hashtag or sound, the median of the guild's posts' figure at 24 h with it, and how many posts."""

    key: str  # the hashtag, or the sound's id
    title: str | None  # the sound's title (None for a hashtag)
    author: str | None  # the sound's author
    median: float
    posts: int


@dataclass(frozen=True, slots=True)
class SlotRow:
    """One publishing slot (ISO day of week 1-7, Monday first; hour 0-23) and its posts' median figure."""

    day: int
    hour: int
    median: float
    posts: int


def _guild(guild_id: int | None, n: int) -> tuple[str, list[Any]]:
    """The guild's posts (`gp`): its own where clause and parameter (the CLI's posts have no guild)."""
    return ("gp.guild_id IS NULL", []) if guild_id is None else (f"gp.guild_id = ${n}", [guild_id])


# The median of each group's figures. percentile_cont as an aggregate sorts all of a ranking's rows by group
# before sorting each group's (300,000 post-hashtag rows for a server of 100,000 posts); collected by a hash
# aggregate instead, each group's few hundred figures are sorted on their own. The same value.
_MEDIAN = "(SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY v) FROM unnest(g.figures) AS v)"

# What a ranking groups by: the id it groups by, how a post's figures reach it, the named rows and their
# columns. Fixed texts, never user input.
_RANKED: dict[str, tuple[str, str, str, str]] = {
    "hashtags": (
        "ph.hashtag_id",
        "JOIN social_media_post_hashtags ph ON ph.post_id = pf.post_id",
        "social_media_hashtags h ON h.id = g.id",
        "h.hashtag AS key, NULL::text AS title, NULL::text AS author",
    ),
    "sounds": (
        "pf.sound_id",
        "",
        "social_media_sounds s ON s.id = g.id",
        "s.external_sound_id AS key, s.title, s.author",
    ),
}


async def ranked(
    conn: Any,
    *,
    by: Literal["hashtags", "sounds"],
    guild_id: int | None,
    metric: DayMetric,
    posted_since: datetime | None,
    limit: int,
) -> list[UsedByRow]:
    """The hashtags or sounds of the guild's posts that have a 24 h figure (published since `posted_since`,
    when given), by the median of that figure, best first; ties by more posts.

    The guild's posts' figures are gathered first (`pf`; OFFSET 0 keeps the planner from folding it in, and
    its row estimate lets the planner hash these 100,000 rows, not the 300,000 post-hashtag rows they then
    meet); the posts table, whose rows are wide, is read only for a sound or a publishing date."""
    key, join, named, columns = _RANKED[by]
    scope, args = _guild(guild_id, 2)
    post, sound, since = "", "NULL::integer", ""
    if by == "sounds" or posted_since is not None:
        post, sound = "JOIN social_media_posts p ON p.id = gp.post_id", "p.sound_id"
    if posted_since is not None:
        since = f"AND p.posted_at >= ${len(args) + 2}"
        args.append(posted_since)
    rows = await conn.fetch(
        f"""
        SELECT {columns}, {_MEDIAN} AS median, g.posts
          FROM (SELECT {key} AS id, array_agg(pf.figure) AS figures, count(*) AS posts
                  FROM (SELECT gp.post_id, {sound} AS sound_id, f.{_FIGURES[metric]} AS figure
                          FROM guild_posts gp
                          JOIN post_day_figures f ON f.post_id = gp.post_id
                          {post}
                         WHERE {scope} {since}
                        OFFSET 0) AS pf
                  {join}
                 GROUP BY 1) AS g
          JOIN {named}
         ORDER BY median DESC, posts DESC, key
         LIMIT $1
        """,  # noqa: S608 - the texts come from the fixed tables above
        limit,
        *args,
    )
    return [record_of(UsedByRow, r, median=float(r["median"]), posts=int(r["posts"])) for r in rows]


async def posts_with_figures(conn: Any, *, guild_id: int | None) -> int:
    """How many of the guild's posts have a 24 h figure."""
    scope, args = _guild(guild_id, 1)
    return int(
        await conn.fetchval(
            f"""
            SELECT count(*) FROM guild_posts gp JOIN post_day_figures f ON f.post_id = gp.post_id
             WHERE {scope}
            """,  # noqa: S608 - the scope comes from the fixed texts above
            *args,
        )
    )


async def slots(conn: Any, *, guild_id: int | None, account_id: int | None, timezone: str) -> list[SlotRow]:
    """The guild's posts with a 24 h figure (one account's, when given) grouped by the day of week and hour
    they were published, in `timezone` (an IANA name): each slot's median views and count."""
    scope, args = _guild(guild_id, 3)
    rows = await conn.fetch(
        f"""
        SELECT extract(isodow FROM p.posted_at AT TIME ZONE $2)::int AS day,
               extract(hour FROM p.posted_at AT TIME ZONE $2)::int AS hour,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY f.views) AS median,
               count(*) AS posts
          FROM guild_posts gp
          JOIN post_day_figures f ON f.post_id = gp.post_id
          JOIN social_media_posts p ON p.id = gp.post_id
         WHERE {scope} AND ($1::integer IS NULL OR p.account_id = $1) AND p.posted_at IS NOT NULL
         GROUP BY 1, 2
         ORDER BY 1, 2
        """,  # noqa: S608 - the scope comes from the fixed texts above
        account_id,
        timezone,
        *args,
    )
    return [record_of(SlotRow, r, median=float(r["median"]), posts=int(r["posts"])) for r in rows]


async def tracked_account(conn: Any, *, guild_id: int | None, username: str) -> tuple[int, str] | None:
    """The id and username of the account `username` (any case) when the guild tracks one of its posts."""
    scope, args = _guild(guild_id, 2)
    row = await conn.fetchrow(
        f"""
        SELECT a.id, a.username FROM social_media_accounts a
         WHERE lower(a.username) = lower($1)
           AND EXISTS (SELECT 1 FROM social_media_posts p JOIN guild_posts gp ON gp.post_id = p.id
                        WHERE p.account_id = a.id AND {scope})
         ORDER BY a.id LIMIT 1
        """,  # noqa: S608 - the scope comes from the fixed texts above
        username,
        *args,
    )
    return None if row is None else (row["id"], row["username"])
