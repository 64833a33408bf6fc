"""Embeds for tracked posts: /track, /untrack, /tracked, /analytics, /top, /export, /comments, and /search."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot import tracking_models
from bot.analytics import TopPosts
from bot.render.insight import insight_parts
from bot.render.text import (
    BLUE,
    DESCRIPTION,
    GREEN,
    GREY,
    TITLE,
    Embed,
    clip,
    code,
    count,
    cut,
    cut_lines,
    discord_ts,
    field,
    num,
    pct,
    short,
    signed,
    skipped_text,
    utc_short,
)
from bot.search import FoundHashtag, FoundUser, FoundVideo

HISTORY_ROWS = 25
PAGE_NEWEST = "⏮ Newest"
PAGE_OLDER = "Older ▶"
# /analytics with neither option.
POST_OR_ACCOUNT = "Name a post (post:) or an account (account:)."


def _metrics_fields(m: tracking_models.Metrics | None) -> list[dict[str, Any]]:
    if m is None:
        return []
    return [
        field("Views", num(m.views)),
        field("Likes", num(m.likes)),
        field("Comments", num(m.comments)),
        field("Shares", num(m.shares)),
        field("Saves", num(m.saves)),
        field("Engagement", pct(m.engagement_rate)),
    ]


def track_result_embed(result: tracking_models.TrackResult) -> Embed:
    post = result.post
    if result.already_tracked:
        head = "Already tracked here; nothing changed."
    else:
        head = f"Tracking #{post.id}: {count(post.checks_total - post.checks_completed, 'check-back')} scheduled."
        if result.skipped_checks:
            head += f" {skipped_text(result.skipped_checks)}."
    lines = [head]
    if post.caption:
        lines.append(cut_lines(post.caption, 200))
    lines.append(
        f"Next check {discord_ts(post.next_check_at)}" if post.next_check_at else f"Status: {post.status}"
    )
    return {
        "title": cut_lines(f"@{post.author} · video {post.video_id}", TITLE),
        "url": post.url,
        "description": "\n".join(lines),
        "fields": _metrics_fields(post.latest),
        "color": GREEN if not result.already_tracked else GREY,
    }


def track_links_embed(outcomes: Sequence[tracking_models.LinkOutcome]) -> Embed:
    """/track with several links (or the "Track TikTok links" menu): one line a link, in the given order."""
    lines = []
    for outcome in outcomes:
        link = "`" + cut(outcome.link, 80).replace("`", "'") + "`"
        result = outcome.result
        if result is None:
            why = outcome.error.user_message if outcome.error is not None else "not tracked"
            lines.append(f"✗ {link} — error: {cut(why, 200)}")
        elif result.already_tracked:
            lines.append(f"• {link} — already tracked: #{result.post.id} @{result.post.author}")
        else:
            post = result.post
            lines.append(
                f"✓ {link} — tracked: #{post.id} @{post.author}, "
                f"{post.checks_total - post.checks_completed} check-backs scheduled"
            )
    tracked = sum(1 for o in outcomes if o.result is not None and not o.result.already_tracked)
    failed = sum(1 for o in outcomes if o.result is None)
    return {
        "title": f"{len(outcomes)} link{'' if len(outcomes) == 1 else 's'}: {tracked} tracked, {failed} failed",
        "description": clip("\n".join(lines), DESCRIPTION),
        "color": GREEN if failed == 0 else GREY,
    }


NO_LINKS_IN_MESSAGE = "That message has no TikTok link to track."


def untrack_result_embed(result: tracking_models.UntrackResult) -> Embed:
    post = result.post
    tail = "Its check-backs stopped." if result.tracking_stopped else "Other servers still track it."
    return {
        "title": cut_lines(f"Untracked #{post.id} @{post.author}", TITLE),
        "description": tail,
        "color": GREY,
    }


def post_line(post: tracking_models.PostSummary) -> str:
    """One line of a listing: id, author, video id, checks done, next check."""
    when = f"next {discord_ts(post.next_check_at)}" if post.next_check_at else post.status
    views = f" · {num(post.latest.views)} views" if post.latest else ""
    dropped = f" · {post.checks_dropped} dropped (API budget)" if post.checks_dropped else ""
    return f"**#{post.id}** @{post.author} · [{post.video_id}]({post.url}) · {post.checks_completed}/{post.checks_total}{dropped} · {when}{views}"


def choice_label(choice: tracking_models.PostChoice) -> str:
    """ "#12 @maker_jo · Soldering a tiny LED…" cut to Discord's 100 characters (an autocomplete choice)."""
    caption = " ".join((choice.caption or "").split())
    label = f"#{choice.id} @{choice.username} · {caption or choice.video_id}"
    return label if len(label) <= 100 else label[:99] + "…"


def post_list_embed(page: tracking_models.PostPage) -> Embed:
    lines = [post_line(p) for p in page.items] or ["No posts."]
    embed: Embed = {
        "title": f"Tracked posts ({page.status})",
        "description": cut_lines("\n".join(lines), 4000),
        "color": BLUE,
    }
    if page.next_cursor is not None:
        embed["footer"] = {"text": f"more: before={page.next_cursor}"}
    return embed


def analytics_embed(a: tracking_models.PostAnalytics, *, chart: bool = False) -> Embed:
    """Current numbers, growth since the previous and the first snapshot, pace, engagement, and the
    history as a table (newest rows kept when it is long). `chart`: show attachment://chart.png."""
    post = a.post
    m = post.latest
    header = f"{'check':<11} {'views':>7} {'Δviews':>7} {'likes':>7} {'UTC':>11}"
    rows = [
        f"{s.label[:11]:<11} {short(s.metrics.views):>7} "
        f"{('+' + short(s.growth.views)) if s.growth else '':>7} {short(s.metrics.likes):>7} "
        f"{utc_short(s.captured_at):>11}"
        for s in a.snapshots[-HISTORY_ROWS:]
    ]
    caption = cut(post.caption, 200)
    lines = [caption] if caption else []
    if len(a.snapshots) > HISTORY_ROWS:
        lines.append(f"Latest {HISTORY_ROWS} of {len(a.snapshots)} snapshots (/export has them all):")
    body = "\n".join(lines)
    table = code([header, *rows], DESCRIPTION - len(body) - 1) if rows else "No snapshots yet."
    fields = []
    if m is not None:
        fields += [
            field("Views", num(m.views)),
            field("Likes", num(m.likes)),
            field("Comments · shares", f"{num(m.comments)} · {num(m.shares)}"),
        ]
    prev, first = a.since_previous, a.since_first
    fields.append(
        field(
            "Since previous",
            f"{signed(prev.views)} views, {signed(prev.likes)} likes" if prev else "first snapshot",
        )
    )
    fields.append(
        field("Since first", f"{signed(first.views)} views, {signed(first.likes)} likes" if first else "—")
    )
    fields.append(field("Views/hour", num(round(a.views_per_hour, 1)) if a.views_per_hour else "—"))
    fields.append(field("Engagement", pct(a.engagement_rate)))
    when = f"next check {discord_ts(post.next_check_at)}" if post.next_check_at else post.status
    fields.append(field("Checks", f"{post.checks_completed}/{post.checks_total} · {when}"))
    fields += [field(heading, text, inline=False) for heading, text in insight_parts(a.insight)]
    embed: Embed = {
        "title": cut(f"#{post.id} @{post.author} · video {post.video_id}", TITLE),
        "url": post.url,
        "description": (body + "\n" if body else "") + table,
        "fields": fields,
        "color": BLUE,
    }
    if chart:
        embed["image"] = {"url": "attachment://chart.png"}
    return embed


def top_embed(top: TopPosts) -> Embed:
    lines = [
        f"**{n}.** [#{r.post_id}]({r.post_url}) @{r.username} · **{signed(r.growth)}** {top.metric} "
        f"(now {num(r.current)}) · {cut(r.caption, 60) or r.external_post_id}"
        for n, r in enumerate(top.rows, start=1)
    ]
    return {
        "title": f"Top posts by {top.metric} growth, last {top.period}",
        "description": clip("\n".join(lines), DESCRIPTION)
        if lines
        else "No post was checked in that period.",
        "color": GREEN,
        "footer": {"text": "growth since the last snapshot before the period, or since tracking began"},
    }


def users_embed(query: str, users: Sequence[FoundUser]) -> Embed:
    lines = [
        f"**@{u.username}**{(' · ' + cut(u.display_name, 60)) if u.display_name else ''}"
        f" · {short(u.followers)} followers" + (f"\n{cut(u.bio, 120)}" if u.bio else "")
        for u in users
    ]
    return _results("users", query, lines)


def videos_embed(query: str, videos: Sequence[FoundVideo]) -> Embed:
    lines = [
        f"[{cut(v.title, 80) or v.video_id}]({v.url}) · @{v.author} · {short(v.views)} views,"
        f" {short(v.likes)} likes"
        for v in videos
    ]
    return _results("videos", query, lines)


def hashtags_embed(query: str, tags: Sequence[FoundHashtag]) -> Embed:
    lines = [f"**#{t.name}** · {short(t.views)} views · {short(t.videos)} videos" for t in tags]
    return _results("hashtags", query, lines)


def _results(kind: str, query: str, lines: list[str]) -> Embed:
    return {
        "title": cut(f"Search {kind}: {query}", TITLE),
        "description": clip("\n".join(f"{n}. {line}" for n, line in enumerate(lines, 1)), DESCRIPTION)
        if lines
        else "Nothing found.",
        "color": BLUE,
        "footer": {"text": f"{len(lines)} results, stored"},
    }


def export_message(rows: int, post_id: int) -> str:
    """The words sent with /export's CSV file."""
    return f"{count(rows, 'snapshot')} of post #{post_id}."
