"""Text helpers for every embed: Discord's limits, colours, cutting, fields, numbers and timestamps."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

Embed = dict[str, Any]

BLUE = 0x3498DB
GOLD = 0xF1C40F
PINK = 0xE91E63
GREY = 0x95A5A6
ORANGE = 0xE67E22
RED = 0xE74C3C
GREEN = 0x2ECC71

# Discord: 256 characters in a title, 4,096 in a description, 1,024 in a field value.
TITLE = 256
DESCRIPTION = 4096
FIELD = 1024


def cut(text: str | None, limit: int) -> str:
    """One line: every run of spaces and line breaks made one space, cut to `limit` with an ellipsis."""
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def cut_lines(text: str | None, limit: int) -> str:
    """Tidy spaces within each line (keeping the line breaks a list needs) and cut to `limit`."""
    lines = (" ".join(line.split()) for line in (text or "").strip().splitlines())
    text = "\n".join(line for line in lines if line)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def clip(text: str, limit: int) -> str:
    """Cut to `limit` characters as it is (line breaks and spaces kept)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def field(name: str, value: str, inline: bool = True) -> dict[str, Any]:
    """An embed field within Discord's limits; an empty value shows as a dash."""
    return {"name": cut_lines(name, TITLE), "value": cut_lines(value, FIELD) or "—", "inline": inline}


def code(lines: Sequence[str], limit: int = DESCRIPTION) -> str:
    """Lines in a code block (monospace, so columns line up), dropping the oldest lines to fit."""
    kept = list(lines)
    while kept and len("```\n" + "\n".join(kept) + "\n```") > limit:
        kept.pop(0)
    return "```\n" + "\n".join(kept) + "\n```"


def fit_tail(lines: list[str], limit: int = DESCRIPTION) -> str:
    """The newest lines that fit (the end of a conversation matters most)."""
    kept: list[str] = []
    size = 0
    for line in reversed(lines):
        if size + len(line) + 1 > limit:
            break
        kept.insert(0, line)
        size += len(line) + 1
    return "\n".join(kept)


def num(value: int | float | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}"
    return f"{int(value):,}"


def count(n: int | None, one: str, many: str | None = None) -> str:
    """ "1 reply", "2 replies", "1,200 likes": the number and the noun that agrees with it."""
    value = int(n or 0)
    return f"{num(value)} {one if value == 1 else (many or one + 's')}"


def skipped_text(n: int) -> str:
    """ "1 already past was skipped", "3 already past were skipped"."""
    return f"{n} already past {'was' if n == 1 else 'were'} skipped"


def signed(value: int | float | None) -> str:
    if value is None:
        return "—"
    text = num(abs(value))
    return f"+{text}" if value >= 0 else f"-{text}"


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.2f}%"


def short(value: int | float | None) -> str:
    """A count in a narrow column: 9,999, 12k, 3.4M, 1.2B."""
    if value is None:
        return "—"
    for size, suffix in ((1_000_000_000, "B"), (1_000_000, "M"), (10_000, "k")):
        if abs(value) >= size:
            return f"{value / size:.1f}{suffix}" if size != 10_000 else f"{value / 1000:.0f}k"
    return f"{value:,.0f}"


def duration(seconds: float | int) -> str:
    """3 h 20 min, 2 d 4 h, 45 min, 30 s."""
    seconds = int(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    if minutes:
        return f"{minutes} min"
    return f"{secs} s"


def discord_ts(when: datetime | str | None, style: str = "R") -> str:
    """A Discord timestamp (`<t:UNIX:R>` relative, `f` full date), shown in each reader's time zone."""
    when = _as_time(when)
    if when is None:
        return "—"
    return f"<t:{int(when.timestamp())}:{style}>"


def utc_short(when: datetime | None) -> str:
    """A UTC month-day and time for a table column: 03-02 14:05."""
    return when.astimezone(UTC).strftime("%m-%d %H:%M") if when else "—"


def _as_time(when: datetime | str | None) -> datetime | None:
    if when is None or when == "":
        return None
    if isinstance(when, str):
        when = datetime.fromisoformat(when.replace("Z", "+00:00"))
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def without_none(embed: Embed) -> Embed:
    """The embed without its empty (None) keys, which Discord would refuse."""
    return {k: v for k, v in embed.items() if v is not None}
