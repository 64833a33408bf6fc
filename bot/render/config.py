"""Embeds and replies for a server's settings (/config) and the metrics API's usage (/usage)."""

from __future__ import annotations

from bot.api_usage import UsageReport
from bot.guild_config import GuildConfigView
from bot.render.text import BLUE, ORANGE, RED, Embed, cut, field, num, pct
from bot.schedule import format_offsets


def channel_set_message(mention: str) -> str:
    """The reply to /config channel; `mention` is the channel's <#id>."""
    return f"Check-back updates now go to {mention}."


def schedule_set_message(offsets: list[int]) -> str:
    """The reply to /config schedule: the offsets stored, in seconds after publishing."""
    return (
        f"Check-backs for posts tracked from now on: **{format_offsets(offsets)}** ({len(offsets)} checks)."
    )


def admin_role_set_message(mention: str) -> str:
    """The reply to /config admin-role; `mention` is the role's <@&id>."""
    return f"Members with {mention} can now use admin commands."


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
            field("Notification channel", channel, inline=False),
            field(
                "Check-back schedule",
                view.offsets + (" (default)" if view.offsets_are_default else ""),
                False,
            ),
            field(
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
            field("Calls today (UTC)", f"{num(s.calls_today)} ({num(s.errors_today)} failed)"),
            field("Calls this month", month),
            field("Budget left", num(report.budget_left) if report.budget_left is not None else "—"),
            field("Error rate (month)", pct(s.error_rate)),
            field(
                "Median latency",
                f"{s.median_latency_ms:.0f} ms" if s.median_latency_ms is not None else "—",
            ),
        ],
        "color": RED if used >= 1 else ORANGE if used >= 0.8 else BLUE,
    }
