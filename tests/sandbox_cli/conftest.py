"""Running `python -m bot sandbox` as a subprocess against the test server, in its own database."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from db.admin import drop_database, server_dsn
from db.pool import with_database

REPO = Path(__file__).resolve().parents[2]


@dataclass
class Run:
    code: int
    out: str
    err: str


@pytest.fixture
async def sandbox_database() -> AsyncIterator[str]:
    """A database name only this test's sandbox uses (the sandbox creates it; the test drops it)."""
    name = f"checkback_sandbox_test_{uuid.uuid4().hex[:10]}"
    yield name
    await drop_database(with_database(server_dsn(), name))


@pytest.fixture
def busy_cores() -> Iterator[None]:
    """Two CPU-bound processes beside the sandbox, as on a loaded two-core machine."""
    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(2)]
    try:
        yield
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()


@pytest.fixture
def run_sandbox(tmp_path: Path, sandbox_database: str) -> Callable[..., Run]:
    """Runs the sandbox with a script; DATA_DIR is the test's own directory (logs, saved files)."""

    def run(script: str, *args: str, timeout: float = 120) -> Run:
        path = tmp_path / "script.txt"
        path.write_text(script, encoding="utf-8")
        env = {**os.environ, "DATABASE_URL": server_dsn(), "DATA_DIR": str(tmp_path / "data")}
        env.pop("DISCORD_TOKEN", None)
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "bot",
                "sandbox",
                "--script",
                str(path),
                "--database",
                sandbox_database,
                *args,
            ],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        return Run(proc.returncode, proc.stdout, proc.stderr)

    return run
