"""No module of bot/, cogs/ or db/ is over 450 lines: a module that grows past it is split along its seams."""

from __future__ import annotations

from tests.foundation.test_layers import ROOT, modules

MAX_LINES = 450


def test_no_module_is_over_450_lines() -> None:
    over = [
        f"{path.relative_to(ROOT)}: {count} lines"
        for _, path in modules()
        if (count := len(path.read_text().splitlines())) > MAX_LINES
    ]
    assert over == [], f"modules over {MAX_LINES} lines (split them along their seams): {over}"
