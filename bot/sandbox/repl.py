"""The sandbox prompt: type slash commands as in Discord, see the bot's replies and the channel's updates."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import shlex
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from bot.errors import CheckbackError
from bot.metrics.urls import parse_video_url
from bot.sandbox.discord import Interaction, InvalidInvocation, Member, Message
from bot.sandbox.render_terminal import Style, TerminalRenderer, utc_text
from bot.sandbox.stack import Stack

log = logging.getLogger(__name__)

DEFAULT_SPEED = 14_400.0  # 4 h of sandbox time a second: a 30-day schedule plays out in 3 minutes
REPLY_TIMEOUT = 30.0  # wall seconds the prompt waits for the bot to answer a command
DRAIN_TIMEOUT = 30.0  # wall seconds a script waits for the last notifications to reach the channel
HORIZON = timedelta(days=400)  # a script never fast-forwards further than this (a schedule that never ends)
DEMO_VIDEOS = (
    # (username, video id, published this long before the sandbox starts)
    ("demo", "7301234567890123456", timedelta(minutes=5)),
    ("studio.lumen", "7301234567890120001", timedelta(days=2, hours=1)),
    ("maker_jo", "7301234567890120002", timedelta(days=8)),
)
META_HELP = (
    ("/help", "this list"),
    ("/as admin|member", "who types the next commands (admin has Manage Server)"),
    ("/wait DURATION", "fast-forward the sandbox clock, e.g. /wait 1d, /wait 6h, /wait 2w; due checks run"),
    ("/press N", "press button N of a message shown above"),
    ("/time", "the sandbox time and the next check-back"),
    ("/quit", "leave (Ctrl-D works too)"),
)
_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(w|d|h|m|min|s)", re.IGNORECASE)
_UNIT_SECONDS = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "min": 60, "s": 1}


def parse_duration(text: str) -> timedelta:
    """'1d', '6h', '1d12h', '90m', '2w' as a timedelta; anything else is a ValueError with the reason."""
    cleaned = text.strip().lower().replace(" ", "")
    if not cleaned or _DURATION.sub("", cleaned):
        raise ValueError(f"{text!r} is not a duration like 30m, 6h, 1d or 2w")
    seconds = sum(float(n) * _UNIT_SECONDS[u] for n, u in _DURATION.findall(cleaned))
    return timedelta(seconds=seconds)


class SandboxClock:
    """A ScaledClock (time `speed` times faster than the wall clock, `jump` to fast-forward) that can also
    hold still, so the checks due at one instant run at that instant and are not reported as late."""

    def __init__(self, speed: float = DEFAULT_SPEED, start: datetime | None = None) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.speed = speed
        self._base = (start or datetime.now(UTC)).astimezone(UTC)
        self._mono = time.monotonic()
        self._held: datetime | None = None

    def now(self) -> datetime:
        if self._held is not None:
            return self._held
        return self._base + timedelta(seconds=(time.monotonic() - self._mono) * self.speed)

    def jump(self, delta: timedelta) -> datetime:
        if delta > timedelta(0):
            if self._held is not None:
                self._held += delta
            else:
                self._base += delta
        return self.now()

    def hold(self) -> datetime:
        if self._held is None:
            self._held = self.now()
        return self._held

    def release(self) -> None:
        if self._held is not None:
            self._base, self._mono, self._held = self._held, time.monotonic(), None

    def real_seconds_until(self, when: datetime) -> float:
        """Wall-clock seconds until this clock reads `when` (0 when it already does)."""
        return max(0.0, (when - self.now()).total_seconds() / self.speed)


class Printer:
    """Writes output lines; while the prompt waits for input it redraws the prompt and what was typed,
    so a notification arriving mid-typing does not scramble the line."""

    def __init__(self, out: TextIO, *, interactive: bool) -> None:
        self.out = out
        self.interactive = interactive
        self.prompt: str | None = None  # set while the input thread is waiting

    def write(self, lines: Iterable[str]) -> None:
        text = "\n".join(lines)
        if self.interactive and self.prompt is not None:
            buffer = _readline_buffer()
            self.out.write(f"\r\x1b[K{text}\n{self.prompt}{buffer}")
        else:
            self.out.write(text + "\n")
        self.out.flush()


def _readline_buffer() -> str:
    try:
        import readline
    except ImportError:  # Windows without pyreadline: no line editing at all
        return ""
    return readline.get_line_buffer()


@dataclass
class Outcome:
    """How one typed line went: ok, or the one line saying why not."""

    ok: bool
    error: str | None = None


class Sandbox:
    """One person at the sandbox prompt: runs typed lines against the Stack, prints what Discord shows."""

    def __init__(
        self,
        stack: Stack,
        clock: SandboxClock,
        printer: Printer,
        *,
        files_dir: Path,
        style: Style | None = None,
    ) -> None:
        self.stack = stack
        self.clock = clock
        self.printer = printer
        self.files_dir = files_dir
        self.emulator = stack.emulator
        self.world = stack.world
        self.members: dict[str, Member] = {"admin": self.world.admin, "member": self.world.member}
        self.who = "member"
        self.render = TerminalRenderer(clock.now, self._name_of, style or Style())
        self._asked: dict[int, tuple[str, str]] = {}  # interaction id -> (what was typed, by whom)
        self._shown: set[int] = set()  # message ids printed at least once
        self._saved: set[int] = set()  # attachment ids written to files_dir
        self._buttons: dict[int, tuple[Message, str]] = {}
        self._button_numbers: dict[tuple[int, str], int] = {}
        self._published: set[str] = set()  # video ids this sandbox registered with the simulator
        self._time_lock = asyncio.Lock()
        self._pacer: asyncio.Task[None] | None = None
        self.emulator.message_listeners.append(self._on_message)

    @property
    def member(self) -> Member:
        return self.members[self.who]

    @property
    def tracking(self) -> Any:
        return self.stack.bot.services.tracking

    # --- typed lines ----------------------------------------------------------------------------------
    async def execute(self, line: str) -> Outcome:
        """Run one typed line; an empty line or a comment does nothing."""
        line = line.strip()
        if not line or line.startswith("#"):
            return Outcome(True)
        if not line.startswith("/"):
            return self._fail(f"commands start with a slash, e.g. /help (got {line!r})")
        word, _, rest = line[1:].partition(" ")
        meta = {
            "help": self._help,
            "as": self._as,
            "wait": self._wait,
            "press": self._press,
            "time": self._time,
        }.get(word.lower())
        try:
            if meta is not None:
                return await meta(rest.strip())
            return await self._slash(line)
        except (InvalidInvocation, CheckbackError) as exc:
            message = exc.user_message if isinstance(exc, CheckbackError) else str(exc)
            return self._fail(message)
        except Exception as exc:  # the prompt outlives any one command; the traceback goes to the log
            log.exception("sandbox command %r failed", line)
            return self._fail(f"{type(exc).__name__}: {exc} (the traceback is in the log)")

    def _fail(self, why: str) -> Outcome:
        self.printer.write([f"✗ {why}"])
        return Outcome(False, why)

    async def _slash(self, line: str) -> Outcome:
        commands = self.emulator.visible_commands(self.world.guild)
        path, values = self.emulator.parse_invocation(self.member, as_discord_reads(commands, line))
        if path == "track" and isinstance(values.get("url"), str):
            self._publish_fresh(values["url"])
        interaction = await self.emulator.invoke(
            self.member, path, channel=self.world.channel, options=values
        )
        self._asked[interaction.id] = (f"/{path}", self.who)
        return await self._await_answer(interaction, f"/{path}")

    async def _await_answer(self, interaction: Interaction, what: str) -> Outcome:
        try:
            message = await interaction.final(timeout=REPLY_TIMEOUT)
        except TimeoutError:
            return self._fail(f"the bot did not answer {what} within {REPLY_TIMEOUT:g} s (see the log)")
        # A reply the emulator saw before this coroutine resumed is printed by the listener already.
        self._show(message, "create")
        if "Reference: `" in message.content:  # the error handler's "something unexpected" reply
            return Outcome(False, f"{what} failed unexpectedly: {self.render.text(message.content)}")
        return Outcome(True)

    def _publish_fresh(self, url: str) -> None:
        """In the sandbox a video tracked for the first time was published five minutes ago, so its whole
        check-back schedule lies ahead however long the sandbox has been running."""
        try:
            ref = parse_video_url(url)
        except CheckbackError:
            return  # the bot will say what is wrong with the link
        if ref.video_id is None or ref.video_id in self._published:
            return
        self._published.add(ref.video_id)
        self.stack.simulator.add_video(
            ref.video_id, self.clock.now() - timedelta(minutes=5), username=ref.username
        )

    # --- sandbox commands -----------------------------------------------------------------------------
    async def _help(self, _rest: str) -> Outcome:
        lines = ["Slash commands the bot registered (options in [brackets] are optional):"]
        for usage, description in command_usages(self.emulator.visible_commands(self.world.guild)):
            lines.append(f"  {usage}")
            lines.append(f"      {description}")
        lines.append("Sandbox commands:")
        lines.extend(f"  {usage:<18} {what}" for usage, what in META_HELP)
        lines.append("Tab completes commands and options. Times are UTC on the sandbox clock.")
        self.printer.write(lines)
        return Outcome(True)

    async def _as(self, rest: str) -> Outcome:
        if rest not in self.members:
            return self._fail(f"/as needs one of {sorted(self.members)}, not {rest!r}")
        self.who = rest
        admin = " (Manage Server: may use admin commands)" if rest == "admin" else ""
        self.printer.write([f"now typing as {rest}{admin}"])
        return Outcome(True)

    async def _wait(self, rest: str) -> Outcome:
        try:
            delta = parse_duration(rest)
        except ValueError as exc:
            return self._fail(f"/wait {exc}")
        start = self.clock.now()
        await self.advance(delta)
        self.printer.write([self.render.style.dim(f"⏩ {_span(delta)} later: {utc_text(self.clock.now())}")])
        log.info("fast-forwarded from %s by %s", start, delta)
        return Outcome(True)

    async def _press(self, rest: str) -> Outcome:
        if not rest.isdigit() or int(rest) not in self._buttons:
            known = sorted(self._buttons)
            return self._fail(f"/press needs the number of a button shown above (known: {known or 'none'})")
        message, custom_id = self._buttons[int(rest)]
        interaction = await self.emulator.press(self.member, message, custom_id)
        self._asked[interaction.id] = (f"button {rest}", self.who)
        return await self._await_answer(interaction, f"button {rest}")

    async def _time(self, _rest: str) -> Outcome:
        nxt = await self.tracking.next_check_in()
        then = "no check-back scheduled" if nxt is None else f"next check-back in {_span(nxt)}"
        self.printer.write([f"sandbox time {utc_text(self.clock.now())}; {then}"])
        return Outcome(True)

    async def seed_demo(self) -> Outcome:
        """Track a few demo posts at different ages, as a member would."""
        now = self.clock.now()
        outcome = Outcome(True)
        for username, video_id, age in DEMO_VIDEOS:
            self._published.add(video_id)
            self.stack.simulator.add_video(video_id, now - age, username=username)
            line = f"/track url:https://www.tiktok.com/@{username}/video/{video_id}"
            self.printer.write([self.render.style.dim(f"{self.who}> {line}")])
            result = await self.execute(line)
            outcome = outcome if result.ok else result
        return outcome

    # --- time -----------------------------------------------------------------------------------------
    async def advance(self, delta: timedelta) -> None:
        """Move the clock `delta` ahead, stopping at every check-back due on the way so each runs on time."""
        until = self.clock.now() + delta
        while await self._step(until):
            pass
        async with self._time_lock:
            self.clock.jump(until - self.clock.now())
        await self.drain()

    async def settle(self, limit: timedelta | None = None) -> bool:
        """Fast-forward check-back by check-back until no post has one left (or `limit` has passed);
        False when the horizon was reached with checks still scheduled."""
        until = self.clock.now() + (limit or HORIZON)
        while await self._step(until):
            pass
        if limit is not None:
            async with self._time_lock:
                self.clock.jump(until - self.clock.now())
        await self.drain()
        return limit is not None or await self.tracking.next_check_in() is None

    async def _step(self, until: datetime | None) -> bool:
        """Jump to the next due check-back (if it falls before `until`), run it and send its notifications
        with the clock held at that instant. False when there was none to run."""
        async with self._time_lock:
            self.clock.hold()
            try:
                nxt = await self.tracking.next_check_in()
                if nxt is None or (until is not None and self.clock.now() + nxt > until):
                    return False
                self.clock.jump(nxt)
                await self._run_due()
                return True
            finally:
                self.clock.release()

    async def _run_due(self) -> None:
        scheduler = self.stack.bot.services.scheduler
        if scheduler is None:
            return
        for _ in range(100):
            await scheduler.run_checks()  # returns at once when the scheduler's own tick is running
            nxt = await self.tracking.next_check_in()
            if nxt is None or nxt > timedelta(0):
                break
            await asyncio.sleep(0.02)
        await scheduler.run_outbox()

    async def drain(self, patience: float = DRAIN_TIMEOUT) -> bool:
        """Wait until every notification written so far reached the channel (False: some did not)."""
        from db.outbox import count_pending

        scheduler = self.stack.bot.services.scheduler
        deadline = time.monotonic() + patience
        while time.monotonic() < deadline:
            async with self.stack.runtime.pool.acquire() as conn:
                if await count_pending(conn) == 0:
                    return True
            if scheduler is not None:
                await scheduler.run_outbox()
            await asyncio.sleep(0.05)
        return False

    def start_pacing(self) -> None:
        """Run due check-backs on time as the sandbox clock runs (the scheduler alone would be a little
        late at high speed, and every update would say so)."""
        if self._pacer is None:
            self._pacer = asyncio.create_task(self._pace(), name="sandbox-pacer")

    async def stop_pacing(self) -> None:
        if self._pacer is not None:
            self._pacer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pacer
            self._pacer = None

    async def _pace(self) -> None:
        while True:
            try:
                nxt = await self.tracking.next_check_in()
                if nxt is None:
                    await asyncio.sleep(0.25)
                    continue
                wait = nxt.total_seconds() / self.clock.speed
                if wait > 0.002:
                    await asyncio.sleep(min(wait, 0.25))
                    continue
                await self._step(None)
                await asyncio.sleep(0.01)
            except asyncio.CancelledError:
                raise
            except Exception:  # the scheduler's tick still runs the checks; say so in the log only
                log.exception("sandbox pacer failed; retrying")
                await asyncio.sleep(1.0)

    # --- showing messages -----------------------------------------------------------------------------
    def _on_message(self, event: str, message: Message) -> None:
        self._show(message, event)

    def _show(self, message: Message, event: str) -> None:
        if event == "delete":
            if message.id in self._shown:
                self.printer.write([self.render.style.dim(f"(message {message.id} was deleted)")])
            return
        if message.loading:
            return  # "Checkback is thinking…": the answer replaces it
        first = message.id not in self._shown
        if not first and event == "create":
            return
        self._shown.add(message.id)
        self.printer.write(self.message_lines(message, edited=not first))

    def message_lines(self, message: Message, *, edited: bool = False) -> list[str]:
        s = self.render.style
        stamp = s.dim(f"[{utc_text(self.clock.now())}]")
        if message.interaction_id is not None:
            what, who = self._asked.get(message.interaction_id, ("a command", "someone"))
            private = " · only you can see this" if message.ephemeral else ""
            head = f"{stamp} {s.bold('Checkback')} → {what} ({who}){private}"
        else:
            channel = self.emulator.channel(message.channel_id)
            where = f"#{channel.name}" if channel is not None else f"channel {message.channel_id}"
            head = f"{stamp} {s.bold('Checkback')} in {where}"
        if edited:
            head += s.dim(" (edited)")
        lines = [head]
        lines.extend(f"  {line}" for line in self.render.text(message.content).splitlines())
        for n, embed in enumerate(message.embeds):
            if n:
                lines.append("")  # several updates batched in one message: one block each
            lines.extend(self.render.embed(embed))
        for attachment in message.attachments:
            lines.append(f"  📎 {self._save(attachment)} ({attachment.size / 1024:.0f} kB)")
        lines.extend(self.render.components(message.components, lambda cid: self._number(message, cid)))
        return lines

    def _number(self, message: Message, custom_id: str) -> int | None:
        if not custom_id:
            return None
        key = (message.id, custom_id)
        if key not in self._button_numbers:
            self._button_numbers[key] = len(self._button_numbers) + 1
        n = self._button_numbers[key]
        self._buttons[n] = (message, custom_id)
        return n

    def _save(self, attachment: Any) -> str:
        safe = re.sub(r"[^A-Za-z0-9._-]", "_", attachment.filename) or "file"
        path = self.files_dir / f"{attachment.id}-{safe}"
        if attachment.id not in self._saved:
            self.files_dir.mkdir(parents=True, exist_ok=True)
            path.write_bytes(attachment.data)
            self._saved.add(attachment.id)
        with contextlib.suppress(ValueError):
            return str(path.resolve().relative_to(Path.cwd()))
        return str(path)

    def _name_of(self, snowflake: int) -> str | None:
        guild = self.world.guild
        if snowflake in guild.members:
            return guild.members[snowflake].name
        if snowflake in guild.roles:
            return guild.roles[snowflake].name
        channel = self.emulator.channel(snowflake)
        return channel.name if channel is not None else None


# --- the command list, for /help and tab completion ---------------------------------------------------
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

    META = ("/help", "/as", "/wait", "/press", "/time", "/quit")

    def __init__(self, commands: Callable[[], list[dict[str, Any]]]) -> None:
        self.commands = commands
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


def _span(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    parts = [f"{days} d" if days else "", f"{hours} h" if hours else "", f"{minutes} min" if minutes else ""]
    return " ".join(p for p in parts if p) or "0 min"


# --- the two ways to run it ---------------------------------------------------------------------------
class LineReader:
    """Lines typed at the prompt, read on a daemon thread (quitting never waits for a keypress). The
    prompt shows again only after `next()`, once the previous line's answer is printed."""

    def __init__(self, printer: Printer, prompt: Callable[[], str]) -> None:
        self._printer = printer
        self._prompt = prompt
        self._queue: asyncio.Queue[str | None] = asyncio.Queue()
        self._turn = threading.Event()
        self._loop = asyncio.get_running_loop()
        threading.Thread(target=self._read, name="sandbox-input", daemon=True).start()

    async def get(self) -> str | None:
        """The next line; None at the end of input (Ctrl-D)."""
        self._turn.set()
        return await self._queue.get()

    def _read(self) -> None:
        while True:
            self._turn.wait()
            self._turn.clear()
            text = self._prompt()
            self._printer.prompt = text
            try:
                line: str | None = input(text)
            except EOFError:
                line = None
            self._printer.prompt = None
            self._loop.call_soon_threadsafe(self._queue.put_nowait, line)
            if line is None:
                return


async def interactive(sandbox: Sandbox) -> int:
    """The prompt: one line at a time until /quit or end of input."""
    reader = LineReader(sandbox.printer, lambda: f"{sandbox.who}> ")
    sandbox.start_pacing()
    try:
        while True:
            line = await reader.get()
            if line is None or line.strip().lower() in ("/quit", "/exit", "/q"):
                if line is None:
                    sandbox.printer.write([""])
                return 0
            await sandbox.execute(line)
    finally:
        await sandbox.stop_pacing()


def read_script(path: Path) -> list[str]:
    """The script's lines; a file that cannot be read is a CheckbackError with one line."""
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise CheckbackError(f"cannot read the script {path}: {exc}") from None


async def scripted(sandbox: Sandbox, path: Path, lines: list[str], run_for: timedelta | None) -> int:
    """Run the script's lines, then let the schedule play out; 1 (with FILE:LINE: why) at the first
    failure."""
    sandbox.start_pacing()
    try:
        for number, line in enumerate(lines, start=1):
            text = line.strip()
            if not text or text.startswith("#"):
                continue
            sandbox.printer.write([sandbox.render.style.bold(f"{sandbox.who}> {text}")])
            if text.lower() in ("/quit", "/exit"):
                break
            outcome = await sandbox.execute(text)
            if not outcome.ok:
                await sandbox.drain(patience=5)
                print(f"error: {path}:{number}: {text}: {outcome.error}", file=sys.stderr)
                return 1
    finally:
        await sandbox.stop_pacing()
    done = await sandbox.settle(run_for)
    if not await sandbox.drain():
        print("error: some notifications were never delivered to the channel", file=sys.stderr)
        return 1
    state = "every schedule is complete" if done else f"stopped at the {HORIZON.days}-day horizon"
    if run_for is not None:
        state = f"ran {_span(run_for)} of sandbox time"
    sandbox.printer.write([f"— {state}; sandbox time {utc_text(sandbox.clock.now())}"])
    return 0
