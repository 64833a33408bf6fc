"""The README's command reference, generated from the slash-command tree and the argparse parser."""

from __future__ import annotations

import argparse
import functools
import logging
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bot.config import Settings

START = "<!-- commands:start -->"
END = "<!-- commands:end -->"
SUB_COMMAND, SUB_COMMAND_GROUP = 1, 2
OPTION_TYPES = {3: "text", 4: "integer", 5: "true/false", 6: "user", 7: "channel", 8: "role"}
OPTION_TYPES |= {9: "user or role", 10: "number", 11: "file"}


def register(sub: argparse._SubParsersAction) -> None:
    # No help= keeps it out of `python -m bot --help`: it is for whoever edits the README.
    p = sub.add_parser("docs", description="print the README's command reference, generated from the code")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--write", type=Path, metavar="FILE", help="replace the section between the markers")
    group.add_argument("--check", type=Path, metavar="FILE", help="exit 1 when FILE's section is stale")
    p.set_defaults(handler=cmd_docs)


async def cmd_docs(args: argparse.Namespace, settings: Settings) -> int:
    text = await reference_markdown(settings)
    if args.write is not None:
        args.write.write_text(replace_section(args.write.read_text(encoding="utf-8"), text), encoding="utf-8")
        print(f"updated the command reference in {args.write}")
        return 0
    if args.check is not None:
        if readme_section(args.check.read_text(encoding="utf-8")) != text:
            print(
                f"error: {args.check}'s command reference is stale: run python -m bot docs --write {args.check}"
            )
            return 1
        print(f"{args.check}'s command reference is up to date")
        return 0
    sys.stdout.write(text)
    return 0


# --- the slash commands ---------------------------------------------------------------------------------
async def slash_schema(settings: Settings) -> list[dict[str, Any]]:
    """Every slash command as Discord receives it at sync, from the cogs loaded into an unconnected bot,
    with `admin_paths` added: the paths `admin_only` marks (in the command's or its group's `extras`)."""
    from discord import app_commands

    from bot.discord.app import CheckbackBot, cog_modules
    from bot.discord.checks import is_admin_command

    # Loading cogs needs no connection; discord.py's warnings about voice support would only be noise.
    quiet = logging.getLogger("discord.client")
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    bot = CheckbackBot(settings, run_jobs=False)
    await (
        bot.__aenter__()
    )  # the client's loop-bound parts, never a connection (an auto-sharded close needs them)
    try:
        for module in cog_modules():
            await bot.load_extension(module)
        schema = []
        for command in sorted(bot.tree.get_commands(), key=lambda c: c.name):
            entry = command.to_dict(bot.tree)
            if isinstance(command, app_commands.ContextMenu):
                entry["help"] = command.extras.get("help", "")  # a context menu has no description
                schema.append(entry)
                continue
            entry["admin_paths"] = sorted(
                path for node, path in _walk_tree(command, command.name) if is_admin_command(node)
            )
            schema.append(entry)
        return schema
    finally:
        await bot.__aexit__(None, None, None)
        quiet.setLevel(level)


def _walk_tree(node: Any, path: str) -> Iterator[tuple[Any, str]]:
    yield node, path
    for child in getattr(node, "commands", []):
        yield from _walk_tree(child, f"{path} {child.name}")


def slash_rows(schema: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    """(usage, who, what) for every invocable path: `/limits set action:<text> [hourly:<integer>]`."""
    rows: list[tuple[str, str, str]] = []

    def walk(path: str, node: dict[str, Any], admin: bool, admin_paths: set[str]) -> None:
        admin = admin or path in admin_paths
        subs = [o for o in node.get("options") or [] if o["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP)]
        if subs:
            for sub in subs:
                walk(f"{path} {sub['name']}", sub, admin, admin_paths)
            return
        usage = [f"/{path}"]
        details = []
        for option in node.get("options") or []:
            choices = option.get("choices")
            kind = "\\|".join(str(c["value"]) for c in choices) if choices else OPTION_TYPES[option["type"]]
            text = f"{option['name']}:<{kind}>"
            usage.append(text if option.get("required") else f"[{text}]")
            if option.get("description"):
                details.append(f"`{option['name']}`: {_cell(option['description'])}")
        what = _cell(node.get("description", ""))
        if details:
            what += " — " + "; ".join(details)
        permissions = node.get("default_member_permissions")
        who = "admins" if admin or permissions not in (None, "", "0") else "everyone"
        rows.append((" ".join(usage), who, what))

    for command in sorted(schema, key=lambda c: c["name"]):
        if command.get("type", 1) == 1:
            walk(command["name"], command, False, set(command.get("admin_paths", [])))
    return rows


def menu_rows(schema: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    """(name, what it acts on, what it does) for every context-menu command (Apps menu of a message or user)."""
    targets = {2: "a member", 3: "a message"}
    return [
        (command["name"], targets[command["type"]], _cell(command.get("help", "")))
        for command in sorted(schema, key=lambda c: c["name"])
        if command.get("type", 1) in targets
    ]


# --- the command line -----------------------------------------------------------------------------------
def cli_rows(parser: argparse.ArgumentParser) -> list[tuple[str, str]]:
    """(usage, help) for every listed sub-command, nested ones (`limits set`) included."""
    rows: list[tuple[str, str]] = []

    def walk(p: argparse.ArgumentParser) -> None:
        for action in p._actions:  # argparse keeps its sub-commands here and nowhere public
            if not isinstance(action, argparse._SubParsersAction):
                continue
            for listed in action._choices_actions:
                child = action.choices[listed.dest]
                if any(isinstance(a, argparse._SubParsersAction) for a in child._actions):
                    walk(child)
                else:
                    rows.append((_usage(child), _cell(listed.help or "")))

    walk(parser)
    return rows


def _usage(parser: argparse.ArgumentParser) -> str:
    # A very wide formatter keeps the usage on one line, whatever the terminal's width.
    parser.formatter_class = functools.partial(argparse.HelpFormatter, width=10_000)
    usage = parser.format_usage().strip().removeprefix("usage: ")
    usage = usage.replace(" [-h]", "", 1)
    return "python -m bot" + usage.removeprefix(parser.prog.split()[0])


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


# --- the README section ---------------------------------------------------------------------------------
async def reference_markdown(settings: Settings) -> str:
    from bot.cli import build_parser

    lines = [
        "### Slash commands",
        "",
        "Typed in Discord (and at the sandbox prompt). `[option:…]` is optional. *admins*: members with",
        "Manage Server or the role set by `/config admin-role`.",
        "",
        "| command | who | does |",
        "|---|---|---|",
    ]
    schema = await slash_schema(settings)
    lines += [f"| `{usage}` | {who} | {what} |" for usage, who, what in slash_rows(schema)]
    menus = menu_rows(schema)
    if menus:
        lines += [
            "",
            "### Context menus",
            "",
            "Right-click (or long-press) a message or member → *Apps*.",
            "",
            "| command | on | does |",
            "|---|---|---|",
        ]
        lines += [f"| {name} | {target} | {what} |" for name, target, what in menus]
    lines += ["", "### Command line", "", "| command | does |", "|---|---|"]
    lines += [f"| `{usage}` | {what} |" for usage, what in cli_rows(build_parser())]
    return "\n".join(lines) + "\n"


def readme_section(readme: str) -> str:
    """The text between the markers (without them)."""
    match = re.search(re.escape(START) + r"\n(.*?)" + re.escape(END), readme, re.DOTALL)
    if match is None:
        raise ValueError(f"the README has no {START} ... {END} section")
    return match.group(1)


def replace_section(readme: str, text: str) -> str:
    readme_section(readme)  # raises when the markers are missing
    return re.sub(
        re.escape(START) + r"\n.*?" + re.escape(END),
        lambda _m: f"{START}\n{text}{END}",
        readme,
        count=1,
        flags=re.DOTALL,
    )
