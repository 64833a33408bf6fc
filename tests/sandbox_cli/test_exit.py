"""Leaving the sandbox leaves nothing running: the embedded Postgres it started stops with it."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.sandbox_cli.conftest import REPO


def _postgres_processes(pgdata: Path) -> list[int]:
    import psutil

    found = []
    for proc in psutil.process_iter(["pid", "cmdline"]):
        if str(pgdata) in " ".join(proc.info["cmdline"] or []):
            found.append(proc.info["pid"])
    return found


def test_the_end_of_a_script_stops_the_embedded_postgres_it_started() -> None:
    # Postgres runs as its own user when we are root: its directory must be reachable by that user.
    home = Path(tempfile.mkdtemp(prefix="checkback-sandbox-exit-"))
    home.chmod(0o755)
    pgdata = (home / "data" / "postgres").resolve()
    script = home / "script.txt"
    script.write_text("/tracked\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DISCORD_TOKEN")}
    env["DATA_DIR"] = str(home / "data")
    try:
        run = subprocess.run(
            [sys.executable, "-m", "bot", "sandbox", "--script", str(script), "--for", "1h"],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert run.returncode == 0, run.stderr
        assert "No posts." in run.stdout
        assert (pgdata / "PG_VERSION").exists()  # it did run on the embedded Postgres
        assert not (pgdata / "postmaster.pid").exists()
        assert _postgres_processes(pgdata) == []
    finally:
        pid_file = pgdata / "postmaster.pid"
        if pid_file.exists():  # a failed run: stop what it left, so the machine is as it was
            try:
                os.kill(int(pid_file.read_text().split()[0]), signal.SIGQUIT)
            except (OSError, ValueError):
                pass
        shutil.rmtree(home, ignore_errors=True)
