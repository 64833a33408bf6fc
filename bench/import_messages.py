"""Benchmark: `python -m bot import-messages` of a 300 MB JSON Lines export (`--quick`: 30 MB); peak memory.

The file is generated in a temporary directory: messages of 40-1,500 characters of text (about 530 bytes a
line) among 5,000 participants of 3 accounts, with a bad line every 10,000 (a 100,000-deep nested one, a NUL,
a future date, in turn). The import runs as an operator would run it, in a child process against a scratch
database; its peak resident memory (ru_maxrss of the child) must stay under 100 MB whatever the file size,
since the file is streamed. Also reported: lines per second, and a second import of the same file (every
line a duplicate). The child's stderr is not a terminal, so it prints a plain progress line every 10 s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._common import command_line  # noqa: E402
from db.admin import create_database, drop_database  # noqa: E402
from db.migrate import migrate  # noqa: E402

WORDS = "love this video when is the next one so good haha what gauge wire thanks a lot".split()
BAD_EVERY = 10_000


def write_file(path: Path, megabytes: int) -> tuple[int, int]:
    """Writes about `megabytes` MB of lines; returns (lines, bad lines)."""
    rng = random.Random(7)
    target = megabytes * 1_000_000
    written = lines = bad = 0
    base = 1_767_225_600  # 2026-01-01
    with path.open("wb") as f:
        while written < target:
            lines += 1
            if lines % BAD_EVERY == 0:
                bad += 1
                kind = (lines // BAD_EVERY) % 3
                if kind == 0:
                    raw = b"[" * 100_000 + b"]" * 100_000
                else:
                    text = "nul \u0000" if kind == 1 else "from the future"
                    sent = base + (0 if kind == 1 else 10**9)
                    raw = json.dumps(_msg(lines, rng, sent, text)).encode()
            else:
                text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 300)))
                raw = json.dumps(_msg(lines, rng, base + lines, text)).encode()
            f.write(raw + b"\n")
            written += len(raw) + 1
    return lines, bad


def _msg(n: int, rng: random.Random, sent: int, text: str) -> dict[str, object]:
    return {
        "account": f"brand{n % 3}",
        "participant": f"fan{rng.randrange(5000)}",
        "text": text,
        "sent_at": sent,
        "direction": "in" if n % 2 else "out",
        "external_id": f"m{n}",
        "platform_extra": {"client": "export-tool", "seq": n},
    }


def run_import(dsn: str, path: Path) -> tuple[subprocess.CompletedProcess[str], float, float]:
    """(the finished child, seconds, its peak RSS in MB)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "RAPIDAPI_"))}
    env["DATABASE_URL"] = dsn
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "import-messages", str(path)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    out, err = proc.communicate()
    elapsed = time.monotonic() - started
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # the largest child so far
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err), elapsed, peak_kb / 1024


async def main_async(args: argparse.Namespace) -> dict[str, object]:
    megabytes = 30 if args.quick else args.megabytes
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "export.jsonl"
        lines, bad = write_file(path, megabytes)
        size_mb = path.stat().st_size / 1e6
        print(f"file: {size_mb:.0f} MB, {lines:,} lines, {bad} bad", flush=True)
        dsn = await create_database("checkback_bench")
        try:
            await migrate(dsn)
            first, seconds, peak = await asyncio.to_thread(run_import, dsn, path)
            print(first.stdout.strip().splitlines()[-1], flush=True)
            reported = [e for e in first.stderr.splitlines() if e.startswith("line ")]
            assert first.returncode == (1 if bad else 0), first.stderr[-2000:]
            assert len(reported) == bad and "Traceback" not in first.stderr, first.stderr[-2000:]
            print(f"first import: {seconds:.1f} s, {lines / seconds:,.0f} lines/s, peak RSS {peak:.1f} MB")
            again, seconds2, peak2 = await asyncio.to_thread(run_import, dsn, path)
            print(again.stdout.strip().splitlines()[-1], flush=True)
            print(f"second import: {seconds2:.1f} s, peak RSS of either {peak2:.1f} MB")
        finally:
            await drop_database(dsn)
    return {
        "bench": "import_messages",
        "file_mb": round(size_mb),
        "lines": lines,
        "bad_lines_reported": len(reported),
        "lines_per_s": round(lines / seconds),
        "peak_rss_mb": round(max(peak, peak2), 1),
    }


main = command_line(main_async, __doc__, quick="30 MB instead of 300", megabytes=300)


if __name__ == "__main__":
    raise SystemExit(main())
