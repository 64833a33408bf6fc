"""Embeds and replies for the team's data: conversations, message templates, action caps and actions."""

from __future__ import annotations

from collections.abc import Sequence

from bot.caps import LimitsReport
from bot.conversations import ConversationDetail, ConversationPage
from bot.render.text import (
    BLUE,
    DESCRIPTION,
    GREEN,
    GREY,
    RED,
    TITLE,
    Embed,
    clip,
    code,
    cut,
    discord_ts,
    fit_tail,
)
from db.actions import ActionRecord, Cap
from db.conversations import Conversation
from db.templates import Template

CONVERSATION_BUTTONS = {
    "read": "✔ Mark read",
    "archive": "Archive",
    "unarchive": "Unarchive",
    "mute": "🔕 Mute",
    "unmute": "🔔 Unmute",
}
PAGE_NEWER = "◀ Newer"
PAGE_OLDER = "Older ▶"


def conversation_choice(c: Conversation) -> str:
    """How a conversation is offered in autocomplete (at most 100 characters)."""
    return (
        f"@{c.participant_username} ↔ @{c.account_username}"
        + (f" · {c.unread_count} unread" if c.unread_count else "")
    )[:100]


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
        "description": fit_tail(lines) or "No messages.",
        "color": GREY if c.is_archived else BLUE,
        "footer": {"text": f"conversation {c.id} · " + " · ".join(state)},
    }


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
        "description": code(text.splitlines()),
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


def bar(count: int, limit: int | None, width: int = 10) -> str:
    """A text gauge of count against limit: '████░░░░░░'. No limit: blank; a zero cap is full."""
    if limit is None:
        return " " * width
    filled = width if limit <= 0 else min(width, round(width * count / limit))
    return "█" * filled + "░" * (width - filled)


def render_report(report: LimitsReport) -> str:
    """The report as aligned plain text (monospace), one line per action type."""
    if report.account is None:
        head = f"Default caps (accounts without their own), UTC day {report.day.isoformat()}:"
    else:
        head = f"Caps for {report.account}, UTC day {report.day.isoformat()} hour {report.hour:02d}:"
    if not report.lines:
        return head + "\n  (no caps set)"
    width = max(len(line.action_type) for line in report.lines)
    out = [head]
    for line in report.lines:
        daily = "-" if line.daily_limit is None else str(line.daily_limit)
        hourly = "-" if line.hourly_limit is None else str(line.hourly_limit)
        source = "" if line.is_default else "  (account cap)"
        if line.today is None:
            out.append(f"  {line.action_type:<{width}}  {daily:>7} a day  {hourly:>6} an hour{source}")
        else:
            today = f"{line.today}/{daily}"
            hour = f"{line.this_hour}/{hourly}"
            full = (line.daily_limit is not None and line.today >= line.daily_limit) or (
                line.hourly_limit is not None and (line.this_hour or 0) >= line.hourly_limit
            )
            out.append(
                f"  {line.action_type:<{width}}  {today:>9} today  {bar(line.today, line.daily_limit)}"
                f"  {hour:>7} this hour{source}{'  (cap reached)' if full else ''}"
            )
    return "\n".join(out)


def cap_set_message(cap: Cap, account: str | None) -> str:
    """The reply to /limits set."""
    per_hour = "no hourly cap" if cap.hourly_limit is None else f"{cap.hourly_limit} an hour"
    scope = f"for @{account.strip().lstrip('@')}" if account else "by default for every account"
    return f"**{cap.action_type}**: {cap.daily_limit} a day, {per_hour} ({scope})."


def template_removed_message(name: str) -> str:
    return f"Template **{name}** removed."
