"""The command list the bot registered, as the sandbox's prompt shows it: /help's usages, the quoting of
typed options, and tab completion."""

from __future__ import annotations

import contextlib
import logging
import shlex
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.sandbox.discord import Guild
from bot.sandbox.discord.commands import MESSAGE_MENU, command_names

log = logging.getLogger(__name__)

SUB_COMMAND, SUB_COMMAND_GROUP = 1, 2


def leaf_commands(commands: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    """('limits set', schema of its leaf) for every invocable path, in name order."""
    out: list[tuple[str, dict[str, Any]]] = []

    def walk(prefix: str, node: dict[str, Any]) -> None:
        subs = [o for o in node.get("options") or [] if o["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP)]
        if not subs:
            out.append((prefix, node))
        for sub in subs:
            walk(f"{prefix} {sub['name']}", sub)

    for command in sorted(commands, key=lambda c: c["name"]):
        if command.get("type", 1) == 1:
            walk(command["name"], command)
    return out


def as_discord_reads(commands: list[dict[str, Any]], line: str) -> str:
    """The line with each option's whole value quoted, as Discord's client separates options: in
    `/track url:… note:launch teaser` the note is "launch teaser", and an apostrophe needs no quoting."""
    try:
        tokens = shlex.split(line.strip())
    except ValueError:  # an unbalanced quote, as in "it's": take the words as they are
        tokens = line.split()
    leaves = dict(leaf_commands(commands))
    words: list[str] = []
    while tokens and ":" not in tokens[0] and " ".join([*words, tokens[0]]).lstrip("/") in _prefixes(leaves):
        words.append(tokens.pop(0))
    node = leaves.get(" ".join(words).lstrip("/"))
    if node is None:
        return line  # the emulator explains what is wrong with the command
    names = {o["name"] for o in node.get("options") or []}
    pairs: list[list[str]] = []
    for token in tokens:
        name = token.partition(":")[0]
        if ":" in token and name in names or not pairs:
            pairs.append([token])
        else:
            pairs[-1].append(token)
    return " ".join([*words, *(shlex.quote(" ".join(p)) for p in pairs)])


def _prefixes(leaves: dict[str, Any]) -> set[str]:
    out: set[str] = set()
    for path in leaves:
        parts = path.split()
        out.update(" ".join(parts[: i + 1]) for i in range(len(parts)))
    return out


def mention_names(guild: Guild, kind: int) -> list[str]:
    """What a person can type for a user (6), channel (7), role (8) or mentionable (9) option, as
    parse_line reads it: `#alerts`, `@social-team`, `@member`."""
    names = [f"#{c.name}" for c in guild.text_channels] if kind == 7 else []
    if kind in (8, 9):
        names += [f"@{r.name}" for r in guild.roles.values() if r.id != guild.id and not r.managed]
    if kind in (6, 9):
        names += [f"@{m.name}" for m in guild.members.values() if not m.user.bot]
    return [n for n in names if " " not in n]


def command_usages(commands: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """('/limits set action:<string> daily:<integer> [hourly:<integer>]', description) per command."""
    type_names = {3: "text", 4: "integer", 5: "true|false", 6: "@user", 7: "#channel", 8: "@role"}
    type_names |= {9: "@mention", 10: "number", 11: "file"}
    usages = []
    for path, node in leaf_commands(commands):
        parts = [f"/{path}"]
        for option in node.get("options") or []:
            choices = option.get("choices")
            kind = "|".join(str(c["value"]) for c in choices) if choices else type_names.get(option["type"])
            text = f"{option['name']}:<{kind}>"
            parts.append(text if option.get("required") else f"[{text}]")
        usages.append((" ".join(parts), node.get("description", "")))
    return usages


class Completer:
    """readline completion from the registered commands: names, subcommands, `option:`, choices."""

    META = ("/help", "/as", "/wait", "/press", "/say", "/menu", "/time", "/quit")

    def __init__(
        self,
        commands: Callable[[], list[dict[str, Any]]],
        mentions: Callable[[int], list[str]] = lambda _kind: [],
    ) -> None:
        self.commands = commands
        # What a person may name for an option of a type (7: "#alerts", 8: "@social-team"), as typed.
        self.mentions = mentions
        self._matches: list[str] = []

    def candidates(self, line: str) -> list[str]:
        """Every completion of the last word of `line` (the text before the cursor)."""
        words = line.split(" ")
        current, before = words[-1], [w for w in words[:-1] if w]
        leaves = leaf_commands(self.commands())
        if not before:
            names = sorted({f"/{path.split()[0]}" for path, _ in leaves} | set(self.META))
            return [n + " " for n in names if n.startswith(current)]
        if before == ["/as"]:
            return [w + " " for w in ("admin", "member") if w.startswith(current)]
        if before == ["/menu"]:  # a message context menu's name, quoted (it has spaces)
            names = command_names(self.commands(), kind=MESSAGE_MENU)
            return [f'"{n}" ' for n in names if f'"{n}'.startswith(current) or n.startswith(current)]
        typed = " ".join(w for w in before if ":" not in w).lstrip("/")
        subs = sorted(
            {
                path.split()[len(typed.split())]
                for path, _ in leaves
                if path.startswith(typed + " ") and len(path.split()) > len(typed.split())
            }
        )
        if subs and not any(":" in w for w in before):
            return [s + " " for s in subs if s.startswith(current)]
        node = next((n for path, n in leaves if path == typed), None)
        if node is None:
            return []
        options = node.get("options") or []
        if ":" in current:
            name, _, value = current.partition(":")
            spec = next((o for o in options if o["name"] == name), None)
            choices = [str(c["value"]) for c in (spec or {}).get("choices") or []]
            if spec is not None and spec["type"] == 5:
                choices = ["true", "false"]
            elif spec is not None and not choices:
                choices = self.mentions(spec["type"])
            return [f"{name}:{c} " for c in choices if c.startswith(value)]
        given = {w.partition(":")[0] for w in before if ":" in w}
        return [f"{o['name']}:" for o in options if o["name"] not in given and o["name"].startswith(current)]

    def complete(self, text: str, state: int) -> str | None:
        if state == 0:
            import readline

            line = readline.get_line_buffer()[: readline.get_endidx()]
            try:
                self._matches = self.candidates(line)
            except Exception:  # a completer that raises is silently disabled by readline
                log.exception("completion failed")
                self._matches = []
        return self._matches[state] if state < len(self._matches) else None


def install_readline(completer: Completer, history: Path) -> None:
    """Tab completion and a history file, where the platform has readline."""
    try:
        import readline
    except ImportError:
        return
    readline.set_completer(completer.complete)
    readline.set_completer_delims(" ")
    if "libedit" in (readline.__doc__ or ""):  # macOS's readline speaks another binding language
        readline.parse_and_bind("bind ^I rl_complete")
    else:
        readline.parse_and_bind("tab: complete")
    with contextlib.suppress(OSError):
        readline.read_history_file(history)
    readline.set_history_length(1000)
    import atexit

    atexit.register(_save_history, history)


def _save_history(history: Path) -> None:
    import readline

    with contextlib.suppress(OSError):
        readline.write_history_file(history)
