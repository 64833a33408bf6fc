"""What the insight services tell (check-back notices and /analytics carry them): a post's standing
against its account's typical, its projection, a milestone's ETA and how far off early projections were."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Standing(_Model):
    """Where a post stands against its account's recent posts at the same age. `basis`: "tracked" (the
    account's tracked posts at the same check), "curve" (the growth curve of its recent videos) or "none"
    (no baseline; `why` says why: "few_posts", "budget", "no_age")."""

    basis: Literal["tracked", "curve", "none"]
    account: str | None = None
    age: str | None = None  # "6h"
    ratio: float | None = None  # views / the typical views at that age
    typical_views: int | None = None
    percentile: int | None = None  # 0-100, among `sample` posts
    sample: int = 0
    why: str | None = None


class MilestoneEta(_Model):
    """The next milestone, reached in about `hours` at the projected pace."""

    milestone: int
    hours: float


class ProjectedPoint(_Model):
    at: AwareDatetime
    views: int
    low: int
    high: int


class ProjectedViews(_Model):
    """The post's views projected at 7 and 30 days with their range; `basis` "curve" (the account's growth
    curve) or "decay" (the documented decay model); `path`: the projected line for the chart."""

    basis: Literal["curve", "decay"]
    age_hours: float
    views_7d: int
    low_7d: int
    high_7d: int
    views_30d: int
    low_30d: int
    high_30d: int
    path: list[ProjectedPoint] = []


class ProjectionCheck(_Model):
    """A projection made early (at `made_at_hours` of age) against what the post reached at `horizon`."""

    made_at_hours: float
    horizon: Literal["7d", "30d"]
    projected: int
    low: int
    high: int
    actual: int

    @property
    def error(self) -> float | None:
        """(projected - actual) / actual: positive when the projection was too high."""
        return (self.projected - self.actual) / self.actual if self.actual else None


class PostInsight(_Model):
    """/analytics' insight: the latest snapshot's standing, the projection, the next milestone's ETA (from
    now, as a check-back gives it), and after 7 and 30 days how far off the early projection was."""

    standing: Standing | None = None
    projection: ProjectedViews | None = None
    eta: MilestoneEta | None = None
    accuracy: list[ProjectionCheck] = []
