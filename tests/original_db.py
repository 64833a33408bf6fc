"""An original database (the system Checkback grows from), built from tests/fixtures/original/*.sql in one
of the shapes a team may have: v2 only, v2 plus the automation migration, and that with its data."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import asyncpg

from db.migrate import MIGRATIONS_DIR
from db.pool import connect
from db.schedule_codec import schedule_from_json

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "original"
Shape = Literal["empty", "v2", "automation", "data"]
# What each shape runs, in order.
_FILES: dict[str, tuple[str, ...]] = {
    "empty": (),
    "v2": ("v2_schema.sql",),
    "automation": ("v2_schema.sql", "automation_migration.sql"),
    "data": ("v2_schema.sql", "automation_migration.sql", "scheduler_data.sql"),
}
# The tracked post of the "data" shape: 5 of its 9 checks done, the 6th (72 h) due.
HALF_DONE_POST = 1
HALF_DONE_VIDEO = "7300000000000000001"
ORIGINAL_USERNAME = "orig_maker"


async def build_original(dsn: str, shape: Shape) -> None:
    """Runs the original's SQL of `shape` on the (empty) database at `dsn`."""
    conn = await connect(dsn)
    try:
        for name in _FILES[shape]:
            await conn.execute((FIXTURES / name).read_text(encoding="utf-8"))
    finally:
        await conn.close()


def apply_unified_diff(text: str, diff: str) -> str:
    """`text` with the hunks of a unified diff (`diff -u`, made from it) applied; each hunk's context and
    removed lines must stand where the hunk says, or ValueError."""
    lines = text.splitlines(keepends=True)
    out: list[str] = []
    at = 0  # the next line of `lines` not yet copied
    for hunk in re.split(r"^(?=@@ )", diff, flags=re.MULTILINE)[1:]:
        header, *body = hunk.splitlines(keepends=True)
        start = int(re.match(r"@@ -(\d+)", header).group(1)) - 1  # type: ignore[union-attr]
        out += lines[at:start]
        at = start
        for row in body:
            if row.startswith("\\"):  # "\ No newline at end of file"
                continue
            if row[0] in " -":
                if lines[at] != row[1:]:
                    raise ValueError(f"the diff does not apply at line {at + 1}: {row[1:]!r}")
                at += 1
            if row[0] in " +":
                out.append(row[1:])
    return "".join(out + lines[at:])


def earlier_migration(name: str, release: str = "first_released") -> str:
    """The text a migration had in an earlier release (for the few edited after release, whose earlier
    checksums db/migrate.py accepts): the current file with tests/fixtures/<name>_as_<release>.diff
    applied."""
    current = next(MIGRATIONS_DIR.glob(f"{name}_*.sql")).read_text(encoding="utf-8")
    diff = (FIXTURES.parent / f"{name}_as_{release}.diff").read_text(encoding="utf-8")
    return apply_unified_diff(current, diff)


# What a schema is made of, each read from the catalog as Postgres prints it back (so two databases that
# reached one schema by different routes compare equal); ordered by name, never by creation order.
_CATALOG: dict[str, str] = {
    "columns": """
        SELECT c.relname, c.relkind::text, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
               pg_get_expr(d.adbin, d.adrelid)
          FROM pg_attribute a
          JOIN pg_class c ON c.oid = a.attrelid
          LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
         WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'v', 'm')
           AND a.attnum > 0 AND NOT a.attisdropped
         ORDER BY c.relname, a.attnum""",
    "constraints": """
        SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint
         WHERE connamespace = 'public'::regnamespace ORDER BY 1, 2""",
    "indexes": "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1",
    "views": """
        SELECT relname, pg_get_viewdef(oid) FROM pg_class
         WHERE relnamespace = 'public'::regnamespace AND relkind IN ('v', 'm') ORDER BY 1""",
    "functions": """
        SELECT oid::regprocedure::text, pg_get_functiondef(oid) FROM pg_proc
         WHERE pronamespace = 'public'::regnamespace AND prokind IN ('f', 'p') ORDER BY 1""",
    "triggers": """
        SELECT tgrelid::regclass::text, tgname, pg_get_triggerdef(oid) FROM pg_trigger
         WHERE NOT tgisinternal ORDER BY 1, 2""",
}


async def schema_catalog(dsn: str) -> dict[str, list[tuple[Any, ...]]]:
    """The public schema of the database at `dsn`: its columns (with types, defaults, NOT NULL),
    constraints, indexes, views, functions and triggers."""
    conn = await connect(dsn)
    try:
        return {part: [tuple(r) for r in await conn.fetch(sql)] for part, sql in _CATALOG.items()}
    finally:
        await conn.close()


async def fetch_row(dsn: str, sql: str, *args: Any) -> asyncpg.Record | None:
    """One row of `sql` on its own connection (a test reading what a subprocess or the bot wrote)."""
    conn = await connect(dsn)
    try:
        return await conn.fetchrow(sql, *args)
    finally:
        await conn.close()


async def fetch_value(dsn: str, sql: str, *args: Any) -> Any:
    row = await fetch_row(dsn, sql, *args)
    return None if row is None else row[0]


async def rate_limits(dsn: str) -> dict[str, Any]:
    """The caps where the original reads them: system_settings' automation_rate_limits."""
    return await fetch_value(  # type: ignore[no-any-return]
        dsn, "SELECT setting_value FROM system_settings WHERE setting_key = 'automation_rate_limits'"
    )


async def half_done_post(dsn: str) -> tuple[datetime, list[datetime]]:
    """HALF_DONE_POST's publish time and check-back schedule (as stored after the upgrade)."""
    row = await fetch_row(
        dsn, "SELECT posted_at, check_schedule FROM social_media_posts WHERE id = $1", HALF_DONE_POST
    )
    assert row is not None
    return row["posted_at"], schedule_from_json(row["check_schedule"])
