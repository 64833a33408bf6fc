"""An original database (the system Checkback grows from), built from tests/fixtures/original/*.sql in one
of the shapes a team may have: v2 only, v2 plus the automation migration, and that with its data."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from db.pool import connect

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
