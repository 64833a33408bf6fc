"""The migration runner: applies migrations/NNNN_name.sql in order, once each, under an advisory lock."""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from db.errors import MigrationError
from db.pool import connect

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
# One key for every Checkback database; two runners on one database wait for each other.
LOCK_KEY = 0x43484B42  # "CHKB"
_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
# Applied migrations are never edited, with two documented exceptions. A file that failed on an original
# database (the system Checkback grows from) was corrected in place, since a later file cannot run before
# it; a later migration brings databases that applied its earlier text to the same end state (see the
# file's header). And since issue 13, a few files no longer make what a later file replaces before
# anything uses it: every database ends with the later file's definition either way
# (tests/upgrade/test_earlier_texts.py). Databases that applied an earlier text have that text's checksum
# recorded; it is accepted here.
EARLIER_CHECKSUMS: dict[str, frozenset[str]] = {
    "0002": frozenset(
        {
            # Before issue 14: views in Checkback's column order, two index names and the schedule
            # setting's shape differed from the original's (0010 corrects databases that ran it).
            "34c9057939b5c3bfbee8ed4830a15310e7f8e07e0e64b94581406768bb213eff",
            # Before issue 13: it also made two views (0010's) and two functions (0012's).
            "b9b9a4ea8e9f445d960f623b82909ce3193e8554ec9fd46e7fe280be818bb589",
        }
    ),
    # Before issue 13: it also made the six-argument try_record_action (0020 drops it).
    "0003": frozenset({"900744986a05d641c2c7abd5cdf4dbda17c143a0bd45aa846264de2e01ae5af3"}),
    # Before issue 13: it also made the span functions and the trigger (0092's) and the straddle index (0090's).
    "0030": frozenset({"00dd00f9ffc3fe58f366503bfcd76535817e5c22938f2a58bbcb7fcaca4b78b9"}),
    "0090": frozenset(
        {
            # Before issue 13: the trigger was 0030's.
            "61a3b52af0888b95d78c5df1b37448ab285abed0721217e5621232fa2346ee37",
            # In issue 13, before 0092: it made the span functions and the trigger itself.
            "d7bf0bdd84d5bc083854f41f0fbd8925560141b50831102c568af3f890273af7",
        }
    ),
}


@dataclass(frozen=True)
class Migration:
    version: str
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def load_migrations(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """The migration files in version order; a misnamed or duplicated version is an error."""
    found: dict[str, Migration] = {}
    for path in sorted(directory.glob("*.sql")):
        match = _NAME.match(path.name)
        if not match:
            raise MigrationError(f"{path.name} is not named NNNN_name.sql")
        version = match.group(1)
        if version in found:
            raise MigrationError(
                f"two migrations share version {version}: {found[version].name}, {path.name}"
            )
        found[version] = Migration(version, path.name, path.read_text(encoding="utf-8"))
    return [found[v] for v in sorted(found)]


async def migrate(dsn: str, directory: Path = MIGRATIONS_DIR) -> list[str]:
    """Apply pending migrations; return the names applied (empty when up to date)."""
    migrations = load_migrations(directory)
    conn = await connect(dsn)
    try:
        await conn.execute("SELECT pg_advisory_lock($1)", LOCK_KEY)
        try:
            return await _apply_pending(conn, migrations)
        finally:
            await conn.execute("SELECT pg_advisory_unlock($1)", LOCK_KEY)
    finally:
        await conn.close()


async def _apply_pending(conn: asyncpg.Connection, migrations: list[Migration]) -> list[str]:
    await conn.execute(
        """
        CREATE TABLE IF NOT EXISTS schema_migrations (
            version    TEXT PRIMARY KEY,
            name       TEXT NOT NULL,
            checksum   TEXT NOT NULL,
            applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
        )
        """
    )
    applied = {
        r["version"]: r for r in await conn.fetch("SELECT version, name, checksum FROM schema_migrations")
    }
    on_disk = {m.version for m in migrations}
    for version, row in applied.items():
        if version not in on_disk:
            raise MigrationError(
                f"{row['name']} is recorded as applied but its file is missing from {MIGRATIONS_DIR.name}/"
            )
    for m in migrations:
        row = applied.get(m.version)
        accepted = {m.checksum} | EARLIER_CHECKSUMS.get(m.version, frozenset())
        if row is not None and row["checksum"] not in accepted:
            raise MigrationError(
                f"{m.name} was edited after it was applied (checksum differs); "
                "restore the applied text and put the change in a new migration"
            )

    done: list[str] = []
    for m in migrations:
        if m.version in applied:
            continue
        log.info("applying migration %s", m.name)
        try:
            async with conn.transaction():
                await conn.execute(m.sql)
                await conn.execute(
                    "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                    m.version,
                    m.name,
                    m.checksum,
                )
        except asyncpg.PostgresError as exc:
            raise MigrationError(f"{m.name} failed and was rolled back: {exc}") from exc
        done.append(m.name)
    return done


async def applied_versions(conn: asyncpg.Connection) -> list[str]:
    """Names of the applied migrations, oldest first."""
    rows = await conn.fetch("SELECT name FROM schema_migrations ORDER BY version")
    return [r["name"] for r in rows]
