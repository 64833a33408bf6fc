"""Check-back schedules: offsets from a post's publish time, their parsing, validation and the due times."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from bot.errors import InvalidOffsets

HOUR = 3600
DAY = 24 * HOUR
# The original system's schedule: 1h, 6h, 12h, 1d, 2d, 3d, 7d, 14d, 30d after publishing.
DEFAULT_OFFSETS: tuple[int, ...] = tuple(h * HOUR for h in (1, 6, 12, 24, 48, 72, 168, 336, 720))
MAX_OFFSETS = 20
MAX_OFFSET_SECONDS = 90 * DAY

_UNITS = {"s": 1, "m": 60, "h": HOUR, "d": DAY, "w": 7 * DAY}
_PART_RE = re.compile(r"(\d+(?:\.\d+)?)\s*([smhdw])")


def parse_offsets(text: str) -> list[int]:
    """ "1h,6h,1d,30m" (also "1h30m", spaces, ";") → seconds, validated; anything else is InvalidOffsets."""
    if not isinstance(text, str) or not text.strip():
        raise InvalidOffsets("the schedule is empty; write offsets like 1h,6h,1d")
    offsets: list[int] = []
    for raw in re.split(r"[,;\s]+", text):
        item = raw.strip().lower()
        if not item:
            continue
        pos, seconds = 0, 0.0
        for match in _PART_RE.finditer(item):
            if match.start() != pos:
                break
            seconds += float(match[1]) * _UNITS[match[2]]
            pos = match.end()
        if pos != len(item) or pos == 0:
            raise InvalidOffsets(f"{raw.strip()!r} is not a duration like 30m, 6h or 2d")
        offsets.append(round(seconds))
    return validate_offsets(offsets)


def validate_offsets(offsets: Sequence[int]) -> list[int]:
    """The offsets as a list when they are positive, strictly ascending, at most 20 and within 90 days."""
    values = [int(v) for v in offsets]
    if not values:
        raise InvalidOffsets("the schedule needs at least one check-back")
    if len(values) > MAX_OFFSETS:
        raise InvalidOffsets(f"{len(values)} check-backs; at most {MAX_OFFSETS} are allowed")
    for value in values:
        if value <= 0:
            raise InvalidOffsets(f"{format_offset(value)} is not after the post's publish time")
        if value > MAX_OFFSET_SECONDS:
            raise InvalidOffsets(f"{format_offset(value)} is more than 90 days after publishing")
    for before, after in zip(values, values[1:], strict=False):
        if after <= before:
            raise InvalidOffsets(
                f"offsets must be in ascending order ({format_offset(after)} after {format_offset(before)})"
            )
    return values


def offsets_from_setting(value: object) -> list[int]:
    """system_settings.checkback_schedule_default in the original's shape, [{"name": "1 hour",
    "offset_hours": 1}, ...] (or a bare list of hours), as validated seconds; InvalidOffsets otherwise."""
    if not isinstance(value, list):
        raise InvalidOffsets("the default schedule setting is not a list")
    hours: list[float] = []
    for entry in value:
        raw = entry.get("offset_hours", entry.get("hours")) if isinstance(entry, dict) else entry
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            raise InvalidOffsets(f"{entry!r} has no offset_hours")
        hours.append(float(raw))
    return validate_offsets([round(h * HOUR) for h in hours])


def format_offset(seconds: int) -> str:
    """Seconds as the shortest exact form: 3600 → "1h", 90000 → "1d1h", 90 → "1m30s"."""
    if seconds <= 0:
        return f"{seconds}s"
    parts = []
    rest = seconds
    for unit, size in (("d", DAY), ("h", HOUR), ("m", 60), ("s", 1)):
        count, rest = divmod(rest, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts)


def format_offsets(offsets: Sequence[int]) -> str:
    return ",".join(format_offset(v) for v in offsets)


def due_times(published_at: datetime, offsets: Sequence[int]) -> list[datetime]:
    """The check-back times: the publish time plus each offset (aware UTC)."""
    if published_at.tzinfo is None:
        raise ValueError("published_at must be timezone-aware")
    base = published_at.astimezone(UTC)
    return [base + timedelta(seconds=int(v)) for v in offsets]


def first_pending(schedule: Sequence[datetime], now: datetime) -> int:
    """How many checks of `schedule` are already past at `now`: those are skipped, not run in a burst."""
    return sum(1 for when in schedule if when <= now)


def latest_due(schedule: Sequence[datetime], done: int, now: datetime) -> int:
    """The index of the check a runner answers now: the latest one due (coalescing the missed ones before
    it), and never one before `done` (a post set due early answers its next check)."""
    index = done
    for i in range(done, len(schedule)):
        if schedule[i] <= now:
            index = i
        else:
            break
    return index


def first_of_next_month(now: datetime) -> datetime:
    """00:00 UTC on the 1st of the month after `now`'s (where postponed checks go)."""
    now = now.astimezone(UTC)
    year, month = (now.year + 1, 1) if now.month == 12 else (now.year, now.month + 1)
    return datetime(year, month, 1, tzinfo=UTC)


def first_of_month(now: datetime) -> datetime:
    now = now.astimezone(UTC)
    return datetime(now.year, now.month, 1, tzinfo=UTC)
