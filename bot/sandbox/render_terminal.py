"""Discord messages as terminal text for the sandbox: embeds as titled blocks, timestamps in UTC, buttons."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

# <t:1700000000> or <t:1700000000:R>: a Discord timestamp, which each reader's app shows in their zone.
_TIMESTAMP = re.compile(r"<t:(-?\d+)(?::([tTdDfFR]))?>")
_MENTION = re.compile(r"<(@!?|@&|#)(\d+)>")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_UNDERLINE = re.compile(r"__(.+?)__")
_CODE = re.compile(r"`([^`]+)`")
_FENCE = re.compile(r"```[\w-]*\n?(.*?)\n?```", re.DOTALL)
_LINK = re.compile(r"\[([^\]]+)\]\((<?https?://[^)\s]+>?)\)")

BUTTON, SELECT = 2, 3


@dataclass(frozen=True)
class Style:
    """ANSI styling on a terminal; plain text when the output is a file or a pipe."""

    color: bool = False

    def bold(self, text: str) -> str:
        return f"\x1b[1m{text}\x1b[22m" if self.color else text

    def dim(self, text: str) -> str:
        return f"\x1b[2m{text}\x1b[22m" if self.color else text

    def bar(self, color: int | None) -> str:
        if not self.color or color is None:
            return "│"
        r, g, b = (color >> 16) & 0xFF, (color >> 8) & 0xFF, color & 0xFF
        return f"\x1b[38;2;{r};{g};{b}m┃\x1b[39m"


def utc_text(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def relative(when: datetime, now: datetime) -> str:
    """'in 5 h' / '3 d ago', the way Discord words a relative timestamp, on the sandbox clock."""
    seconds = (when - now).total_seconds()
    size = abs(seconds)
    for unit, length in (("d", 86400), ("h", 3600), ("min", 60)):
        if size >= length:
            amount = f"{size / length:.0f} {unit}"
            break
    else:
        return "just now"
    return f"in {amount}" if seconds > 0 else f"{amount} ago"


def parse_iso(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


class TerminalRenderer:
    """Turns emulator messages into lines. `now` is the sandbox clock (relative times are on it);
    `names` maps a mention's id to the name shown for it (members, roles, channels)."""

    def __init__(
        self,
        now: Callable[[], datetime],
        names: Callable[[int], str | None] = lambda _id: None,
        style: Style | None = None,
    ) -> None:
        self.now = now
        self.names = names
        self.style = style or Style()

    # --- inline markup ------------------------------------------------------------------------------
    def text(self, raw: str | None) -> str:
        """Discord markdown and markup as readable text: timestamps in UTC, mentions by name."""
        if not raw:
            return ""
        s = self.style

        def timestamp(m: re.Match[str]) -> str:
            when = datetime.fromtimestamp(int(m[1]), UTC)
            shown = utc_text(when)
            return f"{shown} ({relative(when, self.now())})" if m[2] == "R" else shown

        def mention(m: re.Match[str]) -> str:
            name = self.names(int(m[2]))
            sigil = "#" if m[1] == "#" else "@"
            return f"{sigil}{name}" if name else f"{sigil}{m[2]}"

        out = _FENCE.sub(lambda m: m[1], raw)
        out = _TIMESTAMP.sub(timestamp, out)
        out = _MENTION.sub(mention, out)
        out = _LINK.sub(lambda m: f"{m[1]} ({m[2].strip('<>')})", out)
        out = _BOLD.sub(lambda m: s.bold(m[1]), out)
        out = _UNDERLINE.sub(lambda m: m[1], out)
        return _CODE.sub(lambda m: m[1], out)

    # --- blocks -------------------------------------------------------------------------------------
    def embed(self, embed: Mapping[str, Any]) -> list[str]:
        """One embed as a block: a coloured bar, the title, the text, the fields as aligned lines."""
        s = self.style
        bar = s.bar(embed.get("color"))
        lines: list[str] = []
        author = (embed.get("author") or {}).get("name")
        if author:
            lines.append(s.dim(self.text(author)))
        title = self.text(embed.get("title"))
        if title:
            lines.append(s.bold(title))
        if embed.get("url"):
            lines.append(s.dim(embed["url"]))
        for line in self.text(embed.get("description")).splitlines():
            lines.append(line)
        fields = embed.get("fields") or []
        if fields:
            width = min(18, max(len(self.text(f.get("name"))) for f in fields))
            for f in fields:
                name = self.text(f.get("name"))
                value_lines = self.text(f.get("value")).splitlines() or [""]
                lines.append(f"{s.bold(name.ljust(width))}  {value_lines[0]}")
                lines.extend(f"{' ' * width}  {more}" for more in value_lines[1:])
        image = (embed.get("image") or {}).get("url")
        if image:
            shown = (
                f"{image.removeprefix('attachment://')}, attached below"
                if "attachment://" in image
                else image
            )
            lines.append(s.dim(f"[image: {shown}]"))
        footer = self.text((embed.get("footer") or {}).get("text"))
        when = parse_iso(embed.get("timestamp"))
        tail = " · ".join(x for x in (footer, utc_text(when) if when else "") if x)
        if tail:
            lines.append(s.dim(tail))
        return [f"  {bar} {line}" for line in lines]

    def components(self, rows: Iterable[Mapping[str, Any]], number: Callable[[str], int | None]) -> list[str]:
        """Buttons with the number to press them by (`number(custom_id)`); other components named."""
        shown: list[str] = []
        for row in rows:
            for item in row.get("components", [row]):
                kind = item.get("type")
                label = item.get("label") or (item.get("emoji") or {}).get("name") or "button"
                if kind == BUTTON and item.get("url"):
                    shown.append(f"[link] {label} ({item['url']})")
                elif kind == BUTTON:
                    n = number(item.get("custom_id", ""))
                    off = " (disabled)" if item.get("disabled") else ""
                    shown.append(f"[{n}] {label}{off}" if n is not None else f"{label}{off}")
                elif kind == SELECT:
                    shown.append(f"[menu] {item.get('placeholder') or 'a select menu'} (not pressable here)")
        if not shown:
            return []
        return ["  " + self.style.dim("buttons: ") + "  ".join(shown) + self.style.dim("  — /press N")]
