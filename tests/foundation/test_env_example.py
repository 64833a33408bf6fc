"""`.env.example` documents every setting the Settings class reads, and nothing it does not."""

from __future__ import annotations

import re
from pathlib import Path

from bot.config import Settings

ROOT = Path(__file__).resolve().parents[2]


def test_env_example_lists_every_setting_with_a_comment() -> None:
    lines = (ROOT / ".env.example").read_text().splitlines()
    setting = re.compile(r"#?\s*([A-Z][A-Z0-9_]+)=")
    named: dict[str, int] = {}
    for i, line in enumerate(lines):
        if m := setting.match(line):
            named[m.group(1)] = i
    assert set(named) == {name.upper() for name in Settings.model_fields}
    for name, i in named.items():
        # The nearest line above that is not itself a setting is the prose comment explaining it.
        j = i - 1
        while j >= 0 and setting.match(lines[j]):
            j -= 1
        assert j >= 0 and lines[j].startswith("# ") and len(lines[j]) > 10, f"{name} has no comment"
