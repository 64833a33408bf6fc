"""Session-level advisory locks: held while the connection lives, freed by Postgres when it drops."""

from __future__ import annotations

from typing import Any


async def try_lock(conn: Any, key: int) -> bool:
    """Take the lock `key` for this connection's session if nobody holds it."""
    return bool(await conn.fetchval("SELECT pg_try_advisory_lock($1)", key))
