"""In the sandbox, an admin routes viral alerts to #alerts pinging @social-team (names a person types, as in
Discord): the viral alert appears there and pings that role only; nothing else pings anyone."""

from __future__ import annotations

import re
from collections.abc import Callable

from tests.sandbox_cli.conftest import Run

ACCOUNT = "https://www.tiktok.com/@demo/video/"
# Three ordinary videos of @demo, then a hit 50 times its typical views (the simulator's numbers are fixed
# by the account, the id and the time of publishing).
ORDINARY = ("7301234567890140027", "7301234567890140227", "7301234567890140230")
HIT = "7301234567890140116"
HEADER = re.compile(r"^\[\d{4}-\d\d-\d\d \d\d:\d\d UTC\] Checkback (?:in #(\S+)|→ .*)$")


def blocks(out: str) -> list[tuple[str | None, list[str]]]:
    """Each message the sandbox printed: (its channel, None for a reply to a command) and its lines."""
    found: list[tuple[str | None, list[str]]] = []
    for line in out.splitlines():
        header = HEADER.match(line)
        if header:
            found.append((header[1], []))
        elif found and line.startswith("  "):
            found[-1][1].append(line.strip())
        else:
            found.append((None, []))  # a prompt or a sandbox line ends the message
    return [(channel, lines) for channel, lines in found if lines]


def test_a_viral_alert_routed_to_another_channel_pings_only_its_role(run_sandbox: Callable[..., Run]) -> None:
    script = "\n".join(
        [
            "/as admin",
            "/config alerts kind:viral channel:#alerts ping:@social-team",
            "/config show",
            # The team watches @demo: the account's videos are read through the API, so the viral alert has
            # its typical to stand against (its tracked posts alone are fewer than a baseline needs).
            "/watch add account:demo",
            "/as member",
            *(f"/track url:{ACCOUNT}{video}" for video in ORDINARY),
            "/wait 10m",  # the hit's checks come after the others', which are its measure
            f"/track url:{ACCOUNT}{HIT}",
            "/tracked",  # --for 1d: the day passes before this last command, the hit's checks in it
        ]
    )
    run = run_sandbox(script, "--for", "1d")
    assert run.code == 0, run.err
    assert "Traceback" not in run.out + run.err
    assert "Viral alerts now go to #alerts and ping @social-team." in run.out
    assert re.search(r"Alert routes\s+viral → #alerts · pings @social-team", run.out), run.out
    printed = blocks(run.out)
    in_alerts = [lines for channel, lines in printed if channel == "alerts"]
    assert in_alerts, run.out
    for lines in in_alerts:
        assert lines[:2] == ["@social-team", "🔔 pings @social-team"], lines
        assert any(line.startswith("│ 🔥 Going viral · #4 @demo") for line in lines), lines
    # Every other message (check-backs, milestones, replies) stayed where it was and pinged nobody.
    others = [lines for channel, lines in printed if channel != "alerts"]
    assert any(channel == "checkbacks" for channel, _ in printed)
    assert not [lines for lines in others if any("🔔" in line or "Going viral" in line for line in lines)]
