"""Where a post's views will end: the shape (bot/insight/shape.py) fitted to the post's own snapshots, with
its account's tau as the prior (or, without an account curve, the decay model's DEFAULT_TAU_HOURS with a
wider prior), projected to 7 and 30 days with a range; and when the next milestone comes at that pace.

The fit, over the grid of taus: for each tau the post's size is the weighted mean of its points' log sizes,
and the tau's cost is the points' weighted squared misfit (each snapshot off the shape by NOISE in logs,
and a small count by its own 1/views more) plus the prior's
((log tau - log prior) / prior_sd)^2. The projection is the cheapest tau's; the range spans the taus
within RANGE_COST of it (about a 95% interval for one parameter). A bigger tau means a later peak and more
growth still to come, so the range's ends are its smallest and largest tau.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from bot.insight.shape import DEFAULT_TAU_HOURS, TAU_GRID, Point, shape, usable

WEEK_HOURS = 168.0
MONTH_HOURS = 720.0
# A snapshot's misfit to the shape, in logs (about 3%: counts are exact, the shape is not). Larger values
# let the prior outweigh the post's own snapshots (measured with bench/projection.py: 10% tripled the
# median error at 24 h).
NOISE = 0.03
# How far a post's tau may sit from its account's (a factor of 4 at one sd: an account's videos do not all
# take off alike), or from the decay model's default when there is no account curve (a factor of 6).
PRIOR_SD_CURVE = math.log(4.0)
PRIOR_SD_DECAY = math.log(6.0)
RANGE_COST = 4.0
# A milestone this near (at the projected pace) is announced with its ETA in check-backs and /analytics.
ETA_HORIZON_HOURS = 7 * 24.0


@dataclass(frozen=True, slots=True)
class Curve:
    """One fitted curve: views(h) = size * log1p(h / tau)."""

    tau_hours: float
    size: float

    def views_at(self, hours: float) -> float:
        return self.size * shape(hours, self.tau_hours)

    def hours_to(self, views: float) -> float | None:
        """The age at which the curve reaches `views` (None: not within any sane time)."""
        ratio = views / self.size if self.size > 0 else math.inf
        if ratio > 30:  # exp(30) tau hours: never, for any purpose
            return None
        return self.tau_hours * math.expm1(ratio)


@dataclass(frozen=True, slots=True)
class Projection:
    """The projected curve (`mid`) and the ends of its range (`low`, `high`); `basis` says where the prior
    came from: the account's curve, or the decay model."""

    basis: str  # "curve" | "decay"
    age_hours: float  # the post's age when projected
    mid: Curve
    low: Curve
    high: Curve

    def at(self, hours: float) -> tuple[int, int, int]:
        """(projected, low, high) views at `hours`; never below what the post already had."""
        values = sorted(round(c.views_at(hours)) for c in (self.low, self.mid, self.high))
        return values[1], values[0], values[2]


def project(points: Sequence[Point], prior_tau: float | None = None) -> Projection | None:
    """The post's projection from its snapshots (at least two usable ones: from the second check on);
    `prior_tau`: its account's curve's tau, None for the decay model."""
    pts = usable(points)
    if len(pts) < 2:
        return None
    prior, prior_sd, basis = (
        (prior_tau, PRIOR_SD_CURVE, "curve") if prior_tau else (DEFAULT_TAU_HOURS, PRIOR_SD_DECAY, "decay")
    )
    logs = [math.log(p.views) for p in pts]
    # A small count is a rough one (a few views more or less move its log a lot): each point weighs by
    # the inverse of its variance, NOISE^2 plus a count's own 1/views.
    weights = [1 / (NOISE**2 + 1 / p.views) for p in pts]
    total = sum(weights)
    fits: list[tuple[float, Curve]] = []
    for tau in TAU_GRID:
        sizes = [v - math.log(shape(p.age_hours, tau)) for v, p in zip(logs, pts, strict=True)]
        mean = sum(w * s for w, s in zip(weights, sizes, strict=True)) / total
        misfit = sum(w * (s - mean) ** 2 for w, s in zip(weights, sizes, strict=True))
        cost = misfit + ((math.log(tau) - math.log(prior)) / prior_sd) ** 2
        fits.append((cost, Curve(tau, math.exp(mean))))
    best_cost, best = min(fits, key=lambda f: f[0])
    near = [c for cost, c in fits if cost <= best_cost + RANGE_COST]
    return Projection(
        basis=basis,
        age_hours=max(p.age_hours for p in pts),
        mid=best,
        low=min(near, key=lambda c: c.tau_hours),
        high=max(near, key=lambda c: c.tau_hours),
    )


@dataclass(frozen=True, slots=True)
class MilestoneEta:
    milestone: int
    hours: float  # from now


def milestone_eta(
    projection: Projection | None, age_hours: float, views: int, milestones: Sequence[int]
) -> MilestoneEta | None:
    """The next of `milestones` above `views`, when the projected curve reaches it within ETA_HORIZON_HOURS
    of `age_hours`; None otherwise (or with no projection)."""
    if projection is None:
        return None
    ahead = [m for m in milestones if m > views]
    if not ahead:
        return None
    at = projection.mid.hours_to(ahead[0])
    if at is None:
        return None
    wait = max(0.0, at - age_hours)
    return MilestoneEta(ahead[0], wait) if wait <= ETA_HORIZON_HOURS else None
