"""`make bench`: run every benchmark in bench/ and print each one's JSON figures line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    extra = argv[1:]  # e.g. --quick, passed to every bench
    failed = 0
    for script in sorted(HERE.glob("*.py")):
        if script.name.startswith("_") or script.name == Path(__file__).name:
            continue
        print(f"== {script.name}", flush=True)
        proc = subprocess.run(
            [sys.executable, str(script), *extra],
            cwd=HERE.parent,
            text=True,
            capture_output=True,
            check=False,
        )
        sys.stderr.write(proc.stderr[-2000:])
        lines = [line for line in proc.stdout.splitlines() if line.strip()]
        if proc.returncode != 0 or not lines:
            print(f"   failed (exit {proc.returncode})")
            failed += 1
            continue
        print("\n".join(lines[:-1]))
        print(json.dumps(json.loads(lines[-1])))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
