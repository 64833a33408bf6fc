"""Importing direct messages from a JSON Lines export (docs/import-messages.md), streamed.

The file is read a batch of lines at a time, so memory stays flat whatever its size. Every line is checked
before it is written; a bad one is reported by its number and reason through `on_bad` (never kept in
memory) and the good ones are loaded all the same. Importing the same file again loads nothing new.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, BinaryIO, Literal
from urllib.parse import urlsplit

import asyncpg
from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from bot.clock import Clocked
from db import accounts as db_accounts
from db import conversations as db_conv
from db.accounts import normalise_username

# The documented bounds (docs/import-messages.md).
MAX_LINE_BYTES = 1 << 20  # 1 MiB: a longer line is reported, and skipped without being held in memory
MAX_TEXT = 10_000  # characters of a message's text
MAX_URL = 2_048  # characters of a media_url
MAX_DEPTH = 32  # JSON nesting of a line (a message needs 2)
FUTURE_TOLERANCE = timedelta(minutes=5)  # clock skew allowed for sent_at
# Lines per transaction: large enough to be quick, small enough not to hold locks long.
IMPORT_BATCH = 500

MessageType = Literal["text", "image", "video", "sticker", "gif", "voice"]


def _unix_seconds(value: Any) -> Any:
    """Numbers (and digit strings) are unix seconds, always; pydantic alone would read big ones as ms."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value.strip())
    if isinstance(value, int | float):
        try:
            return datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError) as exc:
            raise ValueError(f"{value} is not a usable unix time in seconds") from exc
    return value


def _handle(value: Any) -> Any:
    if isinstance(value, str):
        name = normalise_username(value)
        if not name:
            raise ValueError("must not be empty")
        return name
    return value


SentAt = Annotated[AwareDatetime, BeforeValidator(_unix_seconds)]
# 255: the width of the username and id columns.
Handle = Annotated[str, BeforeValidator(_handle), StringConstraints(max_length=255)]
ExternalId = Annotated[
    str,
    BeforeValidator(lambda v: str(v) if isinstance(v, int) and not isinstance(v, bool) else v),
    StringConstraints(max_length=255),
]


class ImportedMessage(BaseModel):
    """One line of an import file. Unknown fields are ignored.

    Validated with a context {"now": datetime} to refuse times in the future (beyond FUTURE_TOLERANCE).
    """

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    account: Handle
    participant: Handle
    text: Annotated[str, StringConstraints(max_length=MAX_TEXT)]
    sent_at: SentAt
    direction: Literal["in", "out"]
    external_id: ExternalId
    message_type: MessageType = "text"
    participant_display_name: Annotated[str, StringConstraints(max_length=255)] | None = None
    media_url: Annotated[str, StringConstraints(max_length=MAX_URL)] | None = None

    @field_validator("account", "participant", "text", "external_id", "participant_display_name", "media_url")
    @classmethod
    def _storable(cls, value: str | None) -> str | None:
        # Postgres text cannot hold NUL: refused here, not by the database (pydantic already refuses
        # half a surrogate pair).
        if value is not None and "\x00" in value:
            raise ValueError("contains a NUL character")
        return value

    @field_validator("media_url")
    @classmethod
    def _web_link(cls, value: str | None) -> str | None:
        if not value:
            return None
        parts = urlsplit(value)
        if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
            raise ValueError("must be an http(s) link")
        return value

    @field_validator("sent_at")
    @classmethod
    def _not_in_future(cls, value: datetime, info: ValidationInfo) -> datetime:
        now = (info.context or {}).get("now")
        if now is not None and value > now + FUTURE_TOLERANCE:
            raise ValueError(f"is in the future ({value.astimezone(UTC):%Y-%m-%d %H:%M} UTC)")
        return value

    @model_validator(mode="after")
    def _has_content(self) -> ImportedMessage:
        if not self.external_id:
            raise ValueError("external_id must not be empty")
        if self.message_type == "text" and not self.text:
            raise ValueError("a text message needs text")
        return self


_JSON_TOKEN = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def _too_deep(line: bytes) -> bool:
    """True when the line nests JSON deeper than MAX_DEPTH (counted outside strings), cheaply."""
    if line.count(b"{") + line.count(b"[") <= MAX_DEPTH:
        return False
    depth = 0
    for token in _JSON_TOKEN.finditer(line):
        char = token.group()
        if char in (b"{", b"["):
            depth += 1
            if depth > MAX_DEPTH:
                return True
        elif char in (b"}", b"]"):
            depth -= 1
    return False


def parse_import_line(
    number: int, line: str | bytes, *, now: datetime | None = None
) -> ImportedMessage | str:
    """The line as a message, or the one-line reason it is bad ('line 7: sent_at: ...')."""
    raw = line.encode("utf-8", "surrogatepass") if isinstance(line, str) else line
    if _too_deep(raw):
        return f"line {number}: JSON nested deeper than {MAX_DEPTH} levels"
    try:
        data = json.loads(raw)
    except UnicodeDecodeError as exc:
        return f"line {number}: not UTF-8 text (byte {exc.start + 1})"
    except json.JSONDecodeError as exc:
        return f"line {number}: not valid JSON ({exc.msg} at column {exc.colno})"
    except RecursionError:
        return f"line {number}: JSON nested deeper than {MAX_DEPTH} levels"
    if not isinstance(data, dict):
        return f"line {number}: expected a JSON object, got {type(data).__name__}"
    try:
        return ImportedMessage.model_validate(data, context={"now": now})
    except ValidationError as exc:
        reasons = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"])
            msg = err["msg"].removeprefix("Value error, ")
            reasons.append(f"{where}: {msg}" if where else msg)
        return f"line {number}: " + "; ".join(reasons)


@dataclass(slots=True)
class ImportReport:
    lines: int = 0  # lines read, blank ones included
    bytes_read: int = 0
    loaded: int = 0
    duplicates: int = 0
    bad: int = 0
    conversations_created: int = 0
    accounts_created: int = 0

    @property
    def ok(self) -> bool:
        return self.bad == 0

    def summary(self) -> str:
        return (
            f"loaded {self.loaded} messages ({self.conversations_created} new conversations, "
            f"{self.accounts_created} new accounts), {self.duplicates} duplicates skipped, "
            f"{self.bad} bad lines"
        )


def read_lines(stream: BinaryIO) -> Iterator[tuple[int, bytes | None, int]]:
    """(number, line, bytes consumed) for each line; the line is None when longer than MAX_LINE_BYTES
    (the rest of it is read and dropped a chunk at a time)."""
    number = 0
    while True:
        chunk = stream.readline(MAX_LINE_BYTES + 1)
        if not chunk:
            return
        number += 1
        size = len(chunk)
        if len(chunk) > MAX_LINE_BYTES and not chunk.endswith(b"\n"):
            while chunk and not chunk.endswith(b"\n"):
                chunk = stream.readline(MAX_LINE_BYTES)
                size += len(chunk)
            yield number, None, size
            continue
        yield number, chunk, size


def _take(lines: Iterator[tuple[int, bytes | None, int]], count: int) -> list[tuple[int, bytes | None, int]]:
    batch = []
    for item in lines:
        batch.append(item)
        if len(batch) >= count:
            break
    return batch


class MessageImporter(Clocked):
    """Loads an export into the conversations: every good line (idempotent on external_id), none of a bad
    one; `on_bad(reason)` hears of each bad line, `on_progress(report)` after each batch."""

    async def run(
        self,
        stream: BinaryIO,
        *,
        on_bad: Callable[[str], None],
        on_progress: Callable[[ImportReport], None] | None = None,
    ) -> ImportReport:
        report = ImportReport()
        lines = read_lines(stream)
        account_ids: dict[str, int] = {}
        async with self._pool.acquire() as conn:
            while batch := await asyncio.to_thread(_take, lines, IMPORT_BATCH):
                now = self._clock.now()
                good: list[tuple[int, ImportedMessage]] = []
                for number, line, size in batch:
                    report.lines, report.bytes_read = number, report.bytes_read + size
                    if line is None:
                        report.bad += 1
                        on_bad(f"line {number}: longer than {MAX_LINE_BYTES} bytes")
                    elif line.strip():
                        parsed = parse_import_line(number, line, now=now)
                        if isinstance(parsed, str):
                            report.bad += 1
                            on_bad(parsed)
                        else:
                            good.append((number, parsed))
                await self._load(conn, good, report, account_ids, on_bad)
                if on_progress is not None:
                    on_progress(report)
        return report

    async def _load(
        self,
        conn: asyncpg.Connection,
        good: list[tuple[int, ImportedMessage]],
        report: ImportReport,
        account_ids: dict[str, int],
        on_bad: Callable[[str], None],
    ) -> None:
        """One batch in three statements; if the database refuses a row, line by line to name it."""
        for _, msg in good:
            if msg.account not in account_ids:
                existed = await db_accounts.get_account_by_username(conn, msg.account)
                acc = existed or await db_accounts.get_or_create_account(conn, msg.account)
                report.accounts_created += existed is None
                account_ids[msg.account] = acc.id
        rows = [(number, _row(msg, account_ids[msg.account])) for number, msg in good]
        try:
            outcome = await db_conv.record_messages(conn, [row for _, row in rows])
        except _REFUSALS:
            outcome = db_conv.BatchOutcome(0, 0, 0)
            for number, row in rows:
                try:
                    one = await db_conv.record_messages(conn, [row])
                except _REFUSALS as exc:
                    report.bad += 1
                    on_bad(f"line {number}: refused by the database ({type(exc).__name__}: {str(exc)[:120]})")
                    continue
                outcome = db_conv.BatchOutcome(
                    outcome.loaded + one.loaded,
                    outcome.duplicates + one.duplicates,
                    outcome.conversations_created + one.conversations_created,
                )
        report.loaded += outcome.loaded
        report.duplicates += outcome.duplicates
        report.conversations_created += outcome.conversations_created


# What the database may say of one row's values; anything else (a lost connection) ends the import.
_REFUSALS = (asyncpg.DataError, asyncpg.IntegrityConstraintViolationError)


def _row(msg: ImportedMessage, account_id: int) -> db_conv.NewMessage:
    outgoing = msg.direction == "out"
    return db_conv.NewMessage(
        account_id=account_id,
        participant_username=msg.participant,
        participant_display_name=msg.participant_display_name,
        is_outgoing=outgoing,
        sent_at=msg.sent_at.astimezone(UTC),
        text=msg.text,
        message_type=msg.message_type,
        external_message_id=msg.external_id,
        media_url=msg.media_url,
        sender_username=msg.account if outgoing else msg.participant,
    )
