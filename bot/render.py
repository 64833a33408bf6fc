"""Rendering as Discord embed JSON (plain dicts), Discord-free: outbox notifications and service results."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from bot.tracking import Metrics, PostAnalytics, PostPage, PostSummary, TrackResult, UntrackResult

Embed = dict[str, Any]

BLUE = 0x3498DB
GOLD = 0xF1C40F
PINK = 0xE91E63
GREY = 0x95A5A6
ORANGE = 0xE67E22
RED = 0xE74C3C
GREEN = 0x2ECC71

# Discord's limits: 10 embeds a message, and 6,000 characters over all of a message's embeds.
MAX_EMBEDS = 10
MAX_MESSAGE_CHARS = 6000


# --- small formatters -------------------------------------------------------------------------------
def discord_ts(when: datetime | str | None, style: str = "R") -> str:
    """A Discord timestamp (`<t:UNIX:R>` relative, `f` full date), shown in each reader's time zone."""
    when = _as_time(when)
    if when is None:
        return "—"
    return f"<t:{int(when.timestamp())}:{style}>"


def num(value: int | float | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}"
    return f"{int(value):,}"


def signed(value: int | float | None) -> str:
    if value is None:
        return "—"
    text = num(abs(value))
    return f"+{text}" if value >= 0 else f"-{text}"


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.2f}%"


def duration(seconds: float | int) -> str:
    """3 h 20 min, 2 d 4 h, 45 min, 30 s."""
    seconds = int(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    if minutes:
        return f"{minutes} min"
    return f"{secs} s"


def _as_time(when: datetime | str | None) -> datetime | None:
    if when is None or when == "":
        return None
    if isinstance(when, str):
        when = datetime.fromisoformat(when.replace("Z", "+00:00"))
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _cut(text: str | None, limit: int) -> str:
    """Tidy spaces within each line (keeping the line breaks a list needs) and cut to `limit`."""
    lines = (" ".join(line.split()) for line in (text or "").strip().splitlines())
    text = "\n".join(line for line in lines if line)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _field(name: str, value: str, inline: bool = True) -> dict[str, Any]:
    return {"name": _cut(name, 256), "value": _cut(value, 1024) or "—", "inline": inline}


def _post_title(payload: Mapping[str, Any], prefix: str) -> str:
    author = payload.get("author")
    who = f"@{author}" if author else f"video {payload.get('video_id', '?')}"
    return _cut(f"{prefix} · #{payload.get('post_id', '?')} {who}", 256)


def embed_chars(embed: Mapping[str, Any]) -> int:
    """Characters Discord counts toward a message's 6,000 (title, description, fields, footer, author)."""
    total = len(embed.get("title") or "") + len(embed.get("description") or "")
    total += len((embed.get("footer") or {}).get("text") or "")
    total += len((embed.get("author") or {}).get("name") or "")
    for f in embed.get("fields") or []:
        total += len(f.get("name") or "") + len(f.get("value") or "")
    return total


def chunk_embeds(
    embeds: list[Embed], max_embeds: int = MAX_EMBEDS, max_chars: int = MAX_MESSAGE_CHARS
) -> list[list[int]]:
    """Groups of embed positions that fit in one message each (≤10 embeds, ≤6,000 characters)."""
    groups: list[list[int]] = []
    current: list[int] = []
    chars = 0
    for i, embed in enumerate(embeds):
        size = embed_chars(embed)
        if current and (len(current) >= max_embeds or chars + size > max_chars):
            groups.append(current)
            current, chars = [], 0
        current.append(i)
        chars += size
    if current:
        groups.append(current)
    return groups


# --- outbox notifications ---------------------------------------------------------------------------
def render_notification(kind: str, payload: Mapping[str, Any]) -> Embed:
    """The embed for one outbox row; an unknown kind or a malformed payload still renders something."""
    renderer = _RENDERERS.get(kind)
    if renderer is not None:
        try:
            return renderer(payload)
        except (KeyError, TypeError, ValueError):
            pass
    return {
        "title": _cut(f"Checkback: {kind}", 256),
        "description": _cut(str(dict(payload)), 1000),
        "color": GREY,
    }


def _checkback(p: Mapping[str, Any]) -> Embed:
    m = p.get("metrics") or {}
    prev = p.get("since_previous")
    first = p.get("since_first")
    index, total = p.get("check_index"), p.get("checks_total")
    label = f"{p.get('offset')} check-back" if p.get("offset") else f"check-back {index}"
    lines = [_cut(p.get("caption"), 120)] if p.get("caption") else []
    late = int(p.get("late_seconds") or 0)
    if p.get("skipped"):
        lines.append(f"⏱ {duration(late)} late: {p['skipped']} missed check(s) folded into this one")
    elif late:
        lines.append(f"⏱ {duration(late)} late")
    fields = [
        _field("Views", f"{num(m.get('views'))} ({signed(prev.get('views')) if prev else 'first'})"),
        _field("Likes", f"{num(m.get('likes'))} ({signed(prev.get('likes')) if prev else 'first'})"),
        _field("Comments", f"{num(m.get('comments'))} · shares {num(m.get('shares'))}"),
        _field("Since first", f"{signed(first.get('views'))} views" if first else "—"),
        _field("Views/hour", num(p.get("views_per_hour"))),
        _field("Engagement", pct(p.get("engagement_rate"))),
    ]
    footer = f"check {index}/{total}" + (" · final check" if p.get("final") else "")
    if p.get("next_check_at"):
        lines.append(f"Next check {discord_ts(p['next_check_at'])}")
    embed: Embed = {
        "title": _post_title(p, label),
        "description": "\n".join(lines) or None,
        "url": p.get("url"),
        "color": BLUE,
        "fields": fields,
        "footer": {"text": footer},
        "timestamp": p.get("captured_at"),
    }
    return {k: v for k, v in embed.items() if v is not None}


def _milestone(p: Mapping[str, Any]) -> Embed:
    mark = int(p["milestone"])
    short = f"{mark // 1_000_000}M" if mark >= 1_000_000 else f"{mark // 1000}k"
    return {
        "title": _post_title(p, f"🎉 {short} views"),
        "description": f"Passed **{num(mark)} views** (now {num(p.get('views'))}).",
        "url": p.get("url"),
        "color": GOLD,
    }


def _viral(p: Mapping[str, Any]) -> Embed:
    if p.get("reason") == "pace":
        why = (
            f"Views/hour jumped to **{num(p.get('views_per_hour'))}** from {num(p.get('previous_views_per_hour'))}"
            f" ({p.get('ratio')}×)."
        )
    else:
        why = (
            f"**{num(p.get('views'))} views**, {p.get('ratio')}× the median ({num(p.get('median_views'))}) of the "
            f"account's {p.get('peers')} other tracked posts at the same check."
        )
    return {"title": _post_title(p, "🔥 Going viral"), "description": why, "url": p.get("url"), "color": PINK}


def _untracked(p: Mapping[str, Any]) -> Embed:
    last = p.get("last_views")
    return {
        "title": _post_title(p, "Tracking stopped"),
        "description": (
            f"The video is {p.get('reason', 'unavailable')}; no more check-backs."
            + (f" Last seen at {num(last)} views." if last is not None else "")
        ),
        "url": p.get("url"),
        "color": GREY,
        "footer": {"text": f"{p.get('checks_completed', 0)}/{p.get('checks_total', 0)} checks done"},
    }


def _budget(p: Mapping[str, Any]) -> Embed:
    return {
        "title": "API budget used up: check-backs postponed",
        "description": (
            f"The month's API budget ({num(p.get('budget'))} calls) is used up. Due check-backs move to "
            f"{discord_ts(p.get('postponed_until'), 'f')}; none are dropped, and the late ones will be "
            "folded into one check each."
        ),
        "color": ORANGE,
        "footer": {"text": f"month {p.get('month')}"},
    }


def _cap_alert(p: Mapping[str, Any]) -> Embed:
    level = int(p.get("level") or 0)
    who = p.get("account") or f"account {p.get('account_id')}"
    return {
        "title": _cut(f"{'⛔' if level >= 100 else '⚠️'} @{who}: {p.get('action_type')} cap at {level}%", 256),
        "description": (
            f"{num(p.get('count'))} of {num(p.get('daily_limit'))} {p.get('action_type')} actions used on "
            f"{p.get('date')}."
            + (" Further actions are refused until tomorrow (UTC)." if level >= 100 else "")
        ),
        "color": RED if level >= 100 else ORANGE,
    }


def _channel_broken(p: Mapping[str, Any]) -> Embed:
    return {
        "title": "Notification channel unusable",
        "description": (
            f"Guild {p.get('guild_id')}: channel {p.get('channel_id')} cannot be used ({p.get('reason')}). "
            "Its notifications wait until an admin sets a channel with /config."
        ),
        "color": RED,
    }


def _new_post(p: Mapping[str, Any]) -> Embed:
    """A watched account published a video (kind 'new_post', written by bot/watch.py)."""
    who = f"@{p.get('account')}"
    lines = [_cut(p.get("caption"), 200)] if p.get("caption") else []
    lines.append(f"Published {discord_ts(p.get('posted_at'))}")
    if p.get("tracked"):
        skipped = int(p.get("skipped_checks") or 0)
        lines.append(
            f"Tracking as #{p.get('post_id')}: next check-back {discord_ts(p.get('next_check_at'))}"
            + (f" ({skipped} already past were skipped)" if skipped else "")
        )
    else:
        lines.append(f"Not tracked: {p.get('not_tracked_reason') or 'unknown reason'}.")
    embed: Embed = {
        "title": _cut(f"🆕 New post by {who}", 256),
        "description": "\n".join(lines),
        "url": p.get("url"),
        "color": GREEN,
        "fields": [_field("Views so far", num(p.get("views"))), _field("Followers", num(p.get("followers")))],
        "footer": {"text": f"video {p.get('video_id')}"},
        "timestamp": p.get("posted_at"),
    }
    return {k: v for k, v in embed.items() if v is not None}


def _watch_stopped(p: Mapping[str, Any]) -> Embed:
    return {
        "title": _cut(f"Stopped watching @{p.get('account')}", 256),
        "description": (
            f"The account is {p.get('reason', 'unavailable')}; its new posts are no longer checked. "
            "An admin can `/watch add` it again once it is public."
        ),
        "color": GREY,
    }


def _watch_budget(p: Mapping[str, Any]) -> Embed:
    return {
        "title": "API budget nearly used: watched accounts paused",
        "description": (
            f"The month's API budget ({num(p.get('budget'))} calls) is nearly used; what is left goes to "
            f"check-backs of tracked posts. Looking for new posts of {num(p.get('accounts'))} watched "
            f"account(s) resumes {discord_ts(p.get('postponed_until'), 'f')}."
        ),
        "color": ORANGE,
        "footer": {"text": f"month {p.get('month')}"},
    }


_RENDERERS = {
    "checkback": _checkback,
    "milestone": _milestone,
    "viral": _viral,
    "untracked": _untracked,
    "budget": _budget,
    "cap_alert": _cap_alert,
    "channel_broken": _channel_broken,
    "new_post": _new_post,
    "watch_stopped": _watch_stopped,
    "watch_budget": _watch_budget,
}


# --- service results, for the cogs ------------------------------------------------------------------
def _metrics_fields(m: Metrics | None) -> list[dict[str, Any]]:
    if m is None:
        return []
    return [
        _field("Views", num(m.views)),
        _field("Likes", num(m.likes)),
        _field("Comments", num(m.comments)),
        _field("Shares", num(m.shares)),
        _field("Saves", num(m.saves)),
        _field("Engagement", pct(m.engagement_rate)),
    ]


def track_result_embed(result: TrackResult) -> Embed:
    post = result.post
    if result.already_tracked:
        head = "Already tracked here; nothing changed."
    else:
        head = f"Tracking #{post.id}: {post.checks_total - post.checks_completed} check-backs scheduled."
        if result.skipped_checks:
            head += f" {result.skipped_checks} already past were skipped."
    lines = [head]
    if post.caption:
        lines.append(_cut(post.caption, 200))
    lines.append(
        f"Next check {discord_ts(post.next_check_at)}" if post.next_check_at else f"Status: {post.status}"
    )
    return {
        "title": _cut(f"@{post.author} · video {post.video_id}", 256),
        "url": post.url,
        "description": "\n".join(lines),
        "fields": _metrics_fields(post.latest),
        "color": GREEN if not result.already_tracked else GREY,
    }


def untrack_result_embed(result: UntrackResult) -> Embed:
    post = result.post
    tail = "Its check-backs stopped." if result.tracking_stopped else "Other servers still track it."
    return {"title": _cut(f"Untracked #{post.id} @{post.author}", 256), "description": tail, "color": GREY}


def post_line(post: PostSummary) -> str:
    """One line of a listing: id, author, video id, checks done, next check."""
    when = f"next {discord_ts(post.next_check_at)}" if post.next_check_at else post.status
    views = f" · {num(post.latest.views)} views" if post.latest else ""
    return f"**#{post.id}** @{post.author} · [{post.video_id}]({post.url}) · {post.checks_completed}/{post.checks_total} · {when}{views}"


def post_list_embed(page: PostPage) -> Embed:
    lines = [post_line(p) for p in page.items] or ["No posts."]
    embed: Embed = {
        "title": f"Tracked posts ({page.status})",
        "description": _cut("\n".join(lines), 4000),
        "color": BLUE,
    }
    if page.next_cursor is not None:
        embed["footer"] = {"text": f"more: before={page.next_cursor}"}
    return embed


def analytics_embed(a: PostAnalytics, max_rows: int = 12) -> Embed:
    post = a.post
    rows = []
    for s in a.snapshots[-max_rows:]:
        growth = f" ({signed(s.growth.views)})" if s.growth else ""
        rows.append(f"`{s.label:>11}` {num(s.metrics.views)} views{growth} · {discord_ts(s.captured_at)}")
    fields = _metrics_fields(post.latest)
    if a.since_first is not None:
        fields.append(
            _field("Since first", f"{signed(a.since_first.views)} views, {signed(a.since_first.likes)} likes")
        )
    if a.since_previous is not None:
        fields.append(_field("Since last", f"{signed(a.since_previous.views)} views"))
    fields.append(_field("Views/hour", num(a.views_per_hour)))
    return {
        "title": _cut(f"#{post.id} @{post.author} · {post.checks_completed}/{post.checks_total} checks", 256),
        "url": post.url,
        "description": _cut("\n".join(rows) or "No snapshots yet.", 4000),
        "fields": fields[:25],
        "color": BLUE,
        "footer": {"text": post.status},
    }


def embeds_for(rows: Iterable[tuple[str, Mapping[str, Any]]]) -> list[Embed]:
    return [render_notification(kind, payload) for kind, payload in rows]
