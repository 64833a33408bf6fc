"""The account poll schedule: how long until a watched account is polled again, learned from when it
publishes. The engine that polls on it is bot/polling.py.

Polls are spent where a post is likely: an account's recent publish times, as times of day, mark its
likely windows (LIKELY_WINDOW either side of each); inside one it is polled every MIN_INTERVAL, so a post
there is found within MIN_INTERVAL of publishing. Elsewhere it backs off to POLLS_PER_GAP polls per average
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
# Times of day are a pattern only with at least this many recent posts.
MIN_PATTERN = 3
# Creators often post in bursts: for this long after a post the interval is halved.
AFTER_POST = timedelta(hours=6)
DAY = timedelta(days=1)


def until_likely(post_times: Sequence[datetime], now: datetime) -> timedelta | None:
    """Zero inside a likely window of the account, else how long until the next one starts (None: no
    pattern yet, fewer than MIN_PATTERN recent posts)."""
    recent = [t for t in post_times if now - RATE_WINDOW <= t <= now]
    if len(recent) < MIN_PATTERN:
        return None
    best = DAY
    for t in recent:
        # How far past this post's time of day `now` is, on the day's circle: [0, 1 day).
        past = (now - t) % DAY
        if past <= LIKELY_WINDOW or DAY - past <= LIKELY_WINDOW:
            return timedelta(0)
        best = min(best, DAY - past - LIKELY_WINDOW)
    return best


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
