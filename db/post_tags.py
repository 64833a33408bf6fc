"""SQL about what a post uses: its caption hashtags (the original's social_media_post_hashtags) and its sound
(social_media_sounds, migration 0071). Written at /track and at every check-back, only when they changed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from db.hashtags import PLATFORM
from db.rows import record_of


@dataclass(frozen=True, slots=True)
class SoundRow:
    """A sound as the API names it (music_info)."""

    external_sound_id: str
    title: str | None
    author: str | None
    is_original: bool | None


@dataclass(frozen=True, slots=True)
class StoredTags:
    """What is stored for a post now: its hashtags in caption order and its sound's id and title."""

    hashtags: list[str]
    sound: SoundRow | None


async def stored_tags(conn: Any, post_id: int) -> StoredTags:
    """The post's stored hashtags and sound (one query: what every check compares the answer with)."""
    row = await conn.fetchrow(
        """
        SELECT s.external_sound_id, s.title, s.author, s.is_original,
               ARRAY(SELECT h.hashtag
                       FROM social_media_post_hashtags ph
                       JOIN social_media_hashtags h ON h.id = ph.hashtag_id
                      WHERE ph.post_id = p.id
                      ORDER BY ph.position NULLS LAST, h.hashtag) AS hashtags
          FROM social_media_posts p
          LEFT JOIN social_media_sounds s ON s.id = p.sound_id
         WHERE p.id = $1
        """,
        post_id,
    )
    if row is None:
        return StoredTags([], None)
    sound = record_of(SoundRow, row) if row["external_sound_id"] is not None else None
    return StoredTags(list(row["hashtags"]), sound)


async def replace_hashtags(conn: Any, post_id: int, hashtags: Sequence[str]) -> None:
    """The post's hashtags become `hashtags` (normalised, distinct), positioned in caption order.

    New tags are inserted sorted and with DO NOTHING: concurrent checks never lock each other's rows of
    popular tags (#fyp), nor wait on each other in opposite orders."""
    await conn.execute(
        """
        INSERT INTO social_media_hashtags (hashtag, platform)
        SELECT t.tag, $2 FROM unnest($1::text[]) AS t(tag) ORDER BY t.tag
        ON CONFLICT (hashtag) DO NOTHING
        """,
        sorted(hashtags),
        PLATFORM,
    )
    await conn.execute("DELETE FROM social_media_post_hashtags WHERE post_id = $1", post_id)
    await conn.execute(
        """
        INSERT INTO social_media_post_hashtags (post_id, hashtag_id, position)
        SELECT $1, h.id, t.position
          FROM unnest($2::text[]) WITH ORDINALITY AS t(tag, position)
          JOIN social_media_hashtags h ON h.hashtag = t.tag
        ON CONFLICT (post_id, hashtag_id) DO NOTHING
        """,
        post_id,
        list(hashtags),
    )


async def set_sound(conn: Any, post_id: int, sound: SoundRow) -> None:
    """The post uses `sound` (inserted if new; its title, author and originality refreshed if they changed)."""
    sound_id = await conn.fetchval(
        """
        INSERT INTO social_media_sounds AS s (platform, external_sound_id, title, author, is_original)
        VALUES ($1, $2, $3, $4, $5)
        ON CONFLICT (platform, external_sound_id) DO UPDATE SET
            title = excluded.title, author = excluded.author, is_original = excluded.is_original,
            updated_at = now()
         WHERE (s.title, s.author, s.is_original)
               IS DISTINCT FROM (excluded.title, excluded.author, excluded.is_original)
        RETURNING id
        """,
        PLATFORM,
        sound.external_sound_id,
        sound.title,
        sound.author,
        sound.is_original,
    )
    if sound_id is None:  # known and unchanged: nothing was written, so nothing returned
        sound_id = await conn.fetchval(
            "SELECT id FROM social_media_sounds WHERE platform = $1 AND external_sound_id = $2",
            PLATFORM,
            sound.external_sound_id,
        )
    await conn.execute(
        "UPDATE social_media_posts SET sound_id = $2 WHERE id = $1 AND sound_id IS DISTINCT FROM $2",
        post_id,
        sound_id,
    )
