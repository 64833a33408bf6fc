"""In the sandbox, one `/track` with three links of three different forms (a www link, an
`m.tiktok.com/v/ID.html` link and a `vm.tiktok.com` short link, which the sandbox's simulator answers with its
redirect) tracks all three: one line per link, then `/tracked` lists the three posts."""

from __future__ import annotations

import re
from collections.abc import Callable

from bot.sandbox.metrics.provider import Provider
from tests.sandbox_cli.conftest import Run

WWW_ID = "7301234567890140027"
MOBILE_ID = "7301234567890140227"
SHORT_CODE = "ZMdemo123"
# The post the simulator's short-link host redirects an unknown code to (the same every run).
SHORT_ID = Provider.short_video_id(SHORT_CODE)
LINKS = (
    f"https://www.tiktok.com/@demo/video/{WWW_ID}",
    f"https://m.tiktok.com/v/{MOBILE_ID}.html",
    f"https://vm.tiktok.com/{SHORT_CODE}/",
)


def reply_lines(out: str, command: str) -> list[str]:
    """The lines of the sandbox's reply to `command` (the message block printed after its prompt)."""
    header = re.search(rf"^\[[^\]]+\] Checkback → /{command} \(member\)\n", out, re.M)
    assert header, out
    lines = []
    for line in out[header.end() :].splitlines():
        if not line.startswith("  │ "):
            break
        lines.append(line.removeprefix("  │ "))
    return lines


def test_one_track_with_three_link_forms_tracks_all_three(run_sandbox: Callable[..., Run]) -> None:
    script = "\n".join(["/as member", f"/track url:{' '.join(LINKS)}", "/tracked"])
    run = run_sandbox(script, "--for", "1m")
    assert run.code == 0, run.err
    assert "Traceback" not in run.out + run.err
    track = reply_lines(run.out, "track")
    assert track[0] == "3 links: 3 tracked, 0 failed", track
    assert len(track) == 4, track
    for line, link in zip(track[1:], LINKS, strict=True):
        assert line.startswith(f"✓ {link} — tracked: #"), line
    tracked = reply_lines(run.out, "tracked")
    assert tracked[0] == "Tracked posts (active)", tracked
    post = re.compile(r" · (\d+) \(https://www\.tiktok\.com/@[\w.]+/video/\1\) · ")
    listed = [found[1] for line in tracked[1:] if (found := post.search(line))]
    assert sorted(listed) == sorted([WWW_ID, MOBILE_ID, SHORT_ID]), tracked
    assert len(tracked) == 4, tracked
