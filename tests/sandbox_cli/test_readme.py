"""The README's command reference is generated from the code and never drifts from it."""

from __future__ import annotations

import re
from pathlib import Path

from bot.cli import build_parser
from bot.cli.docs import cli_rows, menu_rows, readme_section, reference_markdown, slash_rows, slash_schema
from bot.config import load_settings

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_slash_commands(section: str) -> set[str]:
    """'/limits set' for every row of the slash-command table."""
    return {m[1] for m in re.finditer(r"^\| `(/[a-z][\w-]*(?: [a-z][\w-]*(?=[ `]))*)", section, re.MULTILINE)}


async def test_the_readme_reference_is_what_the_code_generates() -> None:
    section = readme_section(README.read_text(encoding="utf-8"))
    generated = await reference_markdown(load_settings())
    assert section == generated, "README.md is stale: run python -m bot docs --write README.md"


async def test_every_registered_slash_command_is_in_the_readme_and_nothing_else() -> None:
    section = readme_section(README.read_text(encoding="utf-8"))
    rows = slash_rows(await slash_schema(load_settings()))
    paths = {" ".join(w for w in usage.split() if ":" not in w) for usage, _, _ in rows}
    assert paths, "no cog registered a slash command"
    assert readme_slash_commands(section) == paths


def test_every_cli_command_is_in_the_readme() -> None:
    section = readme_section(README.read_text(encoding="utf-8"))
    for usage, _ in cli_rows(build_parser()):
        assert f"`{usage}`" in section, usage
    assert "python -m bot sandbox" in section
    assert "python -m bot docs" not in section.split("### Command line")[1]  # hidden on purpose


def test_admin_only_commands_are_marked() -> None:
    schema = [
        {
            "name": "limits",
            "type": 1,
            "description": "caps",
            "admin_paths": ["limits set"],
            "options": [
                {"type": 1, "name": "show", "description": "Show", "options": []},
                {
                    "type": 1,
                    "name": "set",
                    "description": "Set",
                    "options": [{"type": 4, "name": "daily", "description": "Per day", "required": True}],
                },
            ],
        },
        {"name": "purge", "type": 1, "description": "Purge", "default_member_permissions": "32"},
    ]
    assert slash_rows(schema) == [
        ("/limits show", "everyone", "Show"),
        ("/limits set daily:<integer>", "admins", "Set — `daily`: Per day"),
        ("/purge", "admins", "Purge"),
    ]


async def test_the_message_context_menu_is_in_the_readme() -> None:
    section = readme_section(README.read_text(encoding="utf-8"))
    menus = menu_rows(await slash_schema(load_settings()))
    assert [(name, on) for name, on, _ in menus] == [("Track TikTok links", "a message")]
    assert "| Track TikTok links | a message | Track every TikTok link in the message" in section
