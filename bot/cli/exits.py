"""How a command ends: one `error: ...` line and a documented exit status (README, "Exit status")."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp
import asyncpg

from bot.errors import (
    ApiRejected,
    ApiUnavailable,
    CheckbackError,
    ConfigError,
    DatabaseUnavailable,
    RateLimited,
    ServiceUnreachable,
    domain_error,
)
from db.pool import DATABASE_AWAY, LOGIN_REFUSED

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_FAILED = 1  # the command failed: bad input, bad lines, a refusal; the line says why
EXIT_USAGE = 2  # bad usage (unknown command or option)
EXIT_CONFIG = 3  # the configuration is wrong: a setting, a refused token, key or database login
EXIT_UNREACHABLE = 4  # Postgres, Discord or the metrics API is unreachable or failing: try again later
EXIT_BUG = 70  # an unexpected error (a bug): one line; LOG_LEVEL=DEBUG shows its traceback
EXIT_INTERRUPTED = 130  # Ctrl-C


def as_domain(exc: BaseException) -> CheckbackError | None:
    """`exc` as the error a user is told about, or None for an unexpected one (a bug)."""
    domain = domain_error(exc)  # ours, and db/'s own errors mapped (bot.errors.DB_ERRORS)
    if domain is not None:
        return domain
    if isinstance(exc, LOGIN_REFUSED):
        return ConfigError(f"DATABASE_URL: the database refused the login ({first_line(exc)})")
    if isinstance(exc, DATABASE_AWAY) and isinstance(exc, asyncpg.PostgresError | asyncpg.InterfaceError):
        return DatabaseUnavailable(f"the connection was lost ({type(exc).__name__}: {first_line(exc)})")
    if isinstance(exc, aiohttp.ClientError | OSError | TimeoutError):
        return ServiceUnreachable(f"a connection failed ({type(exc).__name__}: {first_line(exc)})")
    return None


def exit_status(err: CheckbackError) -> int:
    if isinstance(err, ConfigError | ApiRejected):
        return EXIT_CONFIG
    if isinstance(err, DatabaseUnavailable | ServiceUnreachable | ApiUnavailable | RateLimited):
        return EXIT_UNREACHABLE
    return EXIT_FAILED


def quiet_task_errors(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """The event loop's handler: a background task's failure is one log line (traceback at DEBUG only),
    never "Task exception was never retrieved" with a traceback on the operator's terminal."""
    exc = context.get("exception")
    what = context.get("message", "background task failed")
    if exc is None:
        log.warning("%s", what)
        return
    log.warning("%s: %s: %s", what, type(exc).__name__, first_line(exc))
    log.debug("the background failure's traceback", exc_info=exc)


def first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:200] if text else "no detail"
