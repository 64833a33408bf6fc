"""Embeds for /watch and for an account's analytics (/analytics account:)."""

from __future__ import annotations

from typing import Any

from bot.render.text import BLUE, GREEN, GREY, TITLE, Embed, clip, count, discord_ts, field, num, signed
from bot.watch_models import AccountAnalytics, AccountNumbers, WatchAddResult, WatchRemoveResult, WatchSummary

ACCOUNT_CHART = "account.png"


def watched_choice(username: str) -> str:
    """How a watched account is offered in autocomplete."""
    return f"@{username}"


def _numbers_fields(n: AccountNumbers | None) -> list[dict[str, Any]]:
    if n is None:
        return []
    return [
        field("Followers", num(n.followers)),
        field("Hearts", num(n.hearts)),
        field("Videos", num(n.videos)),
    ]


def _where(channel_id: int | None) -> str:
    return f"<#{channel_id}>" if channel_id else "the server's notification channel"


def watch_line(w: WatchSummary) -> str:
    """One line of /watch list: account, status, where announcements go, followers."""
    state = f"next look {discord_ts(w.next_poll_at)}" if w.active else w.status
    followers = f" · {num(w.numbers.followers)} followers" if w.numbers else ""
    posted = f" · {w.announced} new post(s) announced" if w.announced else ""
    return f"**@{w.username}** · {state} · to {_where(w.channel_id)}{followers}{posted}"


def watch_list_embed(items: list[WatchSummary]) -> Embed:
    lines = [watch_line(w) for w in items] or ["No watched accounts. Admins add one with `/watch add`."]
    return {"title": "Watched accounts", "description": clip("\n".join(lines), 4000), "color": BLUE}


def watch_added_embed(result: WatchAddResult) -> Embed:
    w = result.watch
    if result.already_watching:
        head = f"Already watching @{w.username}; new posts go to {_where(w.channel_id)}."
    else:
        head = f"Watching @{w.username}: each new post is tracked and announced in {_where(w.channel_id)}."
    lines = [head]
    if result.baseline_videos:
        lines.append(f"{count(result.baseline_videos, 'existing video')} recorded without announcing them.")
    if w.next_poll_at:
        lines.append(f"Next look for new posts {discord_ts(w.next_poll_at)}.")
    return {
        "title": clip(f"@{w.username}" + (f" ({w.display_name})" if w.display_name else ""), TITLE),
        "url": f"https://www.tiktok.com/@{w.username}",
        "description": "\n".join(lines),
        "fields": _numbers_fields(w.numbers),
        "color": GREY if result.already_watching else GREEN,
    }


def watch_removed_embed(result: WatchRemoveResult) -> Embed:
    tail = (
        "Nobody watches it any more, so its posts are no longer checked."
        if result.polling_stopped
        else "Other servers still watch it."
    )
    return {
        "title": clip(f"Stopped watching @{result.username}", TITLE),
        "description": tail + " Posts already tracked keep their check-backs.",
        "color": GREY,
    }


def account_analytics_embed(a: AccountAnalytics, *, chart: bool = False, max_rows: int = 12) -> Embed:
    rows = []
    for s in a.snapshots[-max_rows:]:
        n = s.numbers
        growth = f" ({signed(s.growth.followers)})" if s.growth and s.growth.followers is not None else ""
        rows.append(
            f"{discord_ts(s.captured_at, 'f')} · {num(n.followers)} followers{growth} · {num(n.hearts)} ♥"
        )
    fields = _numbers_fields(a.latest)
    if a.since_first is not None:
        first = a.since_first
        fields.append(
            field(
                "Since first",
                f"{signed(first.followers)} followers, {signed(first.hearts)} hearts, {signed(first.videos)} videos",
                inline=False,
            )
        )
    if a.followers_per_day is not None:
        fields.append(field("Followers/day", num(round(a.followers_per_day, 1))))
    status = a.watch.status if a.watch else "not watched"
    embed: Embed = {
        "title": clip(f"@{a.username}" + (f" ({a.display_name})" if a.display_name else ""), TITLE),
        "url": f"https://www.tiktok.com/@{a.username}",
        "description": clip("\n".join(rows) or "No snapshots yet.", 4000),
        "fields": fields[:25],
        "color": BLUE,
        "footer": {"text": f"{count(len(a.snapshots), 'snapshot')} · {status}"},
    }
    if chart:
        embed["image"] = {"url": f"attachment://{ACCOUNT_CHART}"}
    return embed
