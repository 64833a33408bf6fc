"""CLI commands for team data: limits show, limits set, import-messages."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from typing import BinaryIO

from bot.caps import LimitsService
from bot.cli.progress import Progress
from bot.config import Settings
from bot.errors import InvalidInput
from bot.message_import import MessageImporter
from bot.render.team import render_report
from bot.runtime import Runtime


def register(sub: argparse._SubParsersAction) -> None:
    limits = sub.add_parser("limits", help="show or set the daily and hourly caps on automation actions")
    # The same parser class as the top level, so bad usage is one line and exit 2 here too.
    limits_sub = limits.add_subparsers(
        dest="limits_command", metavar="show|set", parser_class=sub._parser_class
    )
    limits_sub.required = True

    show = limits_sub.add_parser("show", help="today's and this hour's count against the caps (UTC)")
    show.add_argument("--account", metavar="USERNAME", help="an account; without it, the default caps")
    show.set_defaults(handler=cmd_limits_show)

    set_ = limits_sub.add_parser("set", help="set a cap (without --account: the default for all accounts)")
    set_.add_argument(
        "action", metavar="ACTION", help="like, comment, follow, unfollow, message, search, view"
    )
    set_.add_argument("--daily", type=int, required=True, metavar="N", help="actions per UTC day")
    set_.add_argument(
        "--hourly",
        type=int,
        metavar="N",
        help="actions per UTC hour (default: keep the hourly cap in force, at most the daily one)",
    )
    set_.add_argument("--account", metavar="USERNAME", help="the account; without it, the default")
    set_.set_defaults(handler=cmd_limits_set)

    imp = sub.add_parser(
        "import-messages", help="load direct messages from a JSON Lines file (docs/import-messages.md)"
    )
    imp.add_argument("file", metavar="FILE", help="the JSON Lines file; - reads standard input")
    imp.set_defaults(handler=cmd_import_messages)


async def cmd_limits_show(args: argparse.Namespace, settings: Settings) -> int:
    async with await Runtime.open(settings) as rt:
        report = await LimitsService(rt.pool).show(args.account)
    print(render_report(report))
    return 0


async def cmd_limits_set(args: argparse.Namespace, settings: Settings) -> int:
    async with await Runtime.open(settings) as rt:
        cap = await LimitsService(rt.pool).set_cap(
            args.action, args.daily, args.hourly, args.account, by=f"cli:{_user()}"
        )
    hourly = "no hourly cap" if cap.hourly_limit is None else f"{cap.hourly_limit} an hour"
    scope = f"for {args.account.strip().lstrip('@')}" if args.account else "by default for every account"
    print(f"{cap.action_type}: {cap.daily_limit} a day, {hourly} ({scope})")
    return 0


async def cmd_import_messages(args: argparse.Namespace, settings: Settings) -> int:
    path = args.file
    try:
        # Opened before the database, so an unreadable file costs nothing.
        stream = _open(path)
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror or exc}") from None
    total = _size_of(stream)
    progress = Progress()
    try:
        async with await Runtime.open(settings) as rt:
            report = await MessageImporter(rt.pool, rt.clock).run(
                stream,
                on_bad=progress.message,
                on_progress=lambda r: progress.update(r.bytes_read, total, r.lines, r.bad),
            )
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror or exc}") from None
    finally:
        progress.close()
        if stream is not sys.stdin.buffer:
            stream.close()
    print(report.summary())
    return 0 if report.ok else 1


def _open(path: str) -> BinaryIO:
    return sys.stdin.buffer if path == "-" else open(path, "rb")  # noqa: SIM115


def _size_of(stream: BinaryIO) -> int | None:
    """The file's size for a percentage; None for a pipe."""
    try:
        return os.fstat(stream.fileno()).st_size if stream.seekable() else None
    except (OSError, ValueError):
        return None


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (some containers)
        return "unknown"
