"""Embed dicts for the analytics, conversations, limits, config, usage and search commands (no Discord)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from bot.analytics import PostComments, TopPosts
from bot.conversations import ConversationDetail, ConversationPage
from bot.guild_config import GuildConfigView
from bot.limits import LimitsReport, render_report
from bot.render import BLUE, GREEN, GREY, ORANGE, RED, discord_ts, num, pct, signed
from bot.search import FoundHashtag, FoundUser, FoundVideo
from bot.tracking import PostAnalytics
from bot.usage import UsageReport
from db.actions import ActionRecord
from db.templates import Template

Embed = dict[str, Any]
# Discord: 4,096 characters in a description, 1,024 in a field value, 256 in a title.
DESCRIPTION = 4096
FIELD = 1024
TITLE = 256
HISTORY_ROWS = 25


def cut(text: str | None, limit: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def clip(text: str, limit: int) -> str:
    """Cut to `limit` characters, keeping line breaks (cut() is for one-line values)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _field(name: str, value: str, inline: bool = True) -> dict[str, Any]:
    return {"name": cut(name, TITLE), "value": (value or "—")[:FIELD], "inline": inline}


def _code(lines: Sequence[str], limit: int = DESCRIPTION) -> str:
    """Lines in a code block (monospace, so columns line up), dropping the oldest lines to fit."""
    kept = list(lines)
    while kept and len("```\n" + "\n".join(kept) + "\n```") > limit:
        kept.pop(0)
    return "```\n" + "\n".join(kept) + "\n```"


def _utc(when: datetime | None) -> str:
    return when.astimezone(UTC).strftime("%m-%d %H:%M") if when else "—"


def _short(value: int | float | None) -> str:
    if value is None:
        return "—"
    for size, suffix in ((1_000_000_000, "B"), (1_000_000, "M"), (10_000, "k")):
        if abs(value) >= size:
            return f"{value / size:.1f}{suffix}" if size != 10_000 else f"{value / 1000:.0f}k"
    return f"{value:,.0f}"


# --- analytics ------------------------------------------------------------------------------------
def analytics_embed(a: PostAnalytics, *, chart: bool = False) -> Embed:
    """Current numbers, growth since the previous and the first snapshot, pace, engagement, and the
    history as a table (newest rows kept when it is long). `chart`: show attachment://chart.png."""
    post = a.post
    m = post.latest
    header = f"{'check':<11} {'views':>7} {'Δviews':>7} {'likes':>7} {'UTC':>11}"
    rows = [
        f"{s.label[:11]:<11} {_short(s.metrics.views):>7} "
        f"{('+' + _short(s.growth.views)) if s.growth else '':>7} {_short(s.metrics.likes):>7} "
        f"{_utc(s.captured_at):>11}"
        for s in a.snapshots[-HISTORY_ROWS:]
    ]
    caption = cut(post.caption, 200)
    lines = [caption] if caption else []
    if len(a.snapshots) > HISTORY_ROWS:
        lines.append(f"Latest {HISTORY_ROWS} of {len(a.snapshots)} snapshots (/export has them all):")
    body = "\n".join(lines)
    table = _code([header, *rows], DESCRIPTION - len(body) - 1) if rows else "No snapshots yet."
    fields = []
    if m is not None:
        fields += [
            _field("Views", num(m.views)),
            _field("Likes", num(m.likes)),
            _field("Comments · shares", f"{num(m.comments)} · {num(m.shares)}"),
        ]
    prev, first = a.since_previous, a.since_first
    fields.append(
        _field(
            "Since previous",
            f"{signed(prev.views)} views, {signed(prev.likes)} likes" if prev else "first snapshot",
        )
    )
    fields.append(
        _field("Since first", f"{signed(first.views)} views, {signed(first.likes)} likes" if first else "—")
    )
    fields.append(_field("Views/hour", num(round(a.views_per_hour, 1)) if a.views_per_hour else "—"))
    fields.append(_field("Engagement", pct(a.engagement_rate)))
    when = f"next check {discord_ts(post.next_check_at)}" if post.next_check_at else post.status
    fields.append(_field("Checks", f"{post.checks_completed}/{post.checks_total} · {when}"))
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


def comments_embed(c: PostComments) -> Embed:
    lines = [
        f"**@{x.author_username or '?'}** · {num(x.likes_count)} likes"
        + (f" · {num(x.api_reply_count)} replies" if x.api_reply_count else "")
        + f"\n{cut(x.comment_text, 300) or '—'}"
        for x in c.comments
    ]
    order = "most liked" if c.order == "likes" else "newest"
    return {
        "title": f"Comments on #{c.post_id} ({order})",
        "description": clip("\n\n".join(lines), DESCRIPTION) if lines else "No comments yet.",
        "color": BLUE,
        "footer": {"text": f"{c.fetched} comments fetched and stored"},
    }


# --- conversations and templates ------------------------------------------------------------------
def conversations_embed(page: ConversationPage, which: str) -> Embed:
    lines = []
    for c in page.conversations:
        unread = f" · **{c.unread_count} unread**" if c.unread_count else ""
        flags = (" · muted" if c.is_muted else "") + (" · archived" if c.is_archived else "")
        arrow = "→" if c.last_message_is_outgoing else "←"
        lines.append(
            f"**@{c.participant_username}** ↔ @{c.account_username}{unread}{flags} · {discord_ts(c.last_message_at)}\n"
            f"{arrow} {cut(c.last_message_preview, 120) or '—'}"
        )
    shown = f"{page.offset + 1}-{page.offset + len(page.conversations)} of {page.total}" if lines else "0"
    return {
        "title": f"Conversations ({which})",
        "description": clip("\n".join(lines), DESCRIPTION) if lines else "No conversations.",
        "color": BLUE,
        "footer": {"text": f"{shown} · newest first"},
    }


def conversation_embed(d: ConversationDetail) -> Embed:
    c = d.conversation
    lines = []
    for m in d.messages:
        who = f"@{c.account_username}" if m.is_outgoing else f"@{c.participant_username}"
        text = m.message_text if m.message_type == "text" else f"[{m.message_type}] {m.message_text or ''}"
        lines.append(f"{discord_ts(m.sent_at, 'f')} **{who}**: {cut(text, 300)}")
    state = [f"{c.unread_count} unread" if c.unread_count else "all read"]
    state += ["muted"] if c.is_muted else []
    state += ["archived"] if c.is_archived else []
    name = c.participant_display_name or c.participant_username
    return {
        "title": cut(f"{name} (@{c.participant_username}) ↔ @{c.account_username}", TITLE),
        "description": _fit_tail(lines) or "No messages.",
        "color": GREY if c.is_archived else BLUE,
        "footer": {"text": f"conversation {c.id} · " + " · ".join(state)},
    }


def _fit_tail(lines: list[str], limit: int = DESCRIPTION) -> str:
    """The newest lines that fit (the end of a conversation matters most)."""
    kept: list[str] = []
    size = 0
    for line in reversed(lines):
        if size + len(line) + 1 > limit:
            break
        kept.insert(0, line)
        size += len(line) + 1
    return "\n".join(kept)


def templates_embed(templates: Sequence[Template]) -> Embed:
    lines = [
        f"**{t.name}** ({t.category or 'custom'}, {'@' + t.account_username if t.account_username else 'all accounts'}"
        f", used {t.times_used}×)\n{cut(t.template_text, 150)}"
        for t in templates
    ]
    return {
        "title": f"Message templates ({len(templates)})",
        "description": clip("\n".join(lines), DESCRIPTION) if lines else "No templates yet.",
        "color": BLUE,
    }


def template_embed(t: Template, text: str, *, title: str) -> Embed:
    scope = f"@{t.account_username}" if t.account_username else "all accounts"
    return {
        "title": cut(f"{title}: {t.name}", TITLE),
        "description": clip(text, DESCRIPTION),
        "color": GREEN,
        "footer": {
            "text": f"{t.category or 'custom'} · {scope} · placeholders: {', '.join(t.variables) or 'none'}"
        },
    }


# --- limits ----------------------------------------------------------------------------------------
def limits_embed(report: LimitsReport) -> Embed:
    text = render_report(report)
    full = any(
        line.today is not None
        and (
            (line.daily_limit is not None and line.today >= line.daily_limit)
            or (line.hourly_limit is not None and (line.this_hour or 0) >= line.hourly_limit)
        )
        for line in report.lines
    )
    return {
        "title": f"Action caps · {('@' + report.account) if report.account else 'defaults'}",
        "description": _code(text.splitlines()),
        "color": RED if full else BLUE,
    }


def actions_embed(actions: Sequence[ActionRecord], account: str | None, action: str | None) -> Embed:
    lines = []
    for a in actions:
        outcome = "✅" if a.success else ("❌" if a.success is False else "·")
        target = f" {a.target_type}:{a.target_id}" if a.target_type or a.target_id else ""
        error = f" ({cut(a.error_message, 60)})" if a.error_message else ""
        lines.append(
            f"{outcome} `{a.id}` @{a.account_username or '?'} **{a.action_type}**{target}"
            f" · {discord_ts(a.created_at)}{error}"
        )
    scope = " ".join(x for x in (f"@{account}" if account else "", action or "") if x)
    return {
        "title": f"Recent actions{(' · ' + scope) if scope else ''}",
        "description": clip("\n".join(lines), DESCRIPTION) if lines else "No actions recorded.",
        "color": BLUE,
    }


# --- config and usage ------------------------------------------------------------------------------
def config_embed(view: GuildConfigView) -> Embed:
    if view.notify_channel_id:
        channel = f"<#{view.notify_channel_id}>"
    elif view.default_channel_id:
        channel = f"<#{view.default_channel_id}> (the bot's default)"
    else:
        channel = "not set"
    if view.channel_broken_reason:
        channel += f"\n⚠️ unusable: {cut(view.channel_broken_reason, 200)}"
    return {
        "title": "Checkback settings",
        "fields": [
            _field("Notification channel", channel, inline=False),
            _field(
                "Check-back schedule",
                view.offsets + (" (default)" if view.offsets_are_default else ""),
                False,
            ),
            _field(
                "Admin role",
                f"<@&{view.admin_role_id}>" if view.admin_role_id else "none (Manage Server only)",
            ),
        ],
        "color": ORANGE if view.channel_broken_reason else BLUE,
    }


def usage_embed(report: UsageReport) -> Embed:
    s = report.summary
    if report.monthly_budget:
        month = f"{num(s.calls_month)} of {num(report.monthly_budget)} ({pct(report.budget_used)})"
    else:
        month = f"{num(s.calls_month)} (no budget set)"
    used = report.budget_used or 0
    return {
        "title": f"Metrics API usage · {report.month:%B %Y}",
        "fields": [
            _field("Calls today (UTC)", f"{num(s.calls_today)} ({num(s.errors_today)} failed)"),
            _field("Calls this month", month),
            _field("Budget left", num(report.budget_left) if report.budget_left is not None else "—"),
            _field("Error rate (month)", pct(s.error_rate)),
            _field(
                "Median latency",
                f"{s.median_latency_ms:.0f} ms" if s.median_latency_ms is not None else "—",
            ),
        ],
        "color": RED if used >= 1 else ORANGE if used >= 0.8 else BLUE,
    }


# --- search ---------------------------------------------------------------------------------------
def users_embed(query: str, users: Sequence[FoundUser]) -> Embed:
    lines = [
        f"**@{u.username}**{(' · ' + cut(u.display_name, 60)) if u.display_name else ''}"
        f" · {_short(u.followers)} followers" + (f"\n{cut(u.bio, 120)}" if u.bio else "")
        for u in users
    ]
    return _results("users", query, lines)


def videos_embed(query: str, videos: Sequence[FoundVideo]) -> Embed:
    lines = [
        f"[{cut(v.title, 80) or v.video_id}]({v.url}) · @{v.author} · {_short(v.views)} views,"
        f" {_short(v.likes)} likes"
        for v in videos
    ]
    return _results("videos", query, lines)


def hashtags_embed(query: str, tags: Sequence[FoundHashtag]) -> Embed:
    lines = [f"**#{t.name}** · {_short(t.views)} views · {_short(t.videos)} videos" for t in tags]
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
