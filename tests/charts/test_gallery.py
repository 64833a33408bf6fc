"""The README's Pictures: `python -m bot.charts.gallery` draws one of each chart from known data, and the
README shows every one of them from docs/img."""

from __future__ import annotations

import re
from pathlib import Path

from bot.charts.gallery import PICTURES, main
from bot.charts.style import SMALL, WIDE
from tests.charts.png import assert_chart, decoded

ROOT = Path(__file__).resolve().parents[2]


def pictures_section() -> str:
    readme = (ROOT / "README.md").read_text()
    return readme.split("## Pictures", 1)[1].split("\n## ", 1)[0]


def test_the_gallery_draws_every_picture(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main([str(tmp_path)]) == 0
    printed = capsys.readouterr().out.split()
    assert printed == [str(tmp_path / name) for name, _, _ in PICTURES]
    for name, _, _ in PICTURES:
        png = (tmp_path / name).read_bytes()
        height, width = decoded(png).shape[:2]
        assert (width, height) in (WIDE, SMALL)  # the style's sizes, nothing ad hoc
        assert_chart(png, (width, height))


def test_the_readme_shows_each_picture_and_each_is_in_docs_img() -> None:
    shown = re.findall(r"!\[[^\]]+\]\(docs/img/([\w.-]+)\)", pictures_section())
    assert shown == [name for name, _, _ in PICTURES]
    for name in shown:
        decoded((ROOT / "docs" / "img" / name).read_bytes())
