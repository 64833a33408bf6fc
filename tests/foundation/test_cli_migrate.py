"""`python -m bot migrate` as an operator runs it: prints what it did, safe twice and at once."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _env(database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "LOG_"))}
    env["DATABASE_URL"] = database_url
    return env


async def _run(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd=ROOT,
        env=_env(database_url),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await proc.communicate()
    return subprocess.CompletedProcess(args, proc.returncode or 0, out.decode(), err.decode())


async def test_migrate_twice_applies_nothing_the_second_time(scratch_dsn: str) -> None:
    first = await _run(scratch_dsn, "migrate")
    assert first.returncode == 0, first.stderr
    assert "applied 0001_base_schema.sql" in first.stdout
    second = await _run(scratch_dsn, "migrate")
    assert second.returncode == 0
    assert "nothing to apply" in second.stdout


async def test_two_migrate_processes_at_once_both_succeed(scratch_dsn: str) -> None:
    a, b = await asyncio.gather(_run(scratch_dsn, "migrate"), _run(scratch_dsn, "migrate"))
    assert (a.returncode, b.returncode) == (0, 0), a.stderr + b.stderr
    applied = [line for line in (a.stdout + b.stdout).splitlines() if line.startswith("applied ")]
    assert len(applied) == len(set(applied)) == len(list((ROOT / "migrations").glob("*.sql")))


async def test_unreachable_database_is_one_clear_line_and_exit_1() -> None:
    result = await _run("postgresql://nobody:pw-secret@127.0.0.1:1/x", "migrate")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: The database is not reachable")
    assert "127.0.0.1:1" in lines[0] and "pw-secret" not in lines[0]


async def test_bad_usage_exits_2() -> None:
    result = await _run("postgresql://unused@127.0.0.1:1/x", "no-such-command")
    assert result.returncode == 2
    assert "invalid choice" in result.stderr
