"""The account poll schedule: how long until a watched account is polled again, learned from when it
publishes. The engine that polls on it is bot/polling.py.

Polls are spent where a post is likely: an account's recent publish times, as times of day, mark its
likely windows (the times of day with MIN_IN_WINDOW of them within LIKELY_WINDOW); inside one it is polled
every MIN_INTERVAL, so a post there is found within MIN_INTERVAL of publishing. Elsewhere it backs off to POLLS_PER_GAP polls per average
gap between its posts (within [MIN_INTERVAL, MAX_INTERVAL]), waking at the start of the next window.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

# An account is polled at least every MAX_INTERVAL and at most every MIN_INTERVAL.
MIN_INTERVAL = timedelta(minutes=15)
MAX_INTERVAL = timedelta(hours=6)
# The posting rate and times of day are learned over this window of publish times.
RATE_WINDOW = timedelta(days=14)
# Outside its likely windows an account is polled this many times per average gap between its posts.
POLLS_PER_GAP = 6
# A likely window: this long either side of the time of day of a recent post.
LIKELY_WINDOW = timedelta(minutes=45)
# Times of day are a pattern only with at least this many recent posts, and a window is likely with at
# least MIN_IN_WINDOW of them near its time of day (an account posting at random hours has none).
MIN_PATTERN = 3
MIN_IN_WINDOW = 2
WINDOW_STEP = timedelta(minutes=5)
# Creators often post in bursts: for this long after a post the interval is halved.
AFTER_POST = timedelta(hours=6)
DAY = timedelta(days=1)


def _near(times_of_day: Sequence[timedelta], at: timedelta) -> int:
    """How many of the times of day lie within LIKELY_WINDOW of `at` (on the day's circle)."""
    return sum(1 for t in times_of_day if min((at - t) % DAY, (t - at) % DAY) <= LIKELY_WINDOW)


def until_likely(post_times: Sequence[datetime], now: datetime) -> timedelta | None:
    """Zero inside a likely window of the account (MIN_IN_WINDOW of its recent posts within LIKELY_WINDOW
    of this time of day), else how long until the next one opens (to WINDOW_STEP; None: no pattern, fewer
    than MIN_PATTERN recent posts, or none within the next day)."""
    recent = [t for t in post_times if now - RATE_WINDOW <= t <= now]
    if len(recent) < MIN_PATTERN:
        return None
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    times_of_day = [t - t.replace(hour=0, minute=0, second=0, microsecond=0) for t in recent]
    at = now - midnight
    ahead = timedelta(0)
    while ahead < DAY:
        if _near(times_of_day, (at + ahead) % DAY) >= MIN_IN_WINDOW:
            return ahead
        ahead += WINDOW_STEP
    return None


def poll_interval(
    post_times: Sequence[datetime],
    now: datetime,
    *,
    min_interval: timedelta = MIN_INTERVAL,
    max_interval: timedelta = MAX_INTERVAL,
) -> timedelta:
    """How long until the next poll, from the account's recent publish times: min_interval inside a likely
    window; elsewhere POLLS_PER_GAP polls per average gap between posts over RATE_WINDOW, within
    [min_interval, max_interval], never past the start of the next likely window, halved for AFTER_POST
    after the latest post. An account that posted nothing recently is polled at max_interval."""
    recent = [t for t in post_times if now - RATE_WINDOW <= t <= now]
    wait = until_likely(recent, now)
    if wait is not None and wait <= timedelta(0):
        return min_interval
    interval = RATE_WINDOW / len(recent) / POLLS_PER_GAP if recent else max_interval
    interval = max(min_interval, min(max_interval, interval))
    if recent and now - max(recent) < AFTER_POST:
        interval = max(min_interval, interval / 2)
    if wait is not None:
        interval = max(min_interval, min(interval, wait))
    return interval
