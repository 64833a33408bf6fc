"""The one logging set-up: text or JSON lines on stderr, with secrets scrubbed."""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime

# Anything that looks like a credential in a URL or header is masked before it is written.
_SECRET_PATTERNS = [
    re.compile(r"(postgres(?:ql)?://[^:/@\s]+:)[^@\s]+(@)"),
    re.compile(r"(?i)(x-rapidapi-key['\"]?\s*[:=]\s*['\"]?)[^'\"\s,}]+"),
    re.compile(r"(?i)(authorization['\"]?\s*[:=]\s*['\"]?(?:Bot\s+)?)[^'\"\s,}]+"),
]
_known_secrets: set[str] = set()


def register_secret(value: str | None) -> None:
    """Mask this exact value wherever it would appear in a log line."""
    if value and len(value) >= 6:
        _known_secrets.add(value)


def scrub(text: str) -> str:
    for secret in _known_secrets:
        text = text.replace(secret, "***")
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(r"\1***\2" if pattern.groups == 2 else r"\1***", text)
    return text


class _ScrubbingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return scrub(super().format(record))


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key in ("ref", "guild_id", "post_id", "command"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return scrub(json.dumps(entry, default=str))


_OWN = ("bot", "cogs", "db", "__main__")


class _OneLineWarnings(logging.Filter):
    """A library's warning about something it retries (asyncpg restoring its pool, discord.py reconnecting,
    aiohttp) is one line: the exception's type and first line, not its traceback. Errors keep theirs, and
    LOG_LEVEL=DEBUG keeps every traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        if (
            record.exc_info
            and record.exc_info[1] is not None
            and record.levelno < logging.ERROR
            and not record.name.startswith(_OWN)
            and logging.getLogger().getEffectiveLevel() > logging.DEBUG
        ):
            exc = record.exc_info[1]
            detail = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
            record.msg = f"{record.getMessage()} ({type(exc).__name__}{': ' + detail if detail else ''})"
            record.args = None
            record.exc_info = None
            record.exc_text = None
        return True


def setup_logging(level: str = "INFO", fmt: str = "text") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_OneLineWarnings())
    if fmt == "json":
        handler.setFormatter(_JsonFormatter())
    else:
        handler.setFormatter(_ScrubbingFormatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # discord.py's own INFO lines are useful; its DEBUG gateway dumps are not.
    logging.getLogger("discord").setLevel(max(logging.INFO, logging.getLevelName(level)))
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
