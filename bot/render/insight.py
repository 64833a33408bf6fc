"""The words of the insight (bot/insight/): a post's standing against its account's typical, its
projection, a milestone's ETA and how far off early projections were."""

from __future__ import annotations

from bot.insight.baseline import MIN_TRACKED
from bot.insight.models import MilestoneEta, PostInsight, ProjectedViews, ProjectionCheck, Standing
from bot.render.text import count, short

_NO_BASELINE = {
    "few_posts": (
        "fewer than {n} of {who}'s posts are tracked at this age, and too few of its recent videos are known "
        "to draw its curve"
    ),
    "budget": (
        "fewer than {n} of {who}'s posts are tracked at this age, and the API budget cannot spare the call "
        "for its recent videos"
    ),
    "no_age": "the post's publishing time is unknown",
}


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st ..."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def ratio_text(ratio: float) -> str:
    """2.3×, 0.45×, 12×: two significant figures."""
    return f"{ratio:.2g}×" if ratio < 10 else f"{ratio:.0f}×"


def standing_text(s: Standing) -> str:
    """ "**2.3× typical** at 6h · 78th percentile of @demo's last 20 videos", or why there is no baseline."""
    who = f"@{s.account}" if s.account else "the account"
    if s.basis == "none" or s.ratio is None or s.percentile is None:
        reason = _NO_BASELINE.get(s.why or "few_posts", _NO_BASELINE["few_posts"])
        return "No baseline yet: " + reason.format(n=MIN_TRACKED, who=who) + "."
    at = f" at {s.age}" if s.age else ""
    what = "tracked posts at this check" if s.basis == "tracked" else "videos"
    return (
        f"**{ratio_text(s.ratio)} typical**{at} · {ordinal(s.percentile)} percentile of {who}'s last "
        f"{s.sample} {what} (typical {short(s.typical_views)})"
    )


def projection_text(p: ProjectedViews) -> str:
    """ "7d ≈ 120k (90k–150k) · 30d ≈ 180k (130k–240k)", and what it was projected from."""
    basis = "the account's curve" if p.basis == "curve" else "the decay model"
    return (
        f"7d ≈ **{short(p.views_7d)}** ({short(p.low_7d)}–{short(p.high_7d)}) · "
        f"30d ≈ **{short(p.views_30d)}** ({short(p.low_30d)}–{short(p.high_30d)}) · from {basis}"
    )


def eta_text(e: MilestoneEta) -> str:
    """ "100k in about 2 days at the current pace"."""
    hours = e.hours
    if hours < 1:
        when = "within the hour"
    elif hours < 36:
        when = f"in about {count(round(hours), 'hour')}"
    else:
        when = f"in about {count(round(hours / 24), 'day')}"
    return f"{short(e.milestone)} {when} at the current pace"


def accuracy_text(c: ProjectionCheck) -> str:
    """ "30d: projected 180k at 24h, reached 160k (12% high, inside the range)"."""
    error = c.error
    off = (
        "spot on"
        if error is None or abs(error) < 0.005
        else f"{abs(error):.0%} {'high' if error > 0 else 'low'}"
    )
    inside = "inside" if c.low <= c.actual <= c.high else "outside"
    return (
        f"{c.horizon}: projected {short(c.projected)} at {c.made_at_hours:g}h, reached {short(c.actual)} "
        f"({off}, {inside} the range {short(c.low)}–{short(c.high)})"
    )


def insight_parts(insight: PostInsight | None) -> list[tuple[str, str]]:
    """/analytics' insight as (heading, text) pairs: the embed's fields and the CLI's lines. What there is
    no data for is left out, as the standing says when there is no baseline."""
    if insight is None:
        return []
    parts = []
    if insight.standing is not None:
        parts.append(("Vs typical", standing_text(insight.standing)))
    if insight.projection is not None:
        parts.append(("Projected", projection_text(insight.projection)))
    if insight.eta is not None:
        parts.append(("Next milestone", eta_text(insight.eta)))
    if insight.accuracy:
        parts.append(
            ("How far off the early projection was", "\n".join(accuracy_text(c) for c in insight.accuracy))
        )
    return parts


def insight_lines(insight: PostInsight | None) -> list[str]:
    """The CLI's: "vs typical: 2.3× typical at 6h · ...", without Discord's bold; a heading over several
    lines stands alone with them indented under it."""
    lines = []
    for heading, text in insight_parts(insight):
        name = heading[0].lower() + heading[1:]
        rows = text.replace("**", "").split("\n")
        if len(rows) == 1:
            lines.append(f"{name}: {rows[0]}")
        else:
            lines += [f"{name}:", *(f"  {row}" for row in rows)]
    return lines
