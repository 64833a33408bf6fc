"""Whole databases on a server: create and drop the scratch ones that tests, benchmarks and the sandbox use."""

from __future__ import annotations

import os
import uuid
from urllib.parse import urlsplit

from db.pool import connect, embedded_dsn, with_database


def server_dsn() -> str:
    """The server to put scratch databases on: DATABASE_URL's, else the embedded Postgres."""
    url = os.environ.get("DATABASE_URL", "").strip()
    return url if url else embedded_dsn(os.environ.get("DATA_DIR", "./data"))


def database_name(dsn: str) -> str:
    return urlsplit(dsn).path.lstrip("/")


async def create_database(prefix: str, server: str | None = None) -> str:
    """A new empty database named `prefix_<random>` on the server; returns its DSN."""
    server = server or server_dsn()
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    await recreate_database(server, name)
    return with_database(server, name)


async def recreate_database(server: str, name: str) -> str:
    """Drop (if present) and create the database `name` on the server; returns its DSN."""
    conn = await connect(server)
    try:
        # Identifiers cannot be parameters; names here are ours (a fixed prefix and hex, or a CLI flag
        # checked by the caller), and quoting keeps them one identifier.
        quoted = '"' + name.replace('"', '""') + '"'
        await conn.execute(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")
        await conn.execute(f"CREATE DATABASE {quoted}")
    finally:
        await conn.close()
    return with_database(server, name)


async def drop_database(dsn: str) -> None:
    conn = await connect(with_database(dsn, "postgres"))
    try:
        quoted = '"' + database_name(dsn).replace('"', '""') + '"'
        await conn.execute(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")
    finally:
        await conn.close()
