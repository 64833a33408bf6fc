"""The package checks itself: every cog loads, every domain error has a reply, every documented command exists."""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path
from typing import Any

import bot.errors
import db.errors
from bot.discord.app import cog_modules
from bot.errors import DB_ERRORS, REPLIES, CheckbackError, domain_error
from bot.sandbox.stack import Stack

# DESIGN.md §1 (who uses the bot, and how), as the repository keeps it.
DESIGN = Path(__file__).resolve().parents[2] / "docs" / "users.md"


def documented_commands() -> list[str]:
    """The slash commands DESIGN.md §1 names: `/track url:<...>` → "track", `/limits set ...` → "limits set"."""
    text = DESIGN.read_text(encoding="utf-8")
    section = text.split("## 1.", 1)[1].split("\n## 2.", 1)[0]
    found: list[str] = []
    for code in re.findall(r"`(/[^`]+)`", section):
        words = []
        for word in code[1:].split():
            if ":" in word or word.startswith(("<", "[", ".")):
                break
            words.append(word)
        if words and " ".join(words) not in found:
            found.append(" ".join(words))
    return found


def has_path(commands: list[dict[str, Any]], path: str) -> bool:
    first, *rest = path.split()
    options = next((c.get("options") or [] for c in commands if c["name"] == first), None)
    if options is None:
        return False
    for part in rest:
        sub = next((o for o in options if o["name"] == part and o["type"] in (1, 2)), None)
        if sub is None:
            return False
        options = sub.get("options") or []
    return True


def test_every_cog_module_has_a_setup() -> None:
    modules = cog_modules()
    assert {"cogs.analytics", "cogs.config", "cogs.conversations", "cogs.limits", "cogs.search"} <= set(
        modules
    )
    for name in modules:
        module = importlib.import_module(name)
        assert inspect.iscoroutinefunction(getattr(module, "setup", None)), f"{name} has no async setup()"


def test_every_domain_error_has_a_user_message() -> None:
    errors = [
        cls
        for cls in vars(bot.errors).values()
        if inspect.isclass(cls) and issubclass(cls, CheckbackError) and cls.__module__ == bot.errors.__name__
    ]
    assert len(errors) > 20
    missing = [cls.__name__ for cls in errors if cls not in REPLIES]
    assert not missing, f"no entry in REPLIES for {missing}"
    for cls in errors:
        reply = cls("x").user_message
        assert reply.strip() and "{" not in reply, (cls.__name__, reply)


def test_every_database_error_maps_to_a_domain_error_and_its_reply() -> None:
    raised = [
        cls
        for cls in vars(db.errors).values()
        if inspect.isclass(cls)
        and issubclass(cls, db.errors.DatabaseError)
        and cls is not db.errors.DatabaseError
    ]
    assert set(raised) == set(DB_ERRORS)
    for cls in raised:
        domain = domain_error(cls("cannot connect to x"))
        assert type(domain) is DB_ERRORS[cls] and "cannot connect to x" in domain.user_message
    assert domain_error(ValueError("a bug")) is None


def test_the_documented_commands_parse_out_of_design_md() -> None:
    commands = documented_commands()
    assert {"track", "analytics", "limits set", "config"} <= set(commands), commands


async def test_every_cog_is_loaded_and_every_documented_command_is_synced(stack: Stack) -> None:
    assert set(cog_modules()) <= set(stack.bot.extensions)
    synced = stack.emulator.commands()
    missing = [c for c in documented_commands() if not has_path(synced, c)]
    assert not missing, f"DESIGN.md §1 names /{missing} but the bot did not sync them"
    # And what this issue added, subcommands included.
    for path in (
        "top", "export", "comments", "conversation", "templates add", "templates edit", "templates preview",
        "actions recent", "config channel", "config schedule", "config admin-role", "config show", "config digest", "digest now", "usage", "search users",
        "search videos", "search hashtags",
    ):  # fmt: skip
        assert has_path(synced, path), path
    assert not has_path(synced, "limits nonsense")
    stack.emulator.assert_no_violations()
