"""What the sandbox's prompt shows of its Discord: the bot's messages and answers, the chat messages a person
posts (/say), the numbers to press a button or open a message's Apps menu by, and the files that came."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.sandbox.console import Printer
from bot.sandbox.discord import DiscordEmulator, Guild, Message
from bot.sandbox.render_terminal import Style, TerminalRenderer, utc_text


@dataclass(frozen=True)
class Asked:
    """What an interaction was, as the transcript names it: what was typed (or pressed), by whom."""

    what: str
    who: str


class Transcript:
    """Prints each message once as it comes (an edit again, marked), numbering its buttons for /press and
    the chat messages posted with /say for /menu."""

    def __init__(
        self,
        emulator: DiscordEmulator,
        guild: Guild,
        printer: Printer,
        now: Callable[[], datetime],
        style: Style,
        files_dir: Path,
        message_menus: Callable[[], list[str]] = list,
    ) -> None:
        self.emulator = emulator
        self.guild = guild
        self.printer = printer
        self.render = TerminalRenderer(now, self.name_of, style)
        self.files_dir = files_dir
        self.message_menus = message_menus  # the names of the bot's message context menus ("Apps")
        self._asked: dict[int, Asked] = {}  # interaction id -> what it was
        self._shown: set[int] = set()  # message ids printed at least once
        self._saved: dict[int, Path] = {}  # attachment id -> where it was written, numbered in order
        self.buttons: dict[int, tuple[Message, str]] = {}
        self._button_numbers: dict[tuple[int, str], int] = {}
        self.chat: dict[int, Message] = {}  # /say's messages by their number

    def asked(self, interaction_id: int, what: str, who: str) -> None:
        self._asked[interaction_id] = Asked(what, who)

    def on_message(self, event: str, message: Message) -> None:
        """The emulator's message listener: what the bot posts, edits or deletes."""
        self.show(message, event)

    def show(self, message: Message, event: str) -> None:
        if event == "delete":
            if message.id in self._shown:
                self.printer.write([self.render.style.dim("(a message shown above was deleted)")])
            return
        if message.loading:
            return  # "Checkback is thinking…": the answer replaces it
        first = message.id not in self._shown
        if not first and event == "create":
            return
        self._shown.add(message.id)
        self.printer.write(self.message_lines(message, edited=not first))

    def said(self, message: Message, who: str) -> int:
        """A chat message `who` posted, printed with the number /menu takes; returns the number."""
        number = len(self.chat) + 1
        self.chat[number] = message
        s = self.render.style
        lines = [f"{self._stamp()} {s.bold(who)} in {self._where(message)} · message {number}"]
        lines.extend(f"  {line}" for line in message.content.splitlines())
        menus = self.message_menus()
        if menus:  # what its Apps menu offers, as the command that uses it
            lines.append("  " + s.dim("apps: ") + "  ".join(f'/menu "{name}" {number}' for name in menus))
        self.printer.write(lines)
        return number

    def message_lines(self, message: Message, *, edited: bool = False) -> list[str]:
        s = self.render.style
        if message.interaction_id is not None:
            asked = self._asked.get(message.interaction_id, Asked("a command", "someone"))
            private = " · only you can see this" if message.ephemeral else ""
            head = f"{self._stamp()} {s.bold('Checkback')} → {asked.what} ({asked.who}){private}"
        else:
            head = f"{self._stamp()} {s.bold('Checkback')} in {self._where(message)}"
        if edited:
            head += s.dim(" (edited)")
        lines = [head]
        lines.extend(f"  {line}" for line in self.render.text(message.content).splitlines())
        if message.pings:
            lines.append(s.dim(f"  🔔 {self._pinged(message)}"))
        for n, embed in enumerate(message.embeds):
            if n:
                lines.append("")  # several updates batched in one message: one block each
            lines.extend(self.render.embed(embed))
        for attachment in message.attachments:
            lines.append(f"  📎 {self._save(attachment)} ({attachment.size / 1024:.0f} kB)")
        lines.extend(self.render.components(message.components, lambda cid: self._number(message, cid)))
        return lines

    def _stamp(self) -> str:
        return self.render.style.dim(f"[{utc_text(self.render.now())}]")

    def _where(self, message: Message) -> str:
        channel = self.emulator.channel(message.channel_id)
        return f"#{channel.name}" if channel is not None else f"channel {message.channel_id}"

    def _number(self, message: Message, custom_id: str) -> int | None:
        if not custom_id:
            return None
        key = (message.id, custom_id)
        if key not in self._button_numbers:
            self._button_numbers[key] = len(self._button_numbers) + 1
        n = self._button_numbers[key]
        self.buttons[n] = (message, custom_id)
        return n

    def _save(self, attachment: Any) -> str:
        """The file written once, as NNN-name in the order files arrived (the same names every run)."""
        path = self._saved.get(attachment.id)
        if path is None:
            safe = re.sub(r"[^A-Za-z0-9._-]", "_", attachment.filename) or "file"
            path = self.files_dir / f"{len(self._saved) + 1:03d}-{safe}"
            self.files_dir.mkdir(parents=True, exist_ok=True)
            path.write_bytes(attachment.data)
            self._saved[attachment.id] = path
        with contextlib.suppress(ValueError):
            return str(path.resolve().relative_to(Path.cwd()))
        return str(path)

    def _pinged(self, message: Message) -> str:
        """Whom the message pings, as Discord decides it: roles by name, and who is notified."""
        p = message.pings
        who = ["@everyone/@here"] if p.everyone else []
        who += [f"@{self.name_of(i) or i}" for i in sorted(p.users) + sorted(p.roles)]
        quiet = sorted(p.roles - message.notified.roles)
        note = f" (not notified: {', '.join(f'@{self.name_of(r) or r}' for r in quiet)})" if quiet else ""
        return f"pings {', '.join(who)}{note}"

    def name_of(self, snowflake: int) -> str | None:
        guild = self.guild
        if snowflake in guild.members:
            return guild.members[snowflake].name
        if snowflake in guild.roles:
            return guild.roles[snowflake].name
        channel = self.emulator.channel(snowflake)
        return channel.name if channel is not None else None
