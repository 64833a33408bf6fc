"""The digest's embed (the outbox's and /digest now's), the replies to /config digest and its line in
/config show."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.digest.service import DigestView
from bot.notices import DigestCap, DigestMilestone, DigestNotice, DigestPost
from bot.render.text import BLUE, GREY, TITLE, Embed, count, cut_lines, discord_ts, field, num, pct, signed
from bot.timezones import zone_of

_WHEN = {"daily": "every day", "weekly": "every Monday"}


def _local(when: datetime, zone: ZoneInfo) -> str:
    return when.astimezone(zone).strftime("%a %d %b %H:%M")


def _post(p: DigestPost | DigestMilestone) -> str:
    who = f"@{p.author}" if p.author else "?"
    return f"[#{p.post_id} {who}]({p.url})" if p.url else f"#{p.post_id} {who}"


def _listed(lines: list[str], more: int) -> str:
    """The lines and how many more were left out; "None." when there are none."""
    return "\n".join(lines + ([f"… and {num(more)} more"] if more else [])) or "None."


def _cap(c: DigestCap) -> str:
    cap = f" (default cap {num(c.daily_limit)}/day)" if c.daily_limit is not None else ""
    reached = f" · cap reached {num(c.reached)}×" if c.reached else ""
    return f"{c.action_type}: {num(c.actions)}{cap}{reached}"


def digest_embed(n: DigestNotice) -> Embed:
    zone = zone_of(n.zone)
    span = f"{_local(n.period_start, zone)} – {_local(n.period_end, zone)} ({zone.key})"
    title = f"📰 {n.every.capitalize()} digest" + (" · preview, so far" if n.preview else "")
    movers = [
        f"{i}. {_post(p)}: {signed(p.gained)} views (now {num(p.views)})" for i, p in enumerate(n.movers, 1)
    ]
    milestones = [f"🎉 {_post(m)} passed {num(m.milestone)} views" for m in n.milestones]
    new_posts = [
        f"🆕 @{p.account}" + (f": [#{p.post_id}]({p.url})" if p.tracked and p.post_id else " (not tracked)")
        for p in n.new_posts
    ]
    finished = [f"🏁 {_post(p)}: {num(p.views)} views" for p in n.finished]
    if n.monthly_budget:
        month = f"{num(n.month_calls)} of {num(n.monthly_budget)} this month"
        month += f" ({pct((n.month_calls or 0) / n.monthly_budget)})"
    else:
        month = f"{num(n.month_calls)} this month (no budget set)"
    fields = [
        field("Top movers", "\n".join(movers) or "No snapshots in this period.", False),
        field("Milestones crossed", _listed(milestones, n.more.get("milestones", 0)), False),
        field("New posts of watched accounts", _listed(new_posts, n.more.get("new_posts", 0)), False),
        field("Finished their schedule", _listed(finished, n.more.get("finished", 0)), False),
        field(
            "Actions against the caps", "\n".join(_cap(c) for c in n.caps) or "No automation actions.", False
        ),
        field("API budget", f"{count(n.api_calls, 'call')} in this period · {month}", False),
    ]
    embed: Embed = {
        "title": cut_lines(title, TITLE),
        "description": span,
        "fields": fields,
        "color": GREY if n.preview else BLUE,
        "timestamp": n.period_end.isoformat(),
    }
    if n.chart:
        embed["image"] = {"url": f"attachment://{n.chart}"}
    return embed


def digest_set_message(view: DigestView) -> str:
    """The reply to /config digest channel:… every:… at:…."""
    return (
        f"The digest now goes to <#{view.channel_id}> {_WHEN.get(view.every, view.every)} at **{view.at}** "
        f"({view.zone}); the first one {discord_ts(view.next_at, 'f')}."
    )


def digest_off_message(existed: bool) -> str:
    return "The digest is off: no more digests." if existed else "There was no digest to stop."


def digest_line(view: DigestView | None) -> str:
    if view is None:
        return "off (/config digest sets one)"
    return f"<#{view.channel_id}> · {view.every} at {view.at} ({view.zone}) · next {discord_ts(view.next_at, 'f')}"


def with_digest(embed: Embed, view: DigestView | None) -> Embed:
    """/config show's embed with the digest's line."""
    return {**embed, "fields": [*embed.get("fields", []), field("Digest", digest_line(view), False)]}
