"""Connection pools: the asyncpg pool (UTC, jsonb codec) and the embedded Postgres fallback."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from db.errors import DatabaseRefused, DatabaseUnavailable

log = logging.getLogger(__name__)

_embedded: Any = None


def embedded_dsn(data_dir: str | Path = "./data", database: str = "postgres") -> str:
    """Start (once) or reuse the embedded Postgres under `data_dir/postgres`; return its DSN.

    The server keeps running after this process exits so the next command reuses it at once.
    """
    global _embedded
    if _embedded is None:
        import warnings

        # pgserver narrates every step at INFO and warns about XDG_RUNTIME_DIR; neither helps a user.
        logging.getLogger("pgserver").setLevel(logging.WARNING)
        warnings.filterwarnings("ignore", module="platformdirs")
        import pgserver  # imported here: it is only needed when DATABASE_URL is unset

        pgdata = Path(data_dir, "postgres").resolve()
        pgdata.mkdir(parents=True, exist_ok=True)
        log.info("starting embedded Postgres under %s", pgdata)
        _embedded = pgserver.get_server(pgdata, cleanup_mode=None)
    return str(_embedded.get_uri(database))


def release_embedded(*, stop_if_unused: bool) -> bool:
    """Let go of the embedded Postgres this process started or reused; with `stop_if_unused`, stop it when
    no other live process still uses it (pgserver keeps the pids of its users in the data directory; the
    pids of processes that died without saying so are dropped first). True when it was stopped."""
    global _embedded
    server, _embedded = _embedded, None
    if server is None:
        return False
    import atexit
    import os

    import psutil

    with server._lock:
        users = server.global_process_id_list.get()
        live = [pid for pid in users if pid == os.getpid() or _alive(psutil, pid)]
        if live != users:
            server.global_process_id_list.put(live)
    server.cleanup_mode = "stop" if stop_if_unused else None
    atexit.unregister(server._cleanup)
    server._cleanup()
    stopped = live == [os.getpid()] and stop_if_unused
    if stopped:
        log.info("stopped the embedded Postgres under %s (no other process used it)", server.pgdata)
    return stopped


def _alive(psutil: Any, pid: int) -> bool:
    try:
        return bool(psutil.Process(pid).status() != psutil.STATUS_ZOMBIE)
    except psutil.Error:
        return False


def resolve_dsn(settings: Any) -> str:
    """The DSN of DATABASE_URL, or of the embedded Postgres when it is unset."""
    if settings.database_url is not None:
        return str(settings.database_url.get_secret_value())
    return embedded_dsn(settings.data_dir)


def with_database(dsn: str, database: str) -> str:
    """The same server as `dsn`, another database."""
    parts = urlsplit(dsn)
    return urlunsplit((parts.scheme, parts.netloc, "/" + database, parts.query, parts.fragment))


def redact(dsn: str) -> str:
    """A DSN fit for logs and error lines: no password."""
    parts = urlsplit(dsn)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, host = netloc.rsplit("@", 1)
        user = userinfo.split(":", 1)[0]
        netloc = f"{user}@{host}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))


# Every session of ours: UTC, and no JIT. Our statements are short lookups (a claim, a page of posts, a
# ranking read from roll-ups) whose cost estimates on a large database pass jit_above_cost, and compiling
# them took longer than running them (20 of 27 ms of /top at 10,000,000 snapshots, bench/interactions.py).
SESSION_SETTINGS = {"timezone": "UTC", "jit": "off"}


async def init_connection(conn: asyncpg.Connection) -> None:
    """Every connection: json and jsonb as Python objects."""
    for typename in ("jsonb", "json"):
        await conn.set_type_codec(
            typename, encoder=json.dumps, decoder=json.loads, schema="pg_catalog", format="text"
        )


async def connect(dsn: str, **kwargs: Any) -> asyncpg.Connection:
    """One connection with the pool's session settings (UTC, json codecs); server_settings add to them."""
    settings = {**SESSION_SETTINGS, **kwargs.pop("server_settings", {})}
    try:
        conn = await asyncpg.connect(dsn, server_settings=settings, **kwargs)
    except LOGIN_REFUSED as exc:  # a configuration error, not an outage
        raise DatabaseRefused(f"DATABASE_URL: the database refused the login ({_reason(exc)})") from exc
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        raise DatabaseUnavailable(f"cannot connect to {redact(dsn)}: {_reason(exc)}") from exc
    await init_connection(conn)
    return conn


async def create_pool(dsn: str, *, min_size: int = 1, max_size: int = 10, **kwargs: Any) -> asyncpg.Pool:
    """The process's pool: UTC sessions, json codecs; a connection failure is DatabaseUnavailable."""
    settings = {**SESSION_SETTINGS, **kwargs.pop("server_settings", {})}
    try:
        pool = await asyncpg.create_pool(
            dsn,
            min_size=min_size,
            max_size=max_size,
            init=init_connection,
            server_settings=settings,
            **kwargs,
        )
    except LOGIN_REFUSED as exc:
        raise DatabaseRefused(f"DATABASE_URL: the database refused the login ({_reason(exc)})") from exc
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        raise DatabaseUnavailable(f"cannot connect to {redact(dsn)}: {_reason(exc)}") from exc
    assert pool is not None
    return pool


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]


# The server refusing who we are (SQLSTATE 28000, 28P01; 3D000 no such database): the settings are wrong,
# trying again will not help.
LOGIN_REFUSED: tuple[type[BaseException], ...] = (
    asyncpg.InvalidAuthorizationSpecificationError,
    asyncpg.InvalidPasswordError,
    asyncpg.InvalidCatalogNameError,
)

# What a lost or refused connection raises (not a statement's fault): callers wait or stop, they do not
# blame the row. SQLSTATE class 08 is PostgresConnectionError; 57P01-57P03 are the shutdown errors.
DATABASE_AWAY: tuple[type[BaseException], ...] = (
    ConnectionError,
    OSError,
    TimeoutError,
    asyncpg.InterfaceError,
    asyncpg.CannotConnectNowError,
    asyncpg.ConnectionDoesNotExistError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.PostgresConnectionError,
    asyncpg.TooManyConnectionsError,  # 53300: the server is full for now; no fault of a statement
    # A connection the server dropped mid-statement is reset on its way back to the pool, and that reset
    # finds the lost statement still "in progress" ("cannot switch to state ..."): the outage again.
    asyncpg.InternalClientError,
    DatabaseUnavailable,
)
