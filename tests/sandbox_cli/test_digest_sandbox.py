"""In the sandbox, a daily digest appears once a day at its time, with its chart (issue 20's done-when):
`/config digest channel:#checkbacks every:daily at:09:00`, then `/wait 3d`."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from tests.sandbox_cli.conftest import Run
from tests.sandbox_cli.test_sandbox_alerts import HEADER

VIDEOS = ("7301234567890140027", "7301234567890140227")


def digests(out: str) -> list[tuple[str, list[str]]]:
    """Each digest the sandbox printed in a channel: its header's time and its lines."""
    found: list[tuple[str, list[str]]] = []
    current: tuple[str, list[str]] | None = None
    for line in out.splitlines():
        header = HEADER.match(line)
        if header:
            current = (line[1:17], [])
            if header[1] is not None:  # in a channel, not an answer to a command
                found.append(current)
        elif current is not None and line.startswith("  "):
            current[1].append(line.strip())
        else:
            current = None
    return [(when, lines) for when, lines in found if any("Daily digest" in line for line in lines)]


def test_a_daily_digest_appears_once_a_day_at_its_time_with_a_chart(
    run_sandbox: Callable[..., Run], tmp_path: Path
) -> None:
    script = "\n".join(
        [
            "/as admin",
            "/config digest channel:#checkbacks every:daily at:09:00",
            "/config show",
            "/as member",
            *(f"/track url:https://www.tiktok.com/@demo/video/{video}" for video in VIDEOS),
            "/digest now",
            "/wait 3d",
            "/quit",
        ]
    )
    run = run_sandbox(script, "--for", "3d")
    assert run.code == 0, run.err
    assert "Traceback" not in run.out + run.err
    assert re.search(r"The digest now goes to #checkbacks every day at 09:00 \(UTC\)", run.out), run.out
    assert re.search(r"Digest\s+#checkbacks · daily at 09:00 \(UTC\)", run.out), run.out
    sent = digests(run.out)
    # The script starts at 09:00 UTC: the digest set then is first due the next day, then each day after.
    days = [when for when, _ in sent]
    assert len(days) == 3, run.out
    assert [d[11:] for d in days] == ["09:00"] * 3 and len({d[:10] for d in days}) == 3, days
    for _, lines in sent:
        assert any(line.startswith("│ Top movers") and "@demo" in line for line in lines), lines
        assert any(line.startswith("📎") and "digest" in line and ".png" in line for line in lines), lines
    # /digest now answered privately, with its chart, and posted nothing.
    assert re.search(r"→ /digest now \(member\) · only you can see this", run.out), run.out
    saved = list((tmp_path / "data").rglob("*digest*.png"))
    assert len(saved) >= 4, saved
