"""The layer rules of the README's Layout, read from the source with `ast` (nothing is imported):
db/ imports nothing of bot/ or cogs/; cogs/ import nothing of db/; the services (bot/ outside bot/discord,
bot/sandbox and bot/cli) import neither discord.py, the sandbox nor cogs/. (The size limit of a module is
test_module_size.py's.)"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "cogs", "db")
# Packages of bot/ that are not services: the Discord adapters, the sandbox and the command line.
NOT_SERVICES = ("bot.discord", "bot.sandbox", "bot.cli")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> Iterator[tuple[str, Path]]:
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            yield module_name(path), path


def imported(name: str, path: Path) -> Iterator[tuple[int, str]]:
    """(line, module) for every import in the file, those inside functions and TYPE_CHECKING included;
    relative imports resolved against the module's package."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            yield node.lineno, base
            for alias in node.names:  # `from bot import sandbox` imports bot.sandbox
                yield node.lineno, f"{base}.{alias.name}"


def within(module: str, *prefixes: str) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def is_service(module: str) -> bool:
    return within(module, "bot") and not within(module, *NOT_SERVICES)


def broken_rules() -> list[str]:
    broken = []
    for name, path in modules():
        for line, target in imported(name, path):
            where = f"{path.relative_to(ROOT)}:{line} imports {target}"
            if within(name, "db") and within(target, "bot", "cogs"):
                broken.append(f"{where}: db/ imports nothing of bot/ or cogs/")
            if within(name, "cogs") and within(target, "db"):
                broken.append(f"{where}: cogs/ reach the database through the services, not db/")
            if is_service(name) and within(target, "discord"):
                broken.append(f"{where}: the services import no discord (adapters live in bot/discord/)")
            if is_service(name) and within(target, "bot.sandbox"):
                broken.append(f"{where}: the services import nothing of the sandbox")
            if is_service(name) and within(target, "cogs"):
                broken.append(f"{where}: the services import nothing of cogs/ (cogs call services)")
    return sorted(set(broken))


def test_every_layer_rule_holds() -> None:
    assert broken_rules() == []


def test_the_walk_sees_every_kind_of_import(tmp_path: Path) -> None:
    """The checker itself: a relative, a lazy and a `from package import module` import are all seen."""
    source = (
        "from . import sibling\n"
        "from ..db import pool\n"
        "def lazy():\n"
        "    import discord.ext\n"
        "    from bot import sandbox\n"
    )
    path = tmp_path / "mod.py"
    path.write_text(source)
    found = {target for _, target in imported("bot.services.mod", path)}
    assert {"bot.services.sibling", "bot.db.pool", "discord.ext", "bot.sandbox"} <= found
    assert is_service("bot.services.mod") and not is_service("bot.discord.app")
    assert within("discord.ext", "discord") and not within("discordant", "discord")
