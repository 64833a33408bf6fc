"""Benchmark: how far off is the projection (bot/insight/projection.py) made at a post's 24 h check?

On the simulator's ground truth, no database or server: for each of 300 accounts (60 with --quick) with
24 past videos, a new video is published and read at the default schedule's checks up to 24 h (and its
first snapshot a few minutes after publishing); the account's curve is fitted to its 20 latest other
videos as one account-posts call would see them at the 1 h check; the views projected at 24 h for 7 and
30 days are compared with what the simulator says the video has then.

Figures: `median_error_24h`, the median of |projected - actual| / actual of the 30-day views projected at
24 h (with the account's curve, as the bot does); `median_error_24h_7d`, the same for 7 days; `coverage_24h`,
the share of 30-day actuals inside the projected range; `median_error_6h`, the 30-day views projected at
6 h; `median_error_24h_decay`, at 24 h without an account curve (the decay model's prior).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.clock import ManualClock  # noqa: E402
from bot.insight.projection import MONTH_HOURS, WEEK_HOURS, project  # noqa: E402
from bot.insight.service import CURVE_VIDEOS  # noqa: E402
from bot.insight.shape import Point, fit_account_curve  # noqa: E402
from bot.sandbox.metrics.world import SimWorld  # noqa: E402
from bot.schedule import DEFAULT_OFFSETS  # noqa: E402

START = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
FIRST_SNAPSHOT = timedelta(minutes=5)


def error(projected: int, actual: int) -> float:
    return abs(projected - actual) / max(actual, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="60 accounts instead of 300")
    parser.add_argument("--posts", type=int, default=None)
    args = parser.parse_args()
    posts = args.posts or (60 if args.quick else 300)
    world = SimWorld(ManualClock(START))
    checks = [h for h in (s / 3600 for s in DEFAULT_OFFSETS) if h <= 24]
    errors: dict[str, list[float]] = {"24h": [], "24h_7d": [], "6h": [], "24h_decay": []}
    covered = 0
    started = time.perf_counter()
    for n in range(posts):
        username = f"bench_account_{n:04d}"
        world.add_account(username, videos=24)
        video_id = str(7_500_000_000_000_000_000 + n)
        video = world.add_video(video_id, START, username=username)

        def at(hours: float, vid: str = video_id) -> int:
            return world.metrics_at(vid, START + timedelta(hours=hours)).views

        # The account's videos as one account-posts call at the 1 h check lists them: newest first.
        seen = START + timedelta(hours=1)
        listed = [v for v in world.visible_videos(world.account(username), seen) if v.video_id != video_id]
        curve = fit_account_curve(
            [
                Point((seen - v.published_at).total_seconds() / 3600, v.metrics_at(seen).views)
                for v in listed[:CURVE_VIDEOS]
            ]
        )
        prior = curve.tau_hours if curve is not None else None
        first = FIRST_SNAPSHOT.total_seconds() / 3600
        snaps = [Point(first, at(first))] + [Point(h, at(h)) for h in checks]
        by_24h = project(snaps, prior)
        by_6h = project([p for p in snaps if p.age_hours <= 6], prior)
        decay = project(snaps, None)
        assert by_24h is not None and by_6h is not None and decay is not None, video
        month, week = at(MONTH_HOURS), at(WEEK_HOURS)
        projected, low, high = by_24h.at(MONTH_HOURS)
        errors["24h"].append(error(projected, month))
        errors["24h_7d"].append(error(by_24h.at(WEEK_HOURS)[0], week))
        errors["6h"].append(error(by_6h.at(MONTH_HOURS)[0], month))
        errors["24h_decay"].append(error(decay.at(MONTH_HOURS)[0], month))
        covered += low <= month <= high
    elapsed = time.perf_counter() - started
    medians = {key: round(statistics.median(values), 4) for key, values in errors.items()}
    print(f"{posts} posts; median |error| of the 30-day views projected at 24 h: {medians['24h']:.1%}")
    print(
        json.dumps(
            {
                "bench": "projection",
                "posts": posts,
                "median_error_24h": medians["24h"],
                "median_error_24h_7d": medians["24h_7d"],
                "coverage_24h": round(covered / posts, 3),
                "median_error_6h": medians["6h"],
                "median_error_24h_decay": medians["24h_decay"],
                "ms_per_post": round(elapsed / posts * 1000, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
