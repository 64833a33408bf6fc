"""SQL about hashtags: upsert the ones a search found, keyed by the tag (stored lower-case, no '#')."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg

PLATFORM = "tiktok"


@dataclass(frozen=True, slots=True)
class HashtagRow:
    hashtag: str
    total_uses: int | None  # the API's user_count: how many made videos with it
    total_views: int | None


def normalise_hashtag(tag: str) -> str:
    """TikTok tags compare case-insensitively and are written with or without '#'."""
    return tag.strip().lstrip("#").strip().lower()


async def upsert_hashtags(conn: asyncpg.Connection, tags: Sequence[HashtagRow]) -> dict[str, int]:
    """Inserts or refreshes the tags; returns their ids by tag. Absent numbers keep the stored ones."""
    if not tags:
        return {}
    rows = await conn.fetch(
        """
        INSERT INTO social_media_hashtags AS h (hashtag, platform, total_uses, total_views)
        SELECT t.tag, $1, coalesce(t.uses, 0), coalesce(t.views, 0)
        FROM unnest($2::text[], $3::bigint[], $4::bigint[]) AS t(tag, uses, views)
        ON CONFLICT (hashtag) DO UPDATE SET
            platform = coalesce(h.platform, EXCLUDED.platform),
            -- $5 and $6 list the tags this answer gave no number for: those keep the stored one.
            total_uses = CASE WHEN EXCLUDED.hashtag = ANY($5::text[]) THEN h.total_uses
                              ELSE EXCLUDED.total_uses END,
            total_views = CASE WHEN EXCLUDED.hashtag = ANY($6::text[]) THEN h.total_views
                               ELSE EXCLUDED.total_views END,
            updated_at = now()
        RETURNING id, hashtag
        """,
        PLATFORM,
        [t.hashtag for t in tags],
        [t.total_uses for t in tags],
        [t.total_views for t in tags],
        [t.hashtag for t in tags if t.total_uses is None],
        [t.hashtag for t in tags if t.total_views is None],
    )
    return {r["hashtag"]: r["id"] for r in rows}
