"""Embeds for what works and when to post: /top by:hashtags|sounds and /besttime."""

from __future__ import annotations

from bot.render.text import BLUE, DESCRIPTION, GREEN, GREY, Embed, clip, count, cut, num, short
from bot.what_works import BESTTIME_MIN_POSTS, SMALL_SAMPLE, BestTime, Ranking
from db.what_works import SlotRow, UsedByRow

BESTTIME_FILENAME = "besttime.png"
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _name(by: str, row: UsedByRow) -> str:
    if by == "hashtags":
        return f"**#{row.key}**"
    # An original sound is titled after its author already ("original sound - maker_jo").
    by_whom = f" · {cut(row.author, 40)}" if row.author and row.author not in (row.title or "") else ""
    return f"**{cut(row.title, 80) or 'untitled sound'}**{by_whom}"


def ranking_embed(r: Ranking) -> Embed:
    """/top by:hashtags or by:sounds: each with its median at 24 hours and its count of posts."""
    lines = [
        f"**{n}.** {_name(r.by, row)} · median **{short(row.median)}** {r.metric} at 24 h · "
        f"{count(row.posts, 'post')}" + (" · *small sample*" if row.posts < SMALL_SAMPLE else "")
        for n, row in enumerate(r.rows, start=1)
    ]
    within = f", posts published in the last {r.period}" if r.period else ""
    empty = (
        "No tracked post has a 24-hour figure yet: a post gets one at its 24 h check-back."
        if r.posts_with_figures == 0
        else f"None of those posts has {'a hashtag' if r.by == 'hashtags' else 'a known sound'}."
    )
    return {
        "title": f"Top {r.by} by median {r.metric} at 24 hours{within}",
        "description": clip("\n".join(lines), DESCRIPTION) if lines else empty,
        "color": GREEN,
        "footer": {
            "text": f"{count(r.posts_with_figures, 'tracked post')} with a 24-hour figure · "
            f"fewer than {SMALL_SAMPLE} posts is a small sample"
        },
    }


def slot_name(slot: SlotRow) -> str:
    """Tue 19:00."""
    return f"{DAYS[slot.day - 1]} {slot.hour:02d}:00"


def besttime_embed(b: BestTime, *, chart: bool = False) -> Embed:
    """/besttime: the best slots named with their medians and counts, or why there is nothing to show."""
    whose = f"@{b.account}'s" if b.account else "this server's"
    if not b.enough:
        return {
            "title": f"When to post: {whose} posts",
            "description": f"Not enough data yet: {count(b.posts, 'tracked post')} with a 24-hour figure, "
            f"and the heatmap needs at least {BESTTIME_MIN_POSTS}. A post gets its figure at its 24 h "
            "check-back.",
            "color": GREY,
        }
    best = [
        f"**{n}.** {slot_name(s)} · median **{short(s.median)}** views at 24 h · {count(s.posts, 'post')}"
        for n, s in enumerate(b.best, start=1)
    ]
    embed: Embed = {
        "title": f"When to post: {whose} posts",
        "description": "Best slots to publish (by median views at 24 hours):\n" + "\n".join(best),
        "color": BLUE,
        "footer": {"text": f"{num(b.posts)} posts with a 24-hour figure · publishing times in {b.timezone}"},
    }
    if chart:
        embed["image"] = {"url": f"attachment://{BESTTIME_FILENAME}"}
    return embed
