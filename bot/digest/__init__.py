"""Digests: one message a day or a week with the period's top movers, milestones, new posts, finished
schedules, caps and API budget, and a chart. `service` answers what users ask (set, stop, show, preview);
`engine` sends them on schedule; `periods` says when; `build` reads what a period holds."""

from bot.digest.build import Digest
from bot.digest.engine import DigestEngine
from bot.digest.periods import EVERY, DigestTimes, Period, parse_at
from bot.digest.service import DigestService, DigestView

__all__ = [
    "EVERY",
    "Digest",
    "DigestEngine",
    "DigestService",
    "DigestTimes",
    "DigestView",
    "Period",
    "parse_at",
]
