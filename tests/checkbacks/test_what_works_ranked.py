"""/top by:hashtags|sounds' ranking (db/what_works.ranked) against the medians worked out here, for every
metric, with and without a period: only the guild's posts with a 24-hour figure, published within it."""

from __future__ import annotations

import statistics
from datetime import timedelta

import asyncpg

from db import what_works
from tests.conftest import START

GUILD, OTHER = 1_000_000_000_000_000_001, 1_000_000_000_000_000_002
# (days before START it was published, hashtags, sound, views, likes, comments, shares); None: no 24 h figure
POSTS = [
    (1, ("diy", "maker"), "s1", (900, 90, 9, 3)),
    (2, ("diy",), "s1", (500, 40, 5, 2)),
    (3, ("maker",), "s2", (1200, 10, 30, 1)),
    (5, ("diy", "fail"), None, (100, 70, 1, 8)),
    (40, ("fail",), "s2", (5000, 500, 50, 20)),
    (45, ("diy", "maker"), "s1", (7000, 5, 60, 30)),
    (2, ("diy",), "s2", None),
]
METRICS = ("views", "likes", "comments", "shares")


async def load(pool: asyncpg.Pool) -> None:
    await pool.execute("INSERT INTO social_media_accounts (platform, username) VALUES ('tiktok', 'maker_jo')")
    await pool.execute(
        "INSERT INTO social_media_sounds (external_sound_id, title, author, is_original)"
        " VALUES ('s1', 'Sound one', 'artist1', false), ('s2', 'Sound two', 'artist2', false)"
    )
    for i, (days, tags, sound, figures) in enumerate(POSTS):
        posted = START - timedelta(days=days)
        post_id = await pool.fetchval(
            "INSERT INTO social_media_posts (account_id, platform, external_post_id, post_url, posted_at, sound_id)"
            " VALUES (1, 'tiktok', $1, $2, $3, (SELECT id FROM social_media_sounds WHERE external_sound_id = $4))"
            " RETURNING id",
            f"76{i:017d}",
            f"https://www.tiktok.com/@maker_jo/video/76{i:017d}",
            posted,
            sound,
        )
        # The other guild tracks every post too: its rows must not count twice.
        for guild in (GUILD, OTHER):
            await pool.execute("INSERT INTO guild_posts (guild_id, post_id) VALUES ($1, $2)", guild, post_id)
        for position, tag in enumerate(tags, 1):
            hashtag_id = await pool.fetchval(
                "INSERT INTO social_media_hashtags (hashtag, platform) VALUES ($1, 'tiktok')"
                " ON CONFLICT (hashtag) DO UPDATE SET hashtag = EXCLUDED.hashtag RETURNING id",
                tag,
            )
            await pool.execute(
                "INSERT INTO social_media_post_hashtags (post_id, hashtag_id, position) VALUES ($1, $2, $3)",
                post_id,
                hashtag_id,
                position,
            )
        if figures is not None:
            await pool.execute(
                "INSERT INTO post_day_figures (post_id, captured_at, views, likes, comments, shares)"
                " VALUES ($1, $2, $3, $4, $5, $6)",
                post_id,
                posted + timedelta(hours=24),
                *figures,
            )


def expected(by: str, metric: str, within_days: int | None) -> list[tuple[str, float, int]]:
    groups: dict[str, list[int]] = {}
    for days, tags, sound, figures in POSTS:
        if figures is None or (within_days is not None and days > within_days):
            continue
        for key in tags if by == "hashtags" else ([sound] if sound else []):
            groups.setdefault(key, []).append(figures[METRICS.index(metric)])
    ranked = [(key, float(statistics.median(v)), len(v)) for key, v in groups.items()]
    return sorted(ranked, key=lambda r: (-r[1], -r[2], r[0]))


async def test_the_ranking_is_the_median_of_the_guilds_posts_figures_for_every_metric_and_period(
    clean_db: asyncpg.Pool,
) -> None:
    await load(clean_db)
    async with clean_db.acquire() as conn:
        for by in ("hashtags", "sounds"):
            for metric in METRICS:
                for within in (None, 30):
                    rows = await what_works.ranked(
                        conn,
                        by=by,  # type: ignore[arg-type]
                        guild_id=GUILD,
                        metric=metric,  # type: ignore[arg-type]
                        posted_since=None if within is None else START - timedelta(days=within),
                        limit=10,
                    )
                    got = [(r.key, r.median, r.posts) for r in rows]
                    assert got == expected(by, metric, within), (by, metric, within)
        sounds = await what_works.ranked(
            conn, by="sounds", guild_id=GUILD, metric="views", posted_since=None, limit=1
        )
        assert [(s.key, s.title, s.author) for s in sounds] == [("s2", "Sound two", "artist2")]
        assert (
            await what_works.ranked(
                conn, by="hashtags", guild_id=None, metric="views", posted_since=None, limit=10
            )
            == []
        )
