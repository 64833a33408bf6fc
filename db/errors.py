"""The database layer's own failures. db/ knows nothing of the domain above it: bot/errors.py maps each of
these to the domain error whose reply a user sees (`bot.errors.domain_error`)."""

from __future__ import annotations


class DatabaseError(Exception):
    """Base of the failures db/ raises itself (asyncpg's own errors pass through as they are)."""

    def __init__(self, detail: str = "") -> None:
        self.detail = detail
        super().__init__(detail or type(self).__name__)


class DatabaseUnavailable(DatabaseError):
    """Postgres cannot be reached right now (a connection or a pool could not be opened)."""


class DatabaseRefused(DatabaseError):
    """The server refused the login, or has no such database: the settings are wrong, retrying won't help."""


class MigrationError(DatabaseError):
    """The migration history disagrees with the files on disk, or a migration failed."""
