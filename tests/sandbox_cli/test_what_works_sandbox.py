"""In the sandbox, a watched account's week of posts is enough for /top by:hashtags|sounds and /besttime to
answer with figures and a heatmap (the simulator's accounts post at their habits, with hashtags and sounds)."""

from __future__ import annotations

import re
import struct
from collections.abc import Callable
from pathlib import Path

from bot.charts.besttime import BESTTIME_SIZE
from tests.sandbox_cli.conftest import Run

SCRIPT = """
/as admin
/watch add account:maker_jo
/as member
/wait 8d
/top by:hashtags
/top by:sounds
/besttime
/besttime account:maker_jo
"""


def test_what_works_and_when_to_post_answer_with_figures_in_the_sandbox(
    run_sandbox: Callable[..., Run], tmp_path: Path
) -> None:
    run = run_sandbox(SCRIPT, "--for", "1m", timeout=600)
    assert run.code == 0, run.err
    hashtags = run.out.split("member> /top by:hashtags")[1].split("member> ")[0]
    assert "Top hashtags by median views at 24 hours" in hashtags
    ranked = re.findall(r"(\d+)\. #(\w+) · median (\S+) views at 24 h · (\d+) posts?", hashtags)
    assert len(ranked) >= 3, hashtags
    assert [int(n) for n, *_ in ranked] == list(range(1, len(ranked) + 1))
    sounds = run.out.split("member> /top by:sounds")[1].split("member> ")[0]
    assert "original sound - maker_jo" in sounds and " median " in sounds, sounds

    besttime = run.out.split("member> /besttime\n")[1].split("member> ")[0]
    assert "Best slots to publish" in besttime, besttime
    slots = re.findall(r"([123])\. (?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d\d:00 · median \S+ views", besttime)
    assert slots[:3] == ["1", "2", "3"], besttime  # (shown again when the heatmap is attached)
    saved = re.findall(r"📎 (\S+besttime\.png)", run.out)
    assert len(saved) == 2, run.out  # the server's and the account's heatmaps
    path = Path(saved[0].replace("DATA", str(tmp_path / "data"), 1))
    if not path.exists():
        path = Path(saved[0])
    data = path.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and struct.unpack(">II", data[16:24]) == BESTTIME_SIZE
