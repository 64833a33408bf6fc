"""Outbox notifications as Discord embed JSON (plain dicts), and their batching into messages."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.render.text import (
    BLUE,
    GOLD,
    GREEN,
    GREY,
    ORANGE,
    PINK,
    RED,
    Embed,
    cut_lines,
    discord_ts,
    duration,
    field,
    num,
    pct,
    signed,
    without_none,
)

# Discord's limits: 10 embeds a message, and 6,000 characters over all of a message's embeds.
MAX_EMBEDS = 10
MAX_MESSAGE_CHARS = 6000


def _post_title(payload: Mapping[str, Any], prefix: str) -> str:
    author = payload.get("author")
    who = f"@{author}" if author else f"video {payload.get('video_id', '?')}"
    return cut_lines(f"{prefix} · #{payload.get('post_id', '?')} {who}", 256)


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


def render_notification(kind: str, payload: Mapping[str, Any]) -> Embed:
    """The embed for one outbox row; an unknown kind or a malformed payload still renders something."""
    renderer = _RENDERERS.get(kind)
    if renderer is not None:
        try:
            return renderer(payload)
        except (KeyError, TypeError, ValueError):
            pass
    return {
        "title": cut_lines(f"Checkback: {kind}", 256),
        "description": cut_lines(str(dict(payload)), 1000),
        "color": GREY,
    }


def _checkback(p: Mapping[str, Any]) -> Embed:
    m = p.get("metrics") or {}
    prev = p.get("since_previous")
    first = p.get("since_first")
    index, total = p.get("check_index"), p.get("checks_total")
    label = f"{p.get('offset')} check-back" if p.get("offset") else f"check-back {index}"
    lines = [cut_lines(p.get("caption"), 120)] if p.get("caption") else []
    late = int(p.get("late_seconds") or 0)
    if p.get("skipped"):
        lines.append(f"⏱ {duration(late)} late: {p['skipped']} missed check(s) folded into this one")
    elif late:
        lines.append(f"⏱ {duration(late)} late")
    fields = [
        field("Views", f"{num(m.get('views'))} ({signed(prev.get('views')) if prev else 'first'})"),
        field("Likes", f"{num(m.get('likes'))} ({signed(prev.get('likes')) if prev else 'first'})"),
        field("Comments", f"{num(m.get('comments'))} · shares {num(m.get('shares'))}"),
        field("Since first", f"{signed(first.get('views'))} views" if first else "—"),
        field("Views/hour", num(p.get("views_per_hour"))),
        field("Engagement", pct(p.get("engagement_rate"))),
    ]
    footer = f"check {index}/{total}" + (" · final check" if p.get("final") else "")
    if p.get("next_check_at"):
        lines.append(f"Next check {discord_ts(p['next_check_at'])}")
    return without_none(
        {
            "title": _post_title(p, label),
            "description": "\n".join(lines) or None,
            "url": p.get("url"),
            "color": BLUE,
            "fields": fields,
            "footer": {"text": footer},
            "timestamp": p.get("captured_at"),
        }
    )


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
        "title": cut_lines(
            f"{'⛔' if level >= 100 else '⚠️'} @{who}: {p.get('action_type')} cap at {level}%", 256
        ),
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
    """A watched account published a video (kind 'new_post', written by bot/polling.py)."""
    who = f"@{p.get('account')}"
    lines = [cut_lines(p.get("caption"), 200)] if p.get("caption") else []
    lines.append(f"Published {discord_ts(p.get('posted_at'))}")
    if p.get("tracked"):
        skipped = int(p.get("skipped_checks") or 0)
        lines.append(
            f"Tracking as #{p.get('post_id')}: next check-back {discord_ts(p.get('next_check_at'))}"
            + (f" ({skipped} already past were skipped)" if skipped else "")
        )
    else:
        lines.append(f"Not tracked: {p.get('not_tracked_reason') or 'unknown reason'}.")
    return without_none(
        {
            "title": cut_lines(f"🆕 New post by {who}", 256),
            "description": "\n".join(lines),
            "url": p.get("url"),
            "color": GREEN,
            "fields": [
                field("Views so far", num(p.get("views"))),
                field("Followers", num(p.get("followers"))),
            ],
            "footer": {"text": f"video {p.get('video_id')}"},
            "timestamp": p.get("posted_at"),
        }
    )


def _watch_stopped(p: Mapping[str, Any]) -> Embed:
    return {
        "title": cut_lines(f"Stopped watching @{p.get('account')}", 256),
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
