"""When digests go out: every day, or every Monday, at a local time of the guild's zone; the period a digest
covers runs from the one instant before it to its own.

Instants are computed on local dates (a day is a calendar day, 23 or 25 hours across a change of clocks),
so 09:00 stays 09:00 local all year. A local time that a change of clocks skips (02:30 on the spring-forward
night) falls an hour later; one it repeats is its first occurrence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal, get_args
from zoneinfo import ZoneInfo

from bot.errors import InvalidInput

Every = Literal["daily", "weekly"]
EVERY: tuple[Every, ...] = get_args(Every)
WEEKLY_ON = 0  # Monday (date.weekday()): a weekly digest opens the week with the week before
_AT = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*$")


def parse_at(text: str) -> int:
    """ "09:00" (24-hour, H:MM or HH:MM) as minutes after midnight; InvalidInput otherwise."""
    match = _AT.match(text)
    if match is None or int(match[1]) > 23 or int(match[2]) > 59:
        raise InvalidInput(
            f"{text.strip()[:20]!r} is not a time of day: use 24-hour HH:MM, such as 09:00 or 17:30"
        )
    return int(match[1]) * 60 + int(match[2])


def format_at(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def check_every(every: str) -> Every:
    if every not in EVERY:
        raise InvalidInput(f"{every!r} is not how often: daily or weekly")
    return every  # type: ignore[return-value]


@dataclass(frozen=True, slots=True)
class Period:
    """[start, end): what a digest covers; `end` is the instant it is due."""

    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class DigestTimes:
    """A digest's schedule: how often, at which local minute, in which zone."""

    every: Every
    at_minute: int
    zone: ZoneInfo

    @property
    def step(self) -> int:
        return 7 if self.every == "weekly" else 1

    def _instant(self, day: date) -> datetime:
        local = datetime.combine(day, time(self.at_minute // 60, self.at_minute % 60), tzinfo=self.zone)
        # Through UTC and back: a skipped local time lands on the instant after the gap.
        return local.astimezone(UTC)

    def _day_of(self, instant: datetime) -> date:
        day = instant.astimezone(self.zone).date()
        if self.every == "weekly":
            day -= timedelta(days=(day.weekday() - WEEKLY_ON) % 7)
        return day

    def latest(self, now: datetime) -> datetime:
        """The last digest instant at or before `now`."""
        day = self._day_of(now)
        while (instant := self._instant(day)) > now:
            day -= timedelta(days=self.step)
        return instant

    def period_ending(self, instant: datetime) -> Period:
        """The period whose digest is due at `instant` (one of this schedule's instants)."""
        day = self._day_of(instant)
        return Period(self._instant(day - timedelta(days=self.step)), instant)

    def after(self, now: datetime) -> datetime:
        """The first digest instant after `now`."""
        day = self._day_of(self.latest(now))
        return self._instant(day + timedelta(days=self.step))

    def due(self, now: datetime, last_period_start: datetime | None) -> Period | None:
        """The period to send at `now`: the latest one ended, unless it (or a later one) was sent. After
        downtime over several periods that is the latest only: one digest, not one per missed period."""
        period = self.period_ending(self.latest(now))
        if last_period_start is not None and last_period_start >= period.start:
            return None
        return period

    def next_due(self, now: datetime, last_period_start: datetime | None) -> datetime:
        """When a digest is next due: the end of a period still unsent (at or before `now`), else the next
        instant."""
        period = self.due(now, last_period_start)
        return period.end if period is not None else self.after(now)
