"""Time zones by IANA name: validating what an admin typed, and the names autocomplete offers."""

from __future__ import annotations

import functools
import zoneinfo
from zoneinfo import ZoneInfo

from bot.errors import InvalidInput

DEFAULT_ZONE = "UTC"

# Offered first by autocomplete when nothing is typed yet: where social teams commonly work. Any other
# IANA name is accepted too (typed, or found by autocomplete among all of them).
COMMON_ZONES = (
    "UTC",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Paris",
    "Europe/Madrid",
    "Europe/Amsterdam",
    "Europe/Warsaw",
    "Europe/Istanbul",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Toronto",
    "America/Mexico_City",
    "America/Sao_Paulo",
    "Africa/Lagos",
    "Africa/Johannesburg",
    "Asia/Dubai",
    "Asia/Kolkata",
    "Asia/Jakarta",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Asia/Seoul",
    "Australia/Sydney",
    "Pacific/Auckland",
)

# Discord shows at most 25 autocomplete choices.
MAX_CHOICES = 25


@functools.cache
def _zones_by_folded_name() -> dict[str, str]:
    """Every IANA zone this machine knows (the system's database, else the tzdata package), by its name
    in lower case; read once, as listing them walks the database."""
    names = zoneinfo.available_timezones() | {DEFAULT_ZONE}
    return {name.casefold(): name for name in sorted(names)}


def parse_zone(text: str) -> ZoneInfo:
    """The zone named `text` (any case, e.g. "europe/berlin"); InvalidInput when there is none."""
    name = _zones_by_folded_name().get(text.strip().casefold())
    if name is None:
        raise InvalidInput(
            f"{text.strip()[:60]!r} is not a time zone: use an IANA name such as Europe/Berlin or "
            "America/New_York (autocomplete lists them)"
        )
    return ZoneInfo(name)


def zone_of(name: str | None) -> ZoneInfo:
    """A stored zone name as a ZoneInfo; UTC when none is stored (or one this machine no longer knows)."""
    if name is not None:
        try:
            return ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            pass
    return ZoneInfo(DEFAULT_ZONE)


def matching_zones(typed: str) -> list[str]:
    """Zone names for autocomplete: the common ones when nothing is typed, else those containing what was
    typed (names starting with it first), at most MAX_CHOICES."""
    needle = typed.strip().casefold().replace(" ", "_")
    if not needle:
        return list(COMMON_ZONES[:MAX_CHOICES])
    zones = _zones_by_folded_name()
    starts = [name for folded, name in zones.items() if folded.startswith(needle)]
    inside = [name for folded, name in zones.items() if needle in folded and not folded.startswith(needle)]
    return (starts + inside)[:MAX_CHOICES]
