"""`python -m bot migrate` as an operator runs it: prints what it did, safe twice and at once."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.cli import run_cli

ROOT = Path(__file__).resolve().parents[2]


async def test_migrate_twice_applies_nothing_the_second_time(scratch_dsn: str) -> None:
    first = await run_cli(scratch_dsn, "migrate")
    assert first.returncode == 0, first.stderr
    assert "applied 0001_base_schema.sql" in first.stdout
    second = await run_cli(scratch_dsn, "migrate")
    assert second.returncode == 0
    assert "nothing to apply" in second.stdout


async def test_two_migrate_processes_at_once_both_succeed(scratch_dsn: str) -> None:
    a, b = await asyncio.gather(run_cli(scratch_dsn, "migrate"), run_cli(scratch_dsn, "migrate"))
    assert (a.returncode, b.returncode) == (0, 0), a.stderr + b.stderr
    applied = [line for line in (a.stdout + b.stdout).splitlines() if line.startswith("applied ")]
    assert len(applied) == len(set(applied)) == len(list((ROOT / "migrations").glob("*.sql")))


async def test_unreachable_database_is_one_clear_line_and_exit_4() -> None:
    result = await run_cli("postgresql://nobody:pw-secret@127.0.0.1:1/x", "migrate")
    assert result.returncode == 4
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: The database is not reachable")
    assert "127.0.0.1:1" in lines[0] and "pw-secret" not in lines[0]


async def test_bad_usage_exits_2() -> None:
    result = await run_cli("postgresql://unused@127.0.0.1:1/x", "no-such-command")
    assert result.returncode == 2
    assert "invalid choice" in result.stderr
