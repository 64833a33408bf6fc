"""One of each chart, drawn from known data: the README's "Pictures" (`python -m bot.charts.gallery
docs/img`, or `make pictures`). The data are made up but shaped like real posts (fast growth that levels
off), fixed here so the pictures change only when a chart's look does."""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.charts.accounts import render_account_chart
from bot.charts.besttime import render_besttime_chart
from bot.charts.compare import AgeSeries, render_compare_chart
from bot.charts.digest import ViewsSeries, render_digest_chart
from bot.charts.growth import ChartPoint, render_growth_chart
from bot.charts.usage import render_usage_chart
from bot.watch_models import AccountAnalytics, AccountNumbers, AccountSnapshotView
from db.what_works import SlotRow

PUBLISHED = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)
CHECK_HOURS = (0.2, 1, 6, 12, 24, 48, 72, 168)


def _views(hours: float, total: float, pace: float) -> int:
    """A post's views `hours` after publishing: most of them early, levelling off towards `total`."""
    return int(total * (1 - math.exp(-hours / pace)))


def growth_picture() -> bytes:
    points = [
        ChartPoint(PUBLISHED + timedelta(hours=h), _views(h, 182_000, 30), _views(h, 14_600, 22))
        for h in CHECK_HOURS
    ]
    return render_growth_chart(points, "#12 @maker_jo")


def account_picture() -> bytes:
    snapshots = [
        AccountSnapshotView(
            captured_at=PUBLISHED + timedelta(hours=6 * n),
            numbers=AccountNumbers(
                followers=48_200 + 90 * n + (1_400 if n >= 9 else 0),
                hearts=1_310_000 + 16_000 * n,
                videos=212 + n // 4,
            ),
        )
        for n in range(20)
    ]
    return render_account_chart(AccountAnalytics(username="maker_jo", snapshots=snapshots))


def usage_picture() -> bytes:
    month = date(2026, 3, 1)
    daily = {month.replace(day=d): 610 + 35 * (d % 7) + (240 if d in (9, 10) else 0) for d in range(1, 19)}
    return render_usage_chart(daily, month, 25_000)


def compare_picture() -> bytes:
    hours = list(CHECK_HOURS[:6])
    series = [
        AgeSeries("#12 @maker_jo", hours, [_views(h, 182_000, 30) for h in hours]),
        AgeSeries("#15 @maker_jo", hours[:5], [_views(h, 64_000, 14) for h in hours[:5]]),
    ]
    return render_compare_chart(series, "Views by age: #12 and #15")


def besttime_picture() -> bytes:
    """A team that posts at lunch and in the evening, more at weekends; evenings do best, Saturday most."""
    slots = [
        SlotRow(
            day=day,
            hour=hour,
            median=round(
                6_000 * (1.9 if hour >= 18 else 1.0) * (1.6 if day == 6 else 1.0) * (1 + (day * hour) % 5 / 8)
            ),
            posts=1 + (day + hour) % 5,
        )
        for day in range(1, 8)
        for hour in ((12, 13, 19, 20) if day < 6 else (10, 12, 13, 17, 19, 20, 21))
        if (day * 7 + hour) % 6
    ]
    best = sorted(slots, key=lambda s: (-s.median, -s.posts))[:3]
    return render_besttime_chart(
        slots, best, "UTC", "Tracked posts: median views at 24 hours by publishing time"
    )


def digest_picture() -> bytes:
    """A day's digest in Berlin (09:00 to 09:00): three posts of different ages, each checked on its own
    schedule, each line begun at its last check before the day."""
    start = PUBLISHED + timedelta(hours=15)
    end = start + timedelta(days=1)
    series = []
    for label, published, total, pace in (
        ("#12 @maker_jo", PUBLISHED, 182_000, 30),
        ("#15 @maker_jo", PUBLISHED + timedelta(hours=20), 64_000, 14),
        ("#9 @studio_k", PUBLISHED - timedelta(days=2), 90_000, 40),
    ):
        taken = [h for h in CHECK_HOURS if published + timedelta(hours=h) < end]
        inside = [h for h in taken if published + timedelta(hours=h) >= start]
        hours = [h for h in taken if h not in inside][-1:] + inside
        times = [published + timedelta(hours=h) for h in hours]
        series.append(ViewsSeries(label, times, [_views(h, total, pace) for h in hours]))
    return render_digest_chart(series, "Views of the top posts", start, end, ZoneInfo("Europe/Berlin"))


# (file name, what it shows, how it is drawn): the README's Pictures section shows each, in this order.
PICTURES: tuple[tuple[str, str, Callable[[], bytes]], ...] = (
    ("growth.png", "/analytics: a post's views and likes over time", growth_picture),
    ("compare.png", "/compare: two posts' views by age", compare_picture),
    ("account.png", "/analytics account: a watched account's followers and hearts", account_picture),
    ("usage.png", "/usage: the month's API calls against the budget", usage_picture),
    ("besttime.png", "/besttime: median 24-hour views by publishing day and hour", besttime_picture),
    ("digest.png", "The digest: the period's views of its top posts", digest_picture),
)


def write_pictures(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, _, draw in PICTURES:
        path = folder / name
        path.write_bytes(draw())
        written.append(path)
    return written


def main(argv: list[str]) -> int:
    folder = Path(argv[0] if argv else "docs/img")
    for path in write_pictures(folder):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
