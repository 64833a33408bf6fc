"""The sandbox prompt: type slash commands as in Discord, see the bot's replies and the channel's updates."""

from __future__ import annotations

import logging
import shlex
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bot.clock import ManualClock
from bot.errors import CheckbackError
from bot.metrics.urls import find_links, parse_video_url, split_links
from bot.sandbox.completion import as_discord_reads, command_usages
from bot.sandbox.console import LineReader, Printer, parse_duration, span
from bot.sandbox.discord import Interaction, InvalidInvocation, Member
from bot.sandbox.discord.commands import MESSAGE_MENU, command_names
from bot.sandbox.modal_form import Ask, fill, modal_lines
from bot.sandbox.render_terminal import Style, utc_text
from bot.sandbox.stack import Stack
from bot.sandbox.timekeeper import HORIZON, TimeKeeper
from bot.sandbox.transcript import Transcript

log = logging.getLogger(__name__)

DEFAULT_SPEED = 14_400.0  # 4 h of sandbox time a second: a 30-day schedule plays out in 3 minutes
REPLY_TIMEOUT = 30.0  # wall seconds the prompt waits for the bot to answer a command
DEMO_VIDEOS = (
    # (username, video id, published this long before the sandbox starts)
    ("demo", "7301234567890123456", timedelta(minutes=5)),
    ("studio.lumen", "7301234567890120001", timedelta(days=2, hours=1)),
    ("maker_jo", "7301234567890120002", timedelta(days=8)),
)
# A simulated account that publishes about a video every POSTING_EVERY, at its favourite hours and days (its
# habits: bot/sandbox/metrics/habits.py); --seed-demo watches it, so its new posts are announced and tracked.
DEMO_POSTER = "maker_jo"
# New comments an hour on every video the sandbox publishes, some of them questions (/questions on); the demo
# seeds a template their "Draft reply" button can fill.
COMMENTS_PER_HOUR = 3.0
DEMO_TEMPLATE = (
    "answer_question",
    "Hi @{username}! Thanks for asking about “{video_title}”: everything is linked in our bio. — {account}",
)
POSTING_EVERY = timedelta(hours=12)
# What the sandbox's server offers besides #checkbacks: a channel and a role to route alerts to and ping.
ALERTS_CHANNEL = "alerts"
TEAM_ROLE = "social-team"
META_HELP = (
    ("/help", "this list"),
    ("/as admin|member", "who types the next commands (admin has Manage Server)"),
    ("/wait DURATION", "fast-forward the sandbox clock, e.g. /wait 1d, /wait 6h, /wait 2w; due checks run"),
    ("/press N", "press button N of a message shown above"),
    ("/say TEXT", "post TEXT in #checkbacks as the one typing, as a chat message numbered for /menu"),
    ('/menu "NAME" N', 'use the message Apps menu NAME on message N, e.g. /menu "Track TikTok links" 1'),
    ("/cancel", "(while a modal is open) close it without submitting"),
    ("/time", "the sandbox time and the next check-back"),
    ("/quit", "leave (Ctrl-D works too)"),
)


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
        clock: ManualClock,
        printer: Printer,
        *,
        files_dir: Path,
        style: Style | None = None,
        speed: float = DEFAULT_SPEED,
    ) -> None:
        self.stack = stack
        self.clock = clock
        self.printer = printer
        self.files_dir = files_dir
        self.emulator = stack.emulator
        self.world = stack.world
        self.members: dict[str, Member] = {"admin": self.world.admin, "member": self.world.member}
        self.who = "member"
        self.transcript = Transcript(
            self.emulator,
            self.world.guild,
            printer,
            clock.now,
            style or Style(),
            files_dir,
            message_menus=self._message_menus,
        )
        self.render = self.transcript.render
        self._published: set[str] = set()  # video ids this sandbox registered with the simulator
        # Where a modal's fields are read from (the prompt, or the script's next lines); None: nowhere.
        self.ask: Ask | None = None
        self.ask_again = False  # a person re-types a value the form refuses; a script fails
        self.time = TimeKeeper(stack, clock, speed=speed)
        stack.simulator.fresh_comments_per_hour = COMMENTS_PER_HOUR
        self._furnish()
        self._start_posting()
        self.emulator.message_listeners.append(self.transcript.on_message)

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
            "say": self._say,
            "menu": self._menu,
            "time": self._time,
        }.get(word.lower())
        try:
            async with self.time.command():
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
            self._publish_fresh(*split_links(values["url"]))
        interaction = await self.emulator.invoke(
            self.member, path, channel=self.world.channel, options=values
        )
        self.transcript.asked(interaction.id, f"/{path}", self.who)
        return await self._await_answer(interaction, f"/{path}")

    async def _await_answer(self, interaction: Interaction, what: str) -> Outcome:
        try:
            if (await interaction.response(timeout=REPLY_TIMEOUT)).type == 9:
                return await self._fill_modal(interaction, what)
            message = await interaction.final(timeout=REPLY_TIMEOUT)
        except TimeoutError:
            return self._fail(f"the bot did not answer {what} within {REPLY_TIMEOUT:g} s (see the log)")
        # A reply the emulator saw before this coroutine resumed is printed by the listener already.
        self.transcript.show(message, "create")
        if "Reference: `" in message.content:  # the error handler's "something unexpected" reply
            return Outcome(False, f"{what} failed unexpectedly: {self.render.text(message.content)}")
        return Outcome(True)

    async def _fill_modal(self, opened: Interaction, what: str) -> Outcome:
        """The modal the bot opened: shown, filled in field by field (bot/sandbox/modal_form.py), submitted."""
        modal = await opened.wait_for_modal()
        self.printer.write(modal_lines(modal, self.render.style))
        if self.ask is None:
            return self._fail(f"{what} opened a modal, and nothing here can fill it in")
        typed = await fill(
            modal, self.ask, retry=self.ask_again, on_problem=lambda why: self.printer.write([f"✗ {why}"])
        )
        if typed is None:
            self.printer.write([self.render.style.dim(f"(modal {modal.title!r} closed without submitting)")])
            return Outcome(True)
        submitted = await self.emulator.submit_modal(opened, typed)
        self.transcript.asked(submitted.id, what, self.who)
        return await self._await_answer(submitted, what)

    def _publish_fresh(self, *urls: str) -> None:
        """In the sandbox a video tracked for the first time was published five minutes ago, so its whole
        check-back schedule lies ahead however long the sandbox has been running."""
        for url in urls:
            try:
                ref = parse_video_url(url)
            except CheckbackError:
                continue  # the bot will say what is wrong with the link
            if ref.video_id is None or ref.video_id in self._published:
                continue
            self._published.add(ref.video_id)
            self.stack.simulator.add_video(
                ref.video_id, self.clock.now() - timedelta(minutes=5), username=ref.username, comments=0
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
        await self.wait_until(self.clock.now() + delta)
        return Outcome(True)

    async def wait_until(self, until: datetime) -> None:
        """Fast-forward to `until` (nothing when it is not ahead), every stop on the way taken."""
        start = self.clock.now()
        if until <= start:
            return
        await self.time.advance_to(until)
        self.printer.write(
            [self.render.style.dim(f"⏩ {span(until - start)} later: {utc_text(self.clock.now())}")]
        )
        log.info("fast-forwarded from %s to %s", start, until)

    async def _press(self, rest: str) -> Outcome:
        buttons = self.transcript.buttons
        if not rest.isdigit() or int(rest) not in buttons:
            known = sorted(buttons)
            return self._fail(f"/press needs the number of a button shown above (known: {known or 'none'})")
        message, custom_id = buttons[int(rest)]
        interaction = await self.emulator.press(self.member, message, custom_id)
        self.transcript.asked(interaction.id, f"button {rest}", self.who)
        return await self._await_answer(interaction, f"button {rest}")

    async def _say(self, rest: str) -> Outcome:
        """A chat message, as the one typing would post it in #checkbacks: the bot does not read it (it has
        no message-content intent), but its Apps menu can act on it (/menu)."""
        if not rest:
            return self._fail(
                "/say needs the text of the message, e.g. /say look: https://vm.tiktok.com/ZM…/"
            )
        message = self.emulator.post_as(self.member, rest, self.world.channel)
        self.transcript.said(message, self.who)
        return Outcome(True)

    async def _menu(self, rest: str) -> Outcome:
        """`/menu "Track TikTok links" 1`: the message context menu NAME on chat message N, as the one typing."""
        chat, menus = self.transcript.chat, self._message_menus()
        try:
            *words, number = shlex.split(rest)
        except ValueError:  # nothing typed, or an unbalanced quote
            words, number = [], ""
        if not words or not number.isdigit() or int(number) not in chat:
            example = menus[0] if menus else "NAME"
            return self._fail(
                f'/menu needs a menu and the number of a message posted with /say, e.g. /menu "{example}" 1'
                f" (messages: {sorted(chat) or 'none yet'})"
            )
        typed = " ".join(words)
        name = next((m for m in menus if m.casefold() == typed.casefold()), typed)
        message = chat[int(number)]
        self._publish_fresh(*find_links(message.content))
        interaction = await self.emulator.invoke_message_menu(self.member, name, message)
        what = f"{name} on message {number}"
        self.transcript.asked(interaction.id, what, self.who)
        return await self._await_answer(interaction, what)

    def _message_menus(self) -> list[str]:
        """The names of the message context menus the bot registered (Discord's Apps menu on a message)."""
        return command_names(self.emulator.visible_commands(self.world.guild), kind=MESSAGE_MENU)

    async def _time(self, _rest: str) -> Outcome:
        nxt = await self.tracking.next_check_in()
        then = "no check-back scheduled" if nxt is None else f"next check-back in {span(nxt)}"
        self.printer.write([f"sandbox time {utc_text(self.clock.now())}; {then}"])
        return Outcome(True)

    def _furnish(self) -> None:
        """A second channel and a role a person can name in commands (`channel:#alerts ping:@social-team`),
        to route alerts and see whom they ping. The role is mentionable, as a team's alert role would be."""
        guild = self.world.guild
        if not any(c.name == ALERTS_CHANNEL for c in guild.text_channels):
            guild.add_channel(ALERTS_CHANNEL, topic="alerts routed with /config alerts")
        if not any(r.name == TEAM_ROLE for r in guild.roles.values()):
            self.world.member.roles.append(guild.add_role(TEAM_ROLE, mentionable=True))

    def _start_posting(self) -> None:
        """DEMO_POSTER's two weeks of past videos, and its videos to come (as far as a script may run)."""
        simulator = self.stack.simulator
        simulator.add_account(DEMO_POSTER, nickname="Maker Jo", videos=28, every=POSTING_EVERY, habitual=True)
        per_day = timedelta(days=1) / POSTING_EVERY
        simulator.schedule_habitual(DEMO_POSTER, int(HORIZON / POSTING_EVERY), per_day=per_day)

    async def seed_demo(self) -> Outcome:
        """Track a few demo posts at different ages, as a member would, watch DEMO_POSTER as an admin, and add
        a template to draft replies to comment questions from."""
        now = self.clock.now()
        lines = []
        for username, video_id, age in DEMO_VIDEOS:
            self._published.add(video_id)
            self.stack.simulator.add_video(video_id, now - age, username=username, comments=0)
            lines.append(f"/track url:https://www.tiktok.com/@{username}/video/{video_id}")
        lines += ["/as admin", f"/watch add account:{DEMO_POSTER}", f"/as {self.who}"]
        name, text = DEMO_TEMPLATE
        await self.stack.bot.services.templates.create(name, text)
        outcome = Outcome(True)
        for line in lines:
            self.printer.write([self.render.style.dim(f"{self.who}> {line}")])
            result = await self.execute(line)
            outcome = outcome if result.ok else result
        return outcome


async def interactive(sandbox: Sandbox) -> int:
    """The prompt: one line at a time until /quit or end of input."""
    reader = LineReader(sandbox.printer, lambda: f"{sandbox.who}> ")
    sandbox.ask, sandbox.ask_again = reader.get, True
    sandbox.time.start_pacing()
    try:
        while True:
            line = await reader.get()
            if line is None or line.strip().lower() in ("/quit", "/exit", "/q"):
                if line is None:
                    sandbox.printer.write([""])
                return 0
            await sandbox.execute(line)
    finally:
        await sandbox.time.stop_pacing()


def _is_command(line: str) -> bool:
    """A script line that runs (not blank, not a # comment)."""
    text = line.strip()
    return bool(text) and not text.startswith("#")


def read_script(path: Path) -> list[str]:
    """The script's lines; a file that cannot be read is a CheckbackError with one line."""
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise CheckbackError(f"cannot read the script {path}: {exc}") from None


async def scripted(sandbox: Sandbox, path: Path, lines: list[str], run_for: timedelta | None) -> int:
    """Run the script's lines; 1 (with FILE:LINE: why) at the first failure. The lines after one that opens
    a modal fill it in (bot/sandbox/modal_form.py).

    Time moves only through /wait. Without `run_for` the schedule then plays out to its end. With it, the
    script spans `run_for` of sandbox time: what of it the /waits have not used is waited before the last
    command, which so sees the sandbox as it is `run_for` after the start; the sandbox then ends there."""
    numbered = iter(enumerate(lines, start=1))

    async def next_line(prompt: str) -> str | None:
        for _number, line in numbered:
            sandbox.printer.write([sandbox.render.style.dim(f"{prompt}{line}")])
            return line
        return None

    sandbox.ask = next_line
    started = sandbox.clock.now()
    for number, line in numbered:
        if not _is_command(line):
            continue
        text = line.strip()
        if run_for is not None and not any(_is_command(rest) for rest in lines[number:]):
            await sandbox.wait_until(started + run_for)  # the last command sees the end of --for
        sandbox.printer.write([sandbox.render.style.bold(f"{sandbox.who}> {text}")])
        if text.lower() in ("/quit", "/exit"):
            break
        outcome = await sandbox.execute(text)
        if not outcome.ok:
            print(f"error: {path}:{number}: {text}: {outcome.error}", file=sys.stderr)
            return 1
    if run_for is not None:
        # A script of no command, one that ends in /quit, or whose last lines fill in a modal.
        await sandbox.wait_until(started + run_for)
        state = f"ran {span(sandbox.clock.now() - started)} of sandbox time"
    elif await sandbox.time.settle():  # now it runs on to the end, every stop on the way taken
        state = "every schedule is complete"
    else:
        state = f"stopped after {span(sandbox.clock.now() - started)} with check-backs still scheduled"
    sandbox.printer.write([f"— {state}; sandbox time {utc_text(sandbox.clock.now())}"])
    return 0
