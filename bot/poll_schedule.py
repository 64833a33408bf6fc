"""The account poll schedule: how long until a watched account is polled again, from how often it posts.
The engine that polls on it is bot/polling.py."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

# An account is polled at least every MAX_INTERVAL and at most every MIN_INTERVAL.
MIN_INTERVAL = timedelta(minutes=15)
MAX_INTERVAL = timedelta(hours=6)
# The posting rate is measured over this window of publish times.
RATE_WINDOW = timedelta(days=14)
# Polls per average gap between posts: a daily poster is polled hourly, so a new post is usually found
# before its 1-hour check-back (a later find skips that check).
POLLS_PER_GAP = 24
# Creators often post in bursts: for this long after a post the interval is halved.
AFTER_POST = timedelta(hours=6)


def poll_interval(
    post_times: Sequence[datetime],
    now: datetime,
    *,
    min_interval: timedelta = MIN_INTERVAL,
    max_interval: timedelta = MAX_INTERVAL,
) -> timedelta:
    """How long until the next poll, from the account's recent publish times: POLLS_PER_GAP polls per
    average gap between posts over RATE_WINDOW, within [min_interval, max_interval], halved for
    AFTER_POST after the latest post. An account that posted nothing recently is polled at max_interval."""
    recent = [t for t in post_times if now - RATE_WINDOW <= t <= now]
    interval = RATE_WINDOW / len(recent) / POLLS_PER_GAP if recent else max_interval
    interval = max(min_interval, min(max_interval, interval))
    if recent and now - max(recent) < AFTER_POST:
        interval = max(min_interval, interval / 2)
    return interval
