"""`python -m bot sandbox`: the whole of Checkback on this machine, driven from a prompt or a script."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import re
import shutil
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.cli.exits import EXIT_INTERRUPTED
from bot.cli.interrupts import Interrupts
from bot.clock import ManualClock
from bot.config import Settings
from bot.discord.endpoints import restore_discord_endpoints
from bot.errors import CheckbackError
from bot.sandbox.completion import Completer, install_readline, mention_names
from bot.sandbox.console import Printer, parse_duration
from bot.sandbox.render_terminal import Style, utc_text
from bot.sandbox.repl import DEFAULT_SPEED, Sandbox, interactive, read_script, scripted
from db.admin import recreate_database
from db.pool import redact, release_embedded, resolve_dsn

SANDBOX_DATABASE = "checkback_sandbox"
EXAMPLE_URL = "https://www.tiktok.com/@demo/video/7301234567890123456"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "sandbox",
        help="try Checkback with no Discord account: a local Discord, TikTok API and the real bot, at a prompt",
        description="Starts Postgres (embedded unless DATABASE_URL is set; the sandbox uses its own database "
        f"{SANDBOX_DATABASE}, emptied at every start), a Discord emulator, a TikTok API simulator and the real "
        "bot, then reads slash commands as you would type them in Discord.",
    )
    p.add_argument(
        "--speed",
        type=_speed,
        default=DEFAULT_SPEED,
        metavar="N",
        help=f"sandbox time runs N times faster than real time (default {DEFAULT_SPEED:g}: 4 h a second)",
    )
    p.add_argument("--script", type=Path, metavar="FILE", help="run FILE's commands (one a line), then exit")
    p.add_argument(
        "--for",
        dest="run_for",
        type=_duration,
        metavar="DURATION",
        help="with --script: the script spans this much sandbox time (e.g. 2d): its commands run in order, time "
        "moving only with /wait, and what of DURATION its /waits have not used is waited before its last "
        "command, which so sees the sandbox DURATION after the start; then it exits (without --for: once "
        "every schedule is complete)",
    )
    p.add_argument("--seed-demo", action="store_true", help="track three demo posts at start")
    # The prefix keeps a typo from emptying a real database.
    p.add_argument(
        "--database",
        default=SANDBOX_DATABASE,
        type=_database_name,
        metavar="NAME",
        help=f"the sandbox's database (emptied at start; default {SANDBOX_DATABASE}; another name must start "
        f"with {SANDBOX_DATABASE}, e.g. to run two sandboxes at once)",
    )
    p.set_defaults(handler=cmd_sandbox)


def _speed(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 < value <= 10_000_000:
        raise argparse.ArgumentTypeError("the speed must be above 0 and at most 10,000,000")
    return value


def _duration(text: str) -> timedelta:
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _database_name(text: str) -> str:
    if not re.fullmatch(rf"{SANDBOX_DATABASE}[a-z0-9_]*", text):
        raise argparse.ArgumentTypeError(f"the sandbox database's name starts with {SANDBOX_DATABASE}")
    return text


def log_to_file(path: Path) -> None:
    """Everything the bot logs goes to `path` (same format as on stderr); only errors reach the terminal,
    so discord.py's and the scheduler's chatter never drowns the prompt."""
    root = logging.getLogger()
    formatter = root.handlers[0].formatter if root.handlers else None
    path.parent.mkdir(parents=True, exist_ok=True)
    to_file = logging.FileHandler(path, mode="w", encoding="utf-8")
    to_file.setFormatter(formatter or logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    to_terminal = logging.StreamHandler(sys.stderr)
    to_terminal.setLevel(logging.ERROR)
    to_terminal.setFormatter(logging.Formatter(f"! %(name)s: %(message)s (details: {path})"))
    # A traceback on the terminal would bury the prompt: the file has it.
    to_terminal.addFilter(_without_traceback)
    root.handlers[:] = [to_file, to_terminal]


def _without_traceback(record: logging.LogRecord) -> bool:
    record.exc_info = None
    record.exc_text = None
    return True


async def fresh_database(server_dsn: str, name: str) -> str:
    """Drop and create the sandbox's database on the server: every sandbox starts empty, since its
    Discord (guild and channel ids) and its TikTok are new each time. Returns its DSN."""
    try:
        return await recreate_database(server_dsn, name)
    except Exception as exc:
        raise CheckbackError(
            f"cannot create the sandbox database {name} on {redact(server_dsn)}: {str(exc).strip()[:200]}"
            " (the sandbox needs CREATEDB there, or unset DATABASE_URL to use the embedded Postgres)"
        ) from exc


def script_start(now: datetime) -> datetime:
    """The coming 09:00 UTC (now, if it is 09:00:00 sharp): where a script's sandbox clock starts."""
    start = now.replace(hour=9, minute=0, second=0, microsecond=0)
    return start if start >= now else start + timedelta(days=1)


def banner(args: argparse.Namespace, sandbox: Sandbox, style: Style, log_path: Path) -> list[str]:
    speed = args.speed
    per_second = timedelta(seconds=speed)
    month = timedelta(days=30).total_seconds() / speed
    pace = (
        f"{_short(per_second)} of sandbox time a second; a 30-day schedule plays out in {_short_secs(month)}"
    )
    world = sandbox.world
    return [
        style.bold("Checkback sandbox")
        + f" — a local Discord (server “{world.guild.name}”, channel #{world.channel.name}), "
        "a local TikTok API and the real bot.",
        f"Sandbox time runs {speed:g}× faster than real time ({pace}).",
        f"It is {utc_text(sandbox.clock.now())} in the sandbox. You type as “member”; /as admin to switch.",
        "Type slash commands as in Discord (Tab completes), for example:",
        f"  /track url:{EXAMPLE_URL}",
        "  /tracked        /help       /wait 1d       /quit",
        style.dim(f"Bot logs: {log_path}   Files the bot sends: {sandbox.files_dir}/"),
    ]


def _short(delta: timedelta) -> str:
    return _short_secs(delta.total_seconds())


def _short_secs(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds / size:.3g} {unit}"
    return f"{seconds:.2g} s"


async def cmd_sandbox(args: argparse.Namespace, settings: Settings) -> int:
    with Interrupts() as interrupts:
        try:
            return await _sandbox(args, settings, interrupts)
        except asyncio.CancelledError:
            if interrupts.received is None:
                raise
            return EXIT_INTERRUPTED  # Ctrl-C: the sandbox has left through its clean-up


async def _sandbox(args: argparse.Namespace, settings: Settings, interrupts: Interrupts) -> int:
    from bot.sandbox.stack import Stack

    started = time.monotonic()
    home = Path(settings.data_dir, "sandbox")
    log_path = home / "sandbox.log"
    log_to_file(log_path)
    if args.run_for is not None and args.script is None:
        print("error: --for goes with --script (at the prompt, use /wait)", file=sys.stderr)
        return 2
    interactive_mode = args.script is None
    script = None if interactive_mode else read_script(args.script)
    # NO_COLOR (no-color.org) turns the colours off, as in most terminal programs.
    style = Style(color=sys.stdout.isatty() and not os.environ.get("NO_COLOR"))
    printer = Printer(sys.stdout, interactive=interactive_mode and sys.stdin.isatty())
    if interactive_mode:
        print(
            style.dim("Starting Postgres, the Discord emulator, the TikTok simulator and the bot…"),
            flush=True,
        )

    stack = None
    terminal = _save_terminal()
    try:
        dsn = await fresh_database(resolve_dsn(settings), args.database)
        # A script starts at the coming 09:00 UTC, so its days and hours fall alike in every run; the prompt now.
        clock = ManualClock(datetime.now(UTC) if interactive_mode else script_start(datetime.now(UTC)))
        files = home / "files"
        shutil.rmtree(files, ignore_errors=True)  # the files of the last sandbox go with its database
        # No scheduler: the sandbox's TimeKeeper runs what falls due, each at its instant (timekeeper.py).
        stack = Stack(dsn=dsn, clock=clock, run_jobs=False)
        await stack.start()
        sandbox = Sandbox(stack, clock, printer, files_dir=files, style=style, speed=args.speed)
        if interactive_mode:
            install_readline(
                Completer(
                    lambda: stack.emulator.visible_commands(stack.world.guild),
                    lambda kind: mention_names(stack.world.guild, kind),
                ),
                home / "history",
            )
            printer.write(banner(args, sandbox, style, log_path))
            printer.write([style.dim(f"(ready in {time.monotonic() - started:.1f} s)")])
        if args.seed_demo:
            seeded = await sandbox.seed_demo()
            if not seeded.ok and not interactive_mode:
                print(f"error: --seed-demo: {seeded.error}", file=sys.stderr)
                return 1
        if interactive_mode:
            return await interactive(sandbox)
        assert script is not None
        return await scripted(sandbox, args.script, script, args.run_for)
    finally:
        interrupts.cleaning_up()
        if stack is not None:
            with contextlib.suppress(Exception):
                await stack.stop()
        restore_discord_endpoints()
        _restore_terminal(terminal)
        if settings.database_url is None:
            # The embedded Postgres goes with the sandbox, unless another Checkback process still uses it.
            release_embedded(stop_if_unused=True)


def _save_terminal() -> object | None:
    """The terminal's settings, to put back if the prompt is left mid-line (Ctrl-C while reading)."""
    try:
        import termios

        return termios.tcgetattr(sys.stdin.fileno()) if sys.stdin.isatty() else None
    except (ImportError, OSError, ValueError):
        return None


def _restore_terminal(saved: object | None) -> None:
    if saved is None:
        return
    with contextlib.suppress(ImportError, OSError, ValueError):
        import termios

        termios.tcsetattr(sys.stdin.fileno(), termios.TCSADRAIN, saved)  # type: ignore[arg-type]
