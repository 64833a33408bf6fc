"""Offsets: parsing, validation, due times and which check a late runner answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.schedule import (
    DEFAULT_OFFSETS,
    due_times,
    first_of_next_month,
    first_pending,
    format_offsets,
    latest_due,
    parse_offsets,
)
from db.schedule_codec import schedule_from_json, schedule_to_json

T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def test_parse_offsets_reads_units_and_mixed_forms() -> None:
    assert parse_offsets("1h,6h,1d,30d") == [3600, 6 * 3600, 86400, 30 * 86400]
    assert parse_offsets(" 30m ; 1h30m, 2d ") == [1800, 5400, 2 * 86400]
    assert parse_offsets("45s,1w") == [45, 7 * 86400]
    assert parse_offsets("1h 6h") == [3600, 6 * 3600]


# Bad offsets, each refused with its reason: one table with the other typed text, tests/fuzz/test_parsers.py.


def test_the_default_is_the_original_schedule() -> None:
    assert format_offsets(DEFAULT_OFFSETS) == "1h,6h,12h,1d,2d,3d,7d,14d,30d"
    assert parse_offsets(format_offsets(DEFAULT_OFFSETS)) == list(DEFAULT_OFFSETS)


def test_due_times_count_from_publishing_and_past_ones_are_skipped() -> None:
    schedule = due_times(T0, DEFAULT_OFFSETS)
    assert schedule[0] == T0 + timedelta(hours=1)
    assert schedule[-1] == T0 + timedelta(days=30)
    assert first_pending(schedule, T0 + timedelta(hours=50)) == 5  # 1h, 6h, 12h, 24h, 48h are past
    assert schedule_from_json(schedule_to_json(schedule)) == schedule


def test_a_late_runner_answers_the_latest_missed_check() -> None:
    schedule = due_times(T0, DEFAULT_OFFSETS)
    assert latest_due(schedule, 0, T0 + timedelta(hours=1)) == 0
    assert latest_due(schedule, 0, T0 + timedelta(hours=50)) == 4  # the 48h check; 1h..24h coalesced
    assert latest_due(schedule, 3, T0 + timedelta(days=90)) == 8
    # Set due early by hand: the next check is answered, never one already done.
    assert latest_due(schedule, 2, T0) == 2


def test_first_of_next_month_rolls_over_the_year() -> None:
    assert first_of_next_month(datetime(2026, 12, 31, 23, 59, tzinfo=UTC)) == datetime(2027, 1, 1, tzinfo=UTC)
    assert first_of_next_month(T0) == datetime(2026, 4, 1, tzinfo=UTC)
