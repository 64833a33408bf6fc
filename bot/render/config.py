"""Embeds and replies for a server's settings (/config) and the metrics API's usage (/usage)."""

from __future__ import annotations

from typing import Any

from bot.api_usage import UsageReport
from bot.charts import USAGE_CHART
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


def timezone_set_message(zone: str) -> str:
    """The reply to /config timezone: the IANA name stored."""
    return f"This server's time zone is now **{zone}**."


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
            field("Time zone", view.timezone),
        ],
        "color": ORANGE if view.channel_broken_reason else BLUE,
    }


def usage_embed(report: UsageReport, *, chart: bool = False) -> Embed:
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
            *plan_fields(report),
        ],
        "color": RED if used >= 1 else ORANGE if used >= 0.8 else BLUE,
        **({"image": {"url": f"attachment://{USAGE_CHART}"}} if chart else {}),
    }


def plan_fields(report: UsageReport) -> list[dict[str, Any]]:
    """The month's plan against what is left, the pace, and when the budget runs out."""
    plan = report.plan
    if plan is None:
        return []
    planned = f"{num(plan.planned)} ({num(plan.planned_checks)} check-backs, {num(plan.planned_polls)} polls)"
    if plan.left is not None:
        planned += " — fits" if plan.shortfall == 0 else f" — {num(plan.shortfall)} more than is left"
    if plan.budget is None:
        runs_out = "no budget set"
    elif plan.forecast.run_out is None:
        runs_out = "lasts the month"
    else:
        runs_out = f"{plan.forecast.run_out:%B %-d} at this pace"
    return [
        field("Planned for the rest of the month", planned),
        field("Pace", f"{plan.forecast.pace:.1f} calls a day"),
        field("Budget runs out", f"{runs_out} (renews {plan.renews:%B %-d})"),
    ]


def usage_lines(report: UsageReport) -> list[str]:
    """/usage as plain text lines (the CLI's `usage`)."""
    embed = usage_embed(report)
    return [embed["title"]] + [f"{f['name']}: {f['value']}" for f in embed["fields"]]
