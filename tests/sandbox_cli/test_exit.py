"""Leaving the sandbox leaves nothing running: the embedded Postgres it started stops with it, at the end of
a script and on Ctrl-C (SIGINT)."""

from __future__ import annotations

import os
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.sandbox_cli.conftest import REPO


@dataclass
class Home:
    """A sandbox's own DATA_DIR, on the embedded Postgres (no DATABASE_URL)."""

    path: Path
    env: dict[str, str]

    @property
    def pgdata(self) -> Path:
        return (self.path / "data" / "postgres").resolve()

    def sandbox(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "bot", "sandbox", *args]


def _postgres_processes(pgdata: Path) -> list[int]:
    import psutil

    found = []
    for proc in psutil.process_iter(["pid", "cmdline"]):
        if str(pgdata) in " ".join(proc.info["cmdline"] or []):
            found.append(proc.info["pid"])
    return found


@pytest.fixture
def home() -> Iterator[Home]:
    # Postgres runs as its own user when we are root: its directory must be reachable by that user.
    path = Path(tempfile.mkdtemp(prefix="checkback-sandbox-exit-"))
    path.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DISCORD_TOKEN")}
    env["DATA_DIR"] = str(path / "data")
    env["PYTHONUNBUFFERED"] = "1"
    found = Home(path, env)
    try:
        yield found
    finally:
        pid_file = found.pgdata / "postmaster.pid"
        if pid_file.exists():  # a failed run: stop what it left, so the machine is as it was
            try:
                os.kill(int(pid_file.read_text().split()[0]), signal.SIGQUIT)
            except (OSError, ValueError):
                pass
        shutil.rmtree(path, ignore_errors=True)


def _assert_postgres_gone(home: Home) -> None:
    assert (home.pgdata / "PG_VERSION").exists()  # it did run on the embedded Postgres
    assert not (home.pgdata / "postmaster.pid").exists()
    assert _postgres_processes(home.pgdata) == []


def test_the_end_of_a_script_stops_the_embedded_postgres_it_started(home: Home) -> None:
    script = home.path / "script.txt"
    script.write_text("/tracked\n", encoding="utf-8")
    run = subprocess.run(
        home.sandbox("--script", str(script), "--for", "1h"),
        cwd=REPO,
        env=home.env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert run.returncode == 0, run.stderr
    assert "No posts." in run.stdout
    _assert_postgres_gone(home)


def test_ctrl_c_at_the_prompt_stops_the_embedded_postgres(home: Home) -> None:
    proc = subprocess.Popen(
        home.sandbox(),
        cwd=REPO,
        env=home.env,
        stdin=subprocess.PIPE,  # kept open: the prompt waits for a line that never comes
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        out = _read_until(proc, "(ready in", timeout=180)
        assert (home.pgdata / "postmaster.pid").exists(), out  # Postgres is up, the prompt waits
        proc.send_signal(signal.SIGINT)  # what Ctrl-C sends (to the sandbox alone here, not to Postgres)
        proc.wait(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    _assert_postgres_gone(home)


def _read_until(proc: subprocess.Popen[str], marker: str, *, timeout: float) -> str:
    """What the process printed up to the line with `marker`; fails if it exits or takes `timeout` first."""
    assert proc.stdout is not None
    selector = selectors.DefaultSelector()
    selector.register(proc.stdout, selectors.EVENT_READ)
    out = ""
    deadline = time.monotonic() + timeout
    while marker not in out:
        left = deadline - time.monotonic()
        assert left > 0 and selector.select(left), f"no {marker!r} in time:\n{out}"
        line = proc.stdout.readline()
        assert line, f"the sandbox exited ({proc.wait()}) before {marker!r}:\n{out}\n{proc.stderr.read()}"  # type: ignore[union-attr]
        out += line
    return out
