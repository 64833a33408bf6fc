"""Migrations edited after release (db/migrate.py EARLIER_CHECKSUMS): a database that applied their earlier
texts is accepted, and ends with the schema a database migrated with today's texts has, whatever release
it upgrades from and whatever shape (empty or the original's) it started in."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from db import admin
from db.migrate import EARLIER_CHECKSUMS, MIGRATIONS_DIR, migrate
from tests.original_db import Shape, build_original, earlier_migration, schema_catalog

# Issue 13 took out of these files what a later file replaces before anything uses it.
EDITED_IN_ISSUE_13 = ("0002", "0003", "0030", "0090")
Catalog = dict[str, list[tuple[Any, ...]]]


def write_released_before_issue_13(folder: Path, below: str = "9999") -> None:
    """The migrations as released before issue 13, those before version `below`, into `folder`."""
    folder.mkdir()
    for path in sorted(MIGRATIONS_DIR.glob("*.sql")):
        if path.name >= below:
            continue
        version = path.name[:4]
        if version in EDITED_IN_ISSUE_13:
            text = earlier_migration(version, "released_before_issue13")
            assert hashlib.sha256(text.encode()).hexdigest() in EARLIER_CHECKSUMS[version]
        else:
            text = path.read_text(encoding="utf-8")
        (folder / path.name).write_text(text, encoding="utf-8")


async def migrated_schema(shape: Shape) -> Catalog:
    """The schema of a database of `shape` migrated with today's files."""
    url = await admin.create_database("checkback_scratch")
    try:
        await build_original(url, shape)
        await migrate(url)
        return await schema_catalog(url)
    finally:
        await admin.drop_database(url)


@pytest.fixture(scope="module")
async def fresh_schema() -> AsyncIterator[Catalog]:
    yield await migrated_schema("empty")


@pytest.mark.parametrize("upgraded_from", ["0003", "0010", "0090", "9999"])
async def test_a_database_migrated_before_issue_13_ends_like_a_fresh_one(
    scratch_dsn: str, tmp_path: Path, fresh_schema: Catalog, upgraded_from: str
) -> None:
    """It ran the texts of before issue 13 up to `upgraded_from` (every file: "9999"); today's files
    apply the rest."""
    write_released_before_issue_13(tmp_path / "migrations", upgraded_from)
    await migrate(scratch_dsn, tmp_path / "migrations")
    assert await migrate(scratch_dsn) == [
        p.name for p in sorted(MIGRATIONS_DIR.glob("*.sql")) if p.name >= upgraded_from
    ]
    assert await schema_catalog(scratch_dsn) == fresh_schema


@pytest.mark.parametrize("shape", ["v2", "automation", "data"])
async def test_an_original_database_upgrades_as_it_did_before_issue_13(
    scratch_dsn: str, tmp_path: Path, shape: Shape
) -> None:
    write_released_before_issue_13(tmp_path / "migrations")
    await build_original(scratch_dsn, shape)
    await migrate(scratch_dsn, tmp_path / "migrations")
    assert await schema_catalog(scratch_dsn) == await migrated_schema(shape)


@pytest.mark.parametrize("shape", ["empty", "data"])
async def test_a_database_that_ran_0090_with_its_span_functions_ends_like_a_fresh_one(
    scratch_dsn: str, tmp_path: Path, shape: Shape
) -> None:
    """0090 made the span functions and the trigger itself until issue 13 moved them to 0092, which reads
    one view: a database migrated to 0091 with that text gets 0092 and today's schema, its spans rebuilt."""
    folder = tmp_path / "migrations"
    folder.mkdir()
    for path in sorted(MIGRATIONS_DIR.glob("*.sql")):
        if path.name < "0092":
            own = path.name.startswith("0090_")
            text = earlier_migration("0090", "released_in_issue13") if own else path.read_text("utf-8")
            (folder / path.name).write_text(text, encoding="utf-8")
    assert (
        hashlib.sha256((folder / "0090_top_series.sql").read_bytes()).hexdigest() in EARLIER_CHECKSUMS["0090"]
    )
    await build_original(scratch_dsn, shape)
    await migrate(scratch_dsn, folder)
    assert await migrate(scratch_dsn) == ["0092_snapshot_series.sql"]
    assert await schema_catalog(scratch_dsn) == await migrated_schema(shape)
