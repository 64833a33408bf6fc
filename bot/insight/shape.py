"""The growth shape every baseline and projection of Checkback uses, and the fit of an account's curve to
its recent videos. Pure arithmetic (the standard library's math: no numpy in the check-back path, so a
bot that draws no chart never loads it).

The shape: a video `h` hours old has `S * log1p(h / tau)` views. Its pace, `S / (tau + h)` views an hour,
falls off hyperbolically after a start of about `tau` hours; `S` is the video's size, `tau` how soon its
audience finds it. TikTok curves are front-loaded and never quite stop, and this one-parameter decay is
the simplest shape that is both; BENCHMARKS.md ("projection") measures how well it projects.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

# The taus a fit chooses among: 0.5 h to ~260 h, 10% apart (a grid: no optimiser to converge or not).
TAU_GRID: tuple[float, ...] = tuple(0.5 * 1.1**k for k in range(66))
# The start of a curve that nothing else tells (the decay model's tau): half a day's audience in 6 hours.
DEFAULT_TAU_HOURS = 6.0
# A video younger than this says too little about its curve (minutes of noise).
MIN_AGE_HOURS = 0.25
# An account's curve needs this many of its videos with views.
MIN_VIDEOS = 5


def shape(hours: float, tau: float) -> float:
    """log1p(hours / tau): the shape's views at `hours`, per unit of size."""
    return math.log1p(max(0.0, hours) / tau)


def percentile_rank(value: float, sample: Sequence[float]) -> int:
    """The percentile (0-100) of `value` in `sample`: the share below it, ties counted half."""
    if not sample:
        raise ValueError("an empty sample has no percentiles")
    below = sum(1 for s in sample if s < value)
    equal = sum(1 for s in sample if s == value)
    return round(100 * (below + equal / 2) / len(sample))


@dataclass(frozen=True, slots=True)
class Point:
    """A video's views at an age."""

    age_hours: float
    views: int


def usable(points: Sequence[Point]) -> list[Point]:
    """The points a fit can read: old enough, with views (log of 0 is nothing)."""
    return [p for p in points if p.age_hours >= MIN_AGE_HOURS and p.views > 0]


@dataclass(frozen=True, slots=True)
class AccountCurve:
    """An account's typical growth: its videos share one `tau`; each video's size is its views over the
    shape at its age, and `sizes` (logs, sorted) are those of the videos it was fitted to."""

    tau_hours: float
    sizes: tuple[float, ...]

    @property
    def videos(self) -> int:
        return len(self.sizes)

    def typical(self, hours: float) -> float:
        """The median video's views at `hours`."""
        return math.exp(statistics.median(self.sizes)) * shape(hours, self.tau_hours)

    def standing(self, hours: float, views: int) -> tuple[float, int] | None:
        """A video's (ratio to the typical, percentile among the account's videos) at `hours` with `views`;
        None when it is too young or has no views to compare."""
        if hours < MIN_AGE_HOURS or views <= 0:
            return None
        typical = self.typical(hours)
        size = math.log(views) - math.log(shape(hours, self.tau_hours))
        return views / typical, percentile_rank(size, self.sizes)


def fit_account_curve(points: Sequence[Point]) -> AccountCurve | None:
    """The account's curve from its recent videos, one point each (its age and views now, as one
    account-posts call gives them): the tau under which their sizes agree best (least variance of the
    log sizes: an old video's views are read back to the age of a young one). None under MIN_VIDEOS."""
    pts = usable(points)
    if len(pts) < MIN_VIDEOS:
        return None
    logs = [math.log(p.views) for p in pts]

    def sizes(tau: float) -> list[float]:
        return [v - math.log(shape(p.age_hours, tau)) for v, p in zip(logs, pts, strict=True)]

    ages = [p.age_hours for p in pts]
    if max(ages) < 2 * min(ages):  # videos of one age cannot tell one tau from another
        tau = DEFAULT_TAU_HOURS
    else:
        tau = min(TAU_GRID, key=lambda t: statistics.pvariance(sizes(t)))
    return AccountCurve(tau_hours=tau, sizes=tuple(sorted(sizes(tau))))
