"""Outbox notices (the models of bot/notices.py) as Discord embed JSON."""

from __future__ import annotations

from datetime import datetime
from functools import singledispatch
from typing import Any

from bot.notices import (
    BudgetAlert,
    CapAlert,
    ChannelBrokenNotice,
    CheckbackNotice,
    ChecksDropped,
    ChecksPostponed,
    CommentQuestionsNotice,
    DigestNotice,
    FailingNotice,
    MilestoneNotice,
    NewPostNotice,
    Notice,
    PollsPostponed,
    UntrackedNotice,
    ViralNotice,
    WatchStoppedNotice,
)
from bot.render.comments import components_json, notice_rows, questions_notice_embed
from bot.render.digest import digest_embed
from bot.render.insight import eta_text, projection_text, standing_text
from bot.render.text import (
    BLUE,
    GOLD,
    GREEN,
    GREY,
    ORANGE,
    PINK,
    RED,
    TITLE,
    Embed,
    count,
    cut_lines,
    discord_ts,
    duration,
    field,
    num,
    pct,
    signed,
    skipped_text,
    without_none,
)


def render_notice(notice: Notice) -> Embed:
    """The embed of one notice."""
    return _render(notice)


def notice_components(notice: Notice) -> list[dict[str, Any]] | None:
    """The buttons under a notice's message (its own message then), or None."""
    if isinstance(notice, CommentQuestionsNotice) and notice.questions:
        return components_json(notice_rows(notice))
    return None


@singledispatch
def _render(notice: Any) -> Embed:
    raise TypeError(f"no renderer for {type(notice).__name__}")


def _post_title(
    n: CheckbackNotice | MilestoneNotice | ViralNotice | UntrackedNotice | FailingNotice, prefix: str
) -> str:
    who = f"@{n.author}" if n.author else f"video {n.video_id or '?'}"
    return cut_lines(f"{prefix} · #{n.post_id} {who}", TITLE)


def _iso(when: datetime | None) -> str | None:
    return when.isoformat() if when is not None else None


@_render.register
def _checkback(n: CheckbackNotice) -> Embed:
    m, prev, first = n.metrics, n.since_previous, n.since_first
    label = f"{n.offset} check-back" if n.offset else f"check-back {n.check_index}"
    lines = [cut_lines(n.caption, 120)] if n.caption else []
    if n.skipped:
        lines.append(f"⏱ {duration(n.late_seconds)} late: {n.skipped} missed check(s) folded into this one")
    elif n.late_seconds:
        lines.append(f"⏱ {duration(n.late_seconds)} late")
    fields = [
        field("Views", f"{num(m.views)} ({signed(prev.views) if prev else 'first'})"),
        field("Likes", f"{num(m.likes)} ({signed(prev.likes) if prev else 'first'})"),
        field("Comments", f"{num(m.comments)} · shares {num(m.shares)}"),
        field("Since first", f"{signed(first.views)} views" if first else "—"),
        field("Views/hour", num(n.views_per_hour)),
        field("Engagement", pct(n.engagement_rate)),
    ]
    if n.standing is not None:
        fields.append(field("Vs typical", standing_text(n.standing), inline=False))
    if n.projection is not None:
        fields.append(field("Projected", projection_text(n.projection), inline=False))
    if n.milestone_eta is not None:
        lines.append(f"🎯 {eta_text(n.milestone_eta)}")
    footer = f"check {n.check_index}/{n.checks_total}" + (" · final check" if n.final else "")
    if n.next_check_at:
        lines.append(f"Next check {discord_ts(n.next_check_at)}")
    return without_none(
        {
            "title": _post_title(n, label),
            "description": "\n".join(lines) or None,
            "url": n.url,
            "color": BLUE,
            "fields": fields,
            "footer": {"text": footer},
            "timestamp": _iso(n.captured_at),
        }
    )


@_render.register
def _milestone(n: MilestoneNotice) -> Embed:
    mark = n.milestone
    short = f"{mark // 1_000_000}M" if mark >= 1_000_000 else f"{mark // 1000}k"
    return {
        "title": _post_title(n, f"🎉 {short} views"),
        "description": f"Passed **{num(mark)} views** (now {num(n.views)}).",
        "url": n.url,
        "color": GOLD,
    }


@_render.register
def _viral(n: ViralNotice) -> Embed:
    if n.reason == "pace":
        why = (
            f"Views/hour jumped to **{num(n.views_per_hour)}** from {num(n.previous_views_per_hour)}"
            f" ({n.ratio}×)."
        )
    elif n.reason == "account_curve":
        why = (
            f"**{num(n.views)} views**, {n.ratio}× the typical ({num(n.median_views)}) of the "
            f"account's last {n.peers} videos at the same age."
        )
    else:
        why = (
            f"**{num(n.views)} views**, {n.ratio}× the median ({num(n.median_views)}) of the "
            f"account's {n.peers} other tracked posts at the same check."
        )
    return {"title": _post_title(n, "🔥 Going viral"), "description": why, "url": n.url, "color": PINK}


@_render.register
def _untracked(n: UntrackedNotice) -> Embed:
    last = n.last_views
    return {
        "title": _post_title(n, "Tracking stopped"),
        "description": (
            f"The video is {n.reason}; no more check-backs."
            + (f" Last seen at {num(last)} views." if last is not None else "")
        ),
        "url": n.url,
        "color": GREY,
        "footer": {"text": f"{n.checks_completed}/{n.checks_total} checks done"},
    }


@_render.register
def _failing(n: FailingNotice) -> Embed:
    return {
        "title": _post_title(n, "Tracking stopped: checks keep failing"),
        "description": (
            f"Its checks kept failing ({n.reason}), so Checkback stopped asking."
            f" {count(n.missed, 'check-back')} missed. Track it again to retry."
        ),
        "url": n.url,
        "color": GREY,
        "footer": {"text": f"{n.checks_completed}/{n.checks_total} checks done"},
    }


def _budget_embed(title: str, description: str, month: str | None) -> Embed:
    """The budget notices' one look: orange, footed with the month they are about."""
    return {"title": title, "description": description, "color": ORANGE, "footer": {"text": f"month {month}"}}


@_render.register
def _checks_postponed(n: ChecksPostponed) -> Embed:
    return _budget_embed(
        "API budget used up: check-backs postponed",
        (
            f"The month's API budget ({num(n.budget)} calls) is used up. Due check-backs move to "
            f"{discord_ts(n.postponed_until, 'f')}; none are dropped, and the late ones will be "
            "folded into one check each."
        ),
        n.month,
    )


@_render.register
def _budget_alert(n: BudgetAlert) -> Embed:
    if n.level >= 100:
        title = "API budget used up"
        body = (
            f"All {num(n.budget)} of this month's API calls are used. Paid calls wait until the budget "
            f"renews {discord_ts(n.renews, 'f')}."
        )
    else:
        title = f"API budget {n.level}% used"
        pace = (
            f" At this pace it runs out on {n.run_out:%B %-d}."
            if n.run_out
            else " At this pace it lasts the month."
        )
        body = f"{num(n.used)} of this month's {num(n.budget)} API calls are used.{pace}"
    return _budget_embed(title, body, n.month)


@_render.register
def _checks_dropped(n: ChecksDropped) -> Embed:
    lines = [
        f"This month's plan needs more API calls than the {num(n.left)} left of {num(n.budget)}, so the "
        "least valuable planned calls were dropped to keep room for new posts:"
    ]
    if n.checks:
        classes = ", ".join(f"{posts} of {cls}-growing posts" for cls, posts in n.by_class.items())
        lines.append(f"• {count(n.checks, 'late check-back')} (2 days or more after publishing): {classes}")
    if n.polls_stretched:
        lines.append("• accounts that rarely post are looked at every 24 hours instead of every 6")
    lines.append(f"`/tracked` shows the dropped checks. The budget renews {discord_ts(n.renews, 'f')}.")
    return _budget_embed(
        "API budget: planned calls dropped",
        "\n".join(lines),
        n.month,
    )


@_render.register
def _polls_postponed(n: PollsPostponed) -> Embed:
    return _budget_embed(
        "API budget nearly used: watched accounts paused",
        (
            f"The month's API budget ({num(n.budget)} calls) is nearly used; what is left goes to "
            f"check-backs of tracked posts. Looking for new posts of {num(n.accounts)} watched "
            f"account(s) resumes {discord_ts(n.postponed_until, 'f')}."
        ),
        n.month,
    )


@_render.register
def _cap_alert(n: CapAlert) -> Embed:
    full = n.level >= 100
    who = n.account or f"account {n.account_id}"
    return {
        "title": cut_lines(f"{'⛔' if full else '⚠️'} @{who}: {n.action_type} cap at {n.level}%", TITLE),
        "description": (
            f"{num(n.count)} of {num(n.daily_limit)} {n.action_type} actions used on {n.date.isoformat()}."
            + (" Further actions are refused until tomorrow (UTC)." if full else "")
        ),
        "color": RED if full else ORANGE,
    }


@_render.register
def _channel_broken(n: ChannelBrokenNotice) -> Embed:
    if n.alert_kind:  # the channel of an alert route (/config alerts)
        title, waits = (
            "Alert channel unusable",
            f"Its {n.alert_kind} alerts wait until an admin routes them with /config alerts.",
        )
    else:
        title, waits = (
            "Notification channel unusable",
            "Its notifications wait until an admin sets a channel with /config.",
        )
    return {
        "title": title,
        "description": f"Guild {n.guild_id}: channel {n.channel_id} cannot be used ({n.reason}). {waits}",
        "color": RED,
    }


@_render.register
def _new_post(n: NewPostNotice) -> Embed:
    lines = [cut_lines(n.caption, 200)] if n.caption else []
    lines.append(f"Published {discord_ts(n.posted_at)}")
    if n.tracked:
        lines.append(
            f"Tracking as #{n.post_id}: next check-back {discord_ts(n.next_check_at)}"
            + (f" ({skipped_text(n.skipped_checks)})" if n.skipped_checks else "")
        )
    else:
        lines.append(f"Not tracked: {n.not_tracked_reason or 'unknown reason'}.")
    return without_none(
        {
            "title": cut_lines(f"🆕 New post by @{n.account}", TITLE),
            "description": "\n".join(lines),
            "url": n.url,
            "color": GREEN,
            "fields": [field("Views so far", num(n.views)), field("Followers", num(n.followers))],
            "footer": {"text": f"video {n.video_id}"},
            "timestamp": _iso(n.posted_at),
        }
    )


@_render.register
def _watch_stopped(n: WatchStoppedNotice) -> Embed:
    return {
        "title": cut_lines(f"Stopped watching @{n.account}", TITLE),
        "description": (
            f"The account is {n.reason}; its new posts are no longer checked. "
            "An admin can `/watch add` it again once it is public."
        ),
        "color": GREY,
    }


@_render.register
def _comment_questions(n: CommentQuestionsNotice) -> Embed:
    return questions_notice_embed(n)


@_render.register
def _digest(n: DigestNotice) -> Embed:
    return digest_embed(n)
