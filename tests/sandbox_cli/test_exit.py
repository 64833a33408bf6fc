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


@dataclass(frozen=True)
class Interrupt:
    """A signal sent to the sandbox once it has printed `after` (each marker in turn)."""

    signal: signal.Signals
    after: tuple[str, ...]
    args: tuple[str, ...] = ()
    # As a job a script starts in the background (`pytest ... &`) is: SIGINT ignored from the start.
    in_background: bool = False
    typed: bytes = b""  # lines typed at the prompt once it is up, before waiting for `after`
    busy: bool = False  # two CPU-bound processes beside the sandbox (a loaded two-core machine)


DIGEST_DAILY = b"/as admin\n/config digest channel:#checkbacks every:daily at:00:00\n"
PROMPT = "member> "  # printed by the prompt's reader, without a newline, when it waits for a line
INTERRUPTS = {
    "ctrl-c at the prompt": Interrupt(signal.SIGINT, ("(ready in", PROMPT)),
    "ctrl-c at the prompt, started in the background": Interrupt(
        signal.SIGINT, ("(ready in", PROMPT), in_background=True
    ),
    # --seed-demo: once the prompt is up, the pacer runs the demo posts' check-backs, polls and notices.
    "ctrl-c while the pacer runs check-backs": Interrupt(
        signal.SIGINT, ("(ready in", "Checkback in #"), ("--seed-demo",), in_background=True
    ),
    "sigterm before the prompt's reader starts": Interrupt(signal.SIGTERM, ("(ready in",)),
    # A sandbox day a second and a daily digest: the pacer's steps draw and send digests when SIGINT comes.
    "ctrl-c while the pacer runs digests": Interrupt(
        signal.SIGINT, ("Daily digest",), ("--speed", "86400"), typed=DIGEST_DAILY
    ),
    "ctrl-c while the pacer runs digests, beside busy cores": Interrupt(
        signal.SIGINT, ("Daily digest",), ("--speed", "86400"), typed=DIGEST_DAILY, busy=True
    ),
}


@pytest.mark.parametrize("interrupt", INTERRUPTS.values(), ids=INTERRUPTS.keys())
def test_an_interrupt_leaves_cleanly_and_stops_the_embedded_postgres(
    home: Home, interrupt: Interrupt, request: pytest.FixtureRequest
) -> None:
    if interrupt.busy:
        request.getfixturevalue("busy_cores")
    command = home.sandbox(*interrupt.args)
    if interrupt.in_background:
        command = ["sh", "-c", 'trap "" INT; exec "$@"', "sh", *command]
    proc = subprocess.Popen(
        command,
        cwd=REPO,
        env=home.env,
        stdin=subprocess.PIPE,  # kept open: the prompt waits for a line that never comes
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        if interrupt.typed:
            assert proc.stdin is not None
            _read_until(proc, ("(ready in", PROMPT), timeout=180)
            proc.stdin.write(interrupt.typed)
            proc.stdin.flush()
        out = _read_until(proc, interrupt.after, timeout=180)
        assert (home.pgdata / "postmaster.pid").exists(), out  # Postgres is up
        proc.send_signal(interrupt.signal)  # to the sandbox alone, not to Postgres as Ctrl-C at a terminal
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, err
    assert b"Traceback" not in err and b"Fatal Python error" not in err, err
    _assert_postgres_gone(home)


def _read_until(proc: subprocess.Popen[bytes], markers: tuple[str, ...], *, timeout: float) -> str:
    """What the process printed up to each of `markers` in turn (read as it comes, not by lines: the prompt
    ends none); fails if it exits or takes `timeout` first."""
    assert proc.stdout is not None
    fd = proc.stdout.fileno()
    selector = selectors.DefaultSelector()
    selector.register(fd, selectors.EVENT_READ)
    out = ""
    seen = 0
    deadline = time.monotonic() + timeout
    for marker in markers:
        while (found := out.find(marker, seen)) < 0:
            left = deadline - time.monotonic()
            assert left > 0 and selector.select(left), f"no {marker!r} in time:\n{out}"
            chunk = os.read(fd, 65536)
            assert chunk, f"the sandbox exited ({proc.wait()}) before {marker!r}:\n{out}"
            out += chunk.decode(errors="replace")
        seen = found + len(marker)
    return out
