"""What a post uses, from the API's answer: the hashtags of its caption and its sound (music_info). Stored at
/track and at every check-back in the same transaction as the snapshot, so posts tracked before (and an
original database's) get theirs at their next check, and an edited caption is followed."""

from __future__ import annotations

import re
from typing import Any

from bot.metrics.models import Video
from db import post_tags as db_post_tags
from db.hashtags import normalise_hashtag
from db.post_tags import SoundRow

# A hashtag is '#' then letters, digits or underscores (any script), as TikTok links them; stored lower-case.
_HASHTAG = re.compile(r"#(\w{1,100})")
MAX_HASHTAGS = 30  # a caption's first 30: TikTok's captions are short; a runaway one stays bounded


def caption_hashtags(caption: str | None) -> list[str]:
    """The caption's hashtags in order of first appearance, normalised (lower-case, no '#'), distinct."""
    seen: dict[str, None] = {}
    for match in _HASHTAG.finditer(caption or ""):
        tag = normalise_hashtag(match.group(1))
        if tag and not tag.isdigit():  # "#1" is a rank, not a tag
            seen.setdefault(tag, None)
    return list(seen)[:MAX_HASHTAGS]


def sound_of(video: Video) -> SoundRow | None:
    """The video's sound, or None when the answer named none."""
    music = video.music_info
    if music is None or not music.id:
        return None
    return SoundRow(
        external_sound_id=music.id[:255],
        title=music.title or None,
        author=music.author or None,
        is_original=music.original,
    )


async def store_post_tags(conn: Any, post_id: int, video: Video) -> None:
    """Stores the hashtags and sound of `video` for the post, writing only what changed (one read when
    nothing did). An answer without a title or a sound keeps what is stored: absent is not "none"."""
    hashtags, sound = caption_hashtags(video.title), sound_of(video)
    stored = await db_post_tags.stored_tags(conn, post_id)
    if "title" in video.raw and hashtags != stored.hashtags:
        await db_post_tags.replace_hashtags(conn, post_id, hashtags)
    if sound is not None and sound != stored.sound:
        await db_post_tags.set_sound(conn, post_id, sound)
