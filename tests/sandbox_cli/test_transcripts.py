"""Same script, same transcript; and the README's sandbox example is a real run of its own lines."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

from tests.sandbox_cli.conftest import REPO, Run
from tests.sandbox_cli.transcripts import first_date, masked, shift_dates

README = REPO / "README.md"
EXAMPLE = re.compile(
    r"(<!-- sandbox-example:start -->\n```text\n)(.*?)(```\n<!-- sandbox-example:end -->)", re.S
)
TOUR = """
/track url:https://www.tiktok.com/@demo/video/7301234567890123456 note:launch teaser
/track url:https://www.tiktok.com/@studio.lumen/video/7301234567890120001
/tracked
/wait 1d
/analytics post:1
/export post:1
/limits show
/usage
/as admin
/watch add account:maker_jo
/limits set action:like daily:80 hourly:15
/wait 1d
/tracked status:all
"""


def test_two_runs_of_one_script_print_the_same_transcript(
    run_sandbox: Callable[..., Run], tmp_path: Path
) -> None:
    first = run_sandbox(TOUR, "--for", "3d", timeout=300)
    second = run_sandbox(TOUR, "--for", "3d", timeout=300)
    assert first.code == 0 and second.code == 0, first.err + second.err
    data = str(tmp_path / "data")
    one, two = masked(first.out, data), masked(second.out, data)
    assert one.count("Checkback in #checkbacks") > 10 and "📎 DATA/sandbox/files/001-chart.png" in one
    assert one == two, "\n".join(
        f"{a!r}\n{b!r}" for a, b in zip(one.splitlines(), two.splitlines(), strict=False) if a != b
    )


def test_the_readme_sandbox_example_is_what_a_run_of_its_lines_prints(
    run_sandbox: Callable[..., Run],
) -> None:
    text = README.read_text(encoding="utf-8")
    block = EXAMPLE.search(text)
    assert block is not None, "README.md has no sandbox example between its markers"
    shown = block[2]
    script = "".join(
        line.split("> ", 1)[1] + "\n" for line in shown.splitlines() if re.match(r"(member|admin)> ", line)
    )
    assert script.startswith("/track "), shown
    run = run_sandbox(script, "--for", "1m")
    assert run.code == 0, run.err
    fresh = run.out.rsplit("— ran ", 1)[0]  # the closing line is not part of the example
    shown_start = first_date(shown)
    if shown_start is not None:  # shown as it was on the day it was generated
        fresh = shift_dates(fresh, shown_start)
    if os.environ.get("UPDATE_README_EXAMPLE") and fresh != shown:
        README.write_text(text[: block.start(2)] + fresh + text[block.end(2) :], encoding="utf-8")
        return
    assert fresh == shown, (
        "README.md's sandbox example drifted from what the sandbox prints; to regenerate it run "
        "UPDATE_README_EXAMPLE=1 pytest tests/sandbox_cli/test_transcripts.py\n" + fresh
    )
