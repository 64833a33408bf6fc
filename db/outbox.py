"""SQL about the notification outbox: rows written beside what they report, claimed and marked by the
dispatcher."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypedDict, Unpack

from db.rows import insert_new, record_of


@dataclass(frozen=True, slots=True)
class OutboxRow:
    id: int
    kind: str
    guild_id: int | None
    channel_id: int | None
    post_id: int | None
    payload: dict[str, Any]
    dedupe_key: str | None
    created_at: datetime
    attempts: int
    # The nonce of the message this row was last sent in (None: never sent); see stamp_nonces.
    send_nonce: str | None = None
    # Files travel with the row (outbox_files: a digest's chart); the dispatcher reads them at the send.
    has_files: bool = False


def _row(r: Any) -> OutboxRow:
    return record_of(OutboxRow, r, payload=dict(r["payload"] or {}))


def guild_key(guild_id: int | None) -> str:
    """The guild's part of a dedupe key: "cli" for what was tracked or watched from the CLI."""
    return "cli" if guild_id is None else str(guild_id)


class RowLinks(TypedDict, total=False):
    """What an outbox row points at, each optional: its guild (None: the CLI's), a channel that overrides
    the guild's routes, and the post it is about."""

    guild_id: int | None
    channel_id: int | None
    post_id: int | None


async def enqueue(
    conn: Any,
    *,
    kind: str,
    dedupe_key: str,
    payload: dict[str, Any],
    now: datetime,
    **links: Unpack[RowLinks],
) -> int | None:
    """Writes one notification: the new row's id, None when a row with that dedupe_key exists (a repeated
    write)."""
    row = {
        "kind": kind,
        "guild_id": links.get("guild_id"),
        "channel_id": links.get("channel_id"),
        "post_id": links.get("post_id"),
        "payload": payload,
        "dedupe_key": dedupe_key,
        "created_at": now,
        "available_at": now,
    }
    return await insert_new(conn, "notification_outbox", "dedupe_key", row, returning="id")


async def attach_files(conn: Any, outbox_id: int, files: Sequence[tuple[str, bytes]]) -> None:
    """Attaches `files` (name, bytes) to the row `outbox_id`, in the transaction that wrote it."""
    await conn.executemany(
        "INSERT INTO outbox_files (outbox_id, filename, content) VALUES ($1, $2, $3)",
        [(outbox_id, name, data) for name, data in files],
    )


async def files_of(conn: Any, ids: Sequence[int]) -> dict[int, list[tuple[str, bytes]]]:
    """The files of each row (name, bytes), by row id; rows without files are absent."""
    found: dict[int, list[tuple[str, bytes]]] = {}
    rows = await conn.fetch(
        "SELECT outbox_id, filename, content FROM outbox_files WHERE outbox_id = ANY($1::bigint[])"
        " ORDER BY outbox_id, filename",
        list(ids),
    )
    for r in rows:
        found.setdefault(r["outbox_id"], []).append((r["filename"], bytes(r["content"])))
    return found


async def claim_pending(conn: Any, now: datetime, limit: int, lease: timedelta) -> list[OutboxRow]:
    """Claims up to `limit` unsent rows that are available, oldest first, for `lease` (SKIP LOCKED: two
    dispatchers never hold one row; a crashed one's lease expires and the rows are claimed again)."""
    rows = await conn.fetch(
        """
        WITH c AS (
            SELECT id FROM notification_outbox
             WHERE sent_at IS NULL AND available_at <= $1
               AND (claimed_until IS NULL OR claimed_until <= $1)
             ORDER BY available_at, id
             LIMIT $2
             FOR UPDATE SKIP LOCKED
        )
        UPDATE notification_outbox o
           SET claimed_until = $1 + $3::interval, attempts = o.attempts + 1
          FROM c
         WHERE o.id = c.id
        RETURNING o.id, o.kind, o.guild_id, o.channel_id, o.post_id, o.payload, o.dedupe_key,
                  o.created_at, o.attempts, o.send_nonce,
                  EXISTS (SELECT 1 FROM outbox_files f WHERE f.outbox_id = o.id) AS has_files
        """,
        now,
        limit,
        lease,
    )
    # Oldest first; rows written at one instant (the sandbox's held clock) by post, so their order does not
    # depend on which concurrent check finished first.
    return sorted((_row(r) for r in rows), key=lambda r: (r.created_at, r.post_id or 0, r.id))


async def stamp_nonces(conn: Any, ids: Sequence[int], nonces: Sequence[str]) -> int:
    """Writes the nonce each row is about to be sent with (ids[i] gets nonces[i]); a row keeps the nonce
    of its first send for good, so every later send of it repeats that nonce."""
    status = await conn.execute(
        """
        UPDATE notification_outbox o
           SET send_nonce = v.nonce
          FROM unnest($1::bigint[], $2::text[]) AS v(id, nonce)
         WHERE o.id = v.id AND o.sent_at IS NULL AND o.send_nonce IS NULL
        """,
        list(ids),
        list(nonces),
    )
    return int(status.split()[-1])


async def clear_nonces(conn: Any, ids: Sequence[int]) -> int:
    """Forgets the nonce of unsent rows whose send Discord refused (no message was created)."""
    status = await conn.execute(
        "UPDATE notification_outbox SET send_nonce = NULL WHERE id = ANY($1::bigint[]) AND sent_at IS NULL",
        list(ids),
    )
    return int(status.split()[-1])


async def mark_sent(conn: Any, ids: Sequence[int], message_id: int | None, now: datetime) -> int:
    """Marks rows sent with the Discord message that carried them (None: dropped, see last_error)."""
    status = await conn.execute(
        """
        UPDATE notification_outbox
           SET sent_at = $2, discord_message_id = $3, claimed_until = NULL
         WHERE id = ANY($1::bigint[]) AND sent_at IS NULL
        """,
        list(ids),
        now,
        message_id,
    )
    return int(status.split()[-1])


async def drop(conn: Any, ids: Sequence[int], reason: str, now: datetime) -> int:
    """Gives rows up (no channel to send them to): sent_at set, no message, the reason kept."""
    status = await conn.execute(
        """
        UPDATE notification_outbox
           SET sent_at = $2, claimed_until = NULL, last_error = $3
         WHERE id = ANY($1::bigint[]) AND sent_at IS NULL
        """,
        list(ids),
        now,
        reason[:1000],
    )
    return int(status.split()[-1])


async def release(conn: Any, ids: Sequence[int], retry_at: datetime, error: str) -> int:
    """Puts rows back for a later try (a transient failure, or a channel marked broken)."""
    status = await conn.execute(
        """
        UPDATE notification_outbox
           SET claimed_until = NULL, available_at = $2, last_error = $3
         WHERE id = ANY($1::bigint[]) AND sent_at IS NULL
        """,
        list(ids),
        retry_at,
        error[:1000],
    )
    return int(status.split()[-1])


async def next_available_at(conn: Any) -> datetime | None:
    """When the next unsent row can be claimed (its available_at, or its lease's end if later)."""
    return await conn.fetchval(
        "SELECT min(greatest(available_at, coalesce(claimed_until, available_at)))"
        " FROM notification_outbox WHERE sent_at IS NULL"
    )


async def count_pending(conn: Any) -> int:
    return int(await conn.fetchval("SELECT count(*) FROM notification_outbox WHERE sent_at IS NULL"))
