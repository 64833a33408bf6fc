"""The stored form of a post's check-back schedule (`social_media_posts.check_schedule`, jsonb): a list of
ISO 8601 timestamps in UTC. The schedule itself (offsets, due times) is bot/schedule.py's."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime


def schedule_to_json(schedule: Sequence[datetime]) -> list[str]:
    """check_schedule's stored form: ISO 8601 timestamps in UTC."""
    return [when.astimezone(UTC).isoformat() for when in schedule]


def schedule_from_json(value: object) -> list[datetime]:
    """check_schedule as aware datetimes; naive stored strings (the original's) are read as UTC."""
    if not isinstance(value, list):
        return []
    out: list[datetime] = []
    for item in value:
        when = datetime.fromisoformat(str(item).replace("Z", "+00:00"))
        out.append(when if when.tzinfo else when.replace(tzinfo=UTC))
    return out
