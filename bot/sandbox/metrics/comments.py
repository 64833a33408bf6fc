"""The simulator's comments and their replies, as `/comment/list` and `/comment/reply` list them.

A video has three kinds of comments, all a pure function of its id, the clock and what a test added:
  - its `comment_total` older comments (ids "74…"), there from the start, listed last (as before);
  - a stream of new ones (ids "75…"), `fresh_per_hour` of them an hour after publishing (0: none; the
    sandbox turns it on), some of them questions;
  - comments a test adds with `SimWorld.add_comment` (ids "76…"), each from its own time.
New and added comments are listed newest first, before the older ones, and only once their time has come.
A comment's replies (ids "77…") appear over time too; some are written by the video's own account.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bot.sandbox.metrics.world import SimComment, SimReply, SimVideo, SimWorld, stable_int

CDN = "https://cdn.sim.invalid"
OLD_WORDS = (
    "love this",
    "what gauge wire is that?",
    "tutorial please",
    "first!",
    "this is so satisfying",
    "how long did it take?",
    "the music choice though",
    "saved for later",
    "where did you buy it?",
    "underrated",
)
NEW_WORDS = (
    "where can I buy this?",
    "so cool",
    "link please",
    "what's the price",
    "🔥🔥🔥",
    "how did you make this?",
    "need this in my life",
    "where to buy one",
    "obsessed",
    "is this real",
)
FAN_REPLIES = ("same question", "+1", "following for the answer", "me too")
CREATOR_REPLIES = ("Link in my bio!", "Thanks for asking, it's in the shop now", "DM'd you!")


def _key(video_id: str) -> str:
    return f"{stable_int('cid', video_id) % 10**12:012d}"


def _fan(h: int) -> str:
    return f"fan_{h % 100_000:05d}"


def old_comment(video: SimVideo, i: int) -> SimComment:
    h = stable_int("comment", video.video_id, i)
    cid = f"74{_key(video.video_id)}{i:05d}"
    at = video.published_at + timedelta(seconds=(i + 1) * 97)
    return SimComment(
        cid, OLD_WORDS[h % len(OLD_WORDS)], at, _fan(h), h % 250, _replies(video, cid, at, h % 6)
    )


def new_comment(video: SimVideo, k: int) -> SimComment:
    h = stable_int("fresh", video.video_id, k)
    cid = f"75{_key(video.video_id)}{k:05d}"
    at = video.published_at + timedelta(hours=(k + 1) / video.fresh_per_hour)
    return SimComment(
        cid, NEW_WORDS[h % len(NEW_WORDS)], at, _fan(h), h % 90, _replies(video, cid, at, h % 4)
    )


def _replies(video: SimVideo, cid: str, at: datetime, count: int) -> list[SimReply]:
    """`count` replies, 10 minutes apart; the video's account writes about one in six."""
    out = []
    for j in range(count):
        h = stable_int("reply", cid, j)
        mine = h % 6 == 0
        words = CREATOR_REPLIES if mine else FAN_REPLIES
        who = video.username if mine else _fan(h)
        out.append(SimReply(words[h % len(words)], at + timedelta(minutes=10 * (j + 1)), who, mine))
    return out


def add_comment(
    world: SimWorld,
    video_id: str,
    text: str,
    *,
    at: datetime | None = None,
    username: str = "fan_00001",
    likes: int = 0,
    replies: tuple[tuple[str, bool], ...] = (),
) -> SimComment:
    """A comment written at `at` (default now); `replies` are (text, by the video's account) pairs, written
    a minute apart after it."""
    video = world.video(video_id)
    when = at or world.clock.now()
    cid = f"76{_key(video.video_id)}{len(video.added_comments):05d}"
    comment = SimComment(cid, text, when, username, likes)
    for j, (body, mine) in enumerate(replies):
        who = video.username if mine else f"fan_{9000 + j:05d}"
        comment.replies.append(SimReply(body, when + timedelta(minutes=j + 1), who, mine))
    video.added_comments.append(comment)
    return comment


def listing(video: SimVideo, now: datetime) -> list[SimComment | int]:
    """The comments in the API's order: new and added ones (newest first), then the indexes of the old ones."""
    fresh: list[SimComment] = list(c for c in video.added_comments if c.at <= now)
    if video.fresh_per_hour > 0:
        hours = (now - video.published_at).total_seconds() / 3600
        count = max(0, int(hours * video.fresh_per_hour + 1e-9))
        fresh.extend(new_comment(video, k) for k in range(count))
    fresh.sort(key=lambda c: (c.at, c.comment_id), reverse=True)
    return [*fresh, *range(video.comment_total)]


def comment_json(video: SimVideo, comment: SimComment, now: datetime) -> dict[str, Any]:
    return {
        "id": comment.comment_id,
        "video_id": video.video_id,
        "text": comment.text,
        "create_time": int(comment.at.timestamp()),
        "digg_count": comment.likes,
        "reply_total": sum(1 for r in comment.replies if r.at <= now),
        "status": 1,
        "user": _user(comment.username),
    }


def replies_json(video: SimVideo, comment: SimComment, now: datetime) -> list[dict[str, Any]]:
    return [
        {
            "id": f"77{comment.comment_id[2:]}{j:03d}",
            "video_id": video.video_id,
            "text": r.text,
            "create_time": int(r.at.timestamp()),
            "digg_count": 0,
            "reply_total": 0,
            "status": 1,
            "user": _user(r.username),
        }
        for j, r in enumerate(comment.replies)
        if r.at <= now
    ]


def find_comment(world: SimWorld, comment_id: str) -> tuple[SimVideo, SimComment] | None:
    """The video and comment of a comment id (any kind), or None."""
    kind, key, tail = comment_id[:2], comment_id[2:14], comment_id[14:]
    if not tail.isdigit():
        return None
    n = int(tail)
    for video in world.all_videos():
        if _key(video.video_id) != key:
            continue
        if kind == "74" and n < video.comment_total:
            return video, old_comment(video, n)
        if kind == "75" and video.fresh_per_hour > 0:
            return video, new_comment(video, n)
        if kind == "76" and n < len(video.added_comments):
            return video, video.added_comments[n]
    return None


def _user(username: str) -> dict[str, Any]:
    return {
        "id": str(7_000_000_000_000_000_000 + stable_int("user", username) % 10**17),
        "unique_id": username,
        "nickname": username.replace("_", " ").title(),
        "avatar": f"{CDN}/avatar/{username}.jpg",
    }
