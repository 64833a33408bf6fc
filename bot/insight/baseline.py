"""A post's baseline at one age: its account's tracked posts at the same check where there are enough of
them, else the growth curve of the account's recent videos (bot/insight/shape.py), else none; and the
post's standing against it (ratio to the typical, percentile)."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any

from bot.insight.models import Standing
from bot.insight.shape import AccountCurve, percentile_rank

# The tracked history is the baseline from this many of the account's posts at the same check.
MIN_TRACKED = 5


@dataclass(frozen=True, slots=True)
class Baseline:
    """What a post is compared with: `peers` (views of the account's tracked posts at the same check, at
    least MIN_TRACKED) or `curve`; with neither, `why` ("few_posts", "budget")."""

    account: str | None
    peers: list[int] = field(default_factory=list)
    curve: AccountCurve | None = None
    why: str | None = None

    def standing(self, age: str | None, age_hours: float | None, views: int) -> Standing:
        """The post's standing with `views` at `age_hours` (labelled `age`, e.g. "6h")."""
        about: dict[str, Any] = {"account": self.account, "age": age}
        if len(self.peers) >= MIN_TRACKED:
            typical = statistics.median(self.peers)
            if typical > 0:
                return Standing(
                    basis="tracked",
                    **about,
                    ratio=round(views / typical, 2),
                    typical_views=round(typical),
                    percentile=percentile_rank(views, self.peers),
                    sample=len(self.peers),
                )
        if age_hours is None:
            return Standing(basis="none", **about, why="no_age")
        if self.curve is not None:
            found = self.curve.standing(age_hours, views)
            if found is not None:
                ratio, percentile = found
                return Standing(
                    basis="curve",
                    **about,
                    ratio=round(ratio, 2),
                    typical_views=round(self.curve.typical(age_hours)),
                    percentile=percentile,
                    sample=self.curve.videos,
                )
        return Standing(basis="none", **about, why=self.why or "few_posts")
