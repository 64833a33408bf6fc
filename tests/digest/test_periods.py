"""When digests are due (bot/digest/periods.py): local times of the guild's zone, across changes of clocks,
weekly on Mondays, and one period after downtime however many were missed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.digest.periods import DigestTimes, Period, format_at, parse_at
from bot.errors import InvalidInput

BERLIN = ZoneInfo("Europe/Berlin")


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


def test_times_of_day_are_24_hour_hh_mm() -> None:
    assert [parse_at(t) for t in ("09:00", "9:30", " 23:59 ", "00:00")] == [540, 570, 1439, 0]
    assert format_at(570) == "09:30" and format_at(0) == "00:00"
    for bad in ("24:00", "12:60", "9", "9h", "09:0", "-1:00", "nine", ""):
        with pytest.raises(InvalidInput, match="is not a time of day"):
            parse_at(bad)


def test_a_daily_digest_stays_at_its_local_time_across_the_change_of_clocks() -> None:
    times = DigestTimes("daily", 9 * 60, BERLIN)
    # Berlin moves from UTC+1 to UTC+2 in the night to Sunday 29 March 2026.
    saturday, sunday = utc(2026, 3, 28, 8), utc(2026, 3, 29, 7)
    assert times.latest(utc(2026, 3, 29, 12)) == sunday
    assert times.period_ending(sunday) == Period(saturday, sunday)  # a day of 23 hours
    assert times.after(utc(2026, 3, 29, 12)) == utc(2026, 3, 30, 7)
    assert times.latest(sunday) == sunday  # due at its instant, not a moment after
    assert times.latest(sunday - timedelta(microseconds=1)) == saturday


def test_a_weekly_digest_goes_on_mondays_with_the_week_before() -> None:
    times = DigestTimes("weekly", 8 * 60 + 30, ZoneInfo("UTC"))
    wednesday = utc(2026, 3, 4, 12)
    monday = utc(2026, 3, 2, 8, 30)
    assert times.latest(wednesday) == monday
    assert times.period_ending(monday) == Period(utc(2026, 2, 23, 8, 30), monday)
    assert times.after(wednesday) == utc(2026, 3, 9, 8, 30)
    # Before Monday's time, the latest is the Monday before.
    assert times.latest(utc(2026, 3, 9, 8)) == monday


def test_after_downtime_one_period_is_due_the_latest() -> None:
    times = DigestTimes("daily", 9 * 60, ZoneInfo("UTC"))
    sent = utc(2026, 3, 1, 9)  # the period starting then was the last sent
    back = utc(2026, 3, 5, 10)  # three periods missed since
    assert times.due(back, sent - timedelta(days=1)) == Period(utc(2026, 3, 4, 9), utc(2026, 3, 5, 9))
    assert times.due(back, utc(2026, 3, 4, 9)) is None  # that one was sent: nothing until tomorrow
    assert times.next_due(back, utc(2026, 3, 4, 9)) == utc(2026, 3, 6, 9)
    assert times.next_due(back, sent) == utc(2026, 3, 5, 9)  # due now: its instant, in the past
