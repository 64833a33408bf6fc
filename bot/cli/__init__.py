"""The command line (`python -m bot`, `checkback`): DESIGN.md §4's commands, exit 0 / 1 / 2."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from bot.config import load_settings
from bot.errors import ConfigError
from bot.logs import register_secret, setup_logging

from . import compare, core, docs, doctor, exits, sandbox, team, tracking, watch

# Each module adds its sub-commands; a sub-command sets `handler(args, settings) -> int` (async).
COMMAND_MODULES = (core, tracking, compare, team, sandbox, docs, watch, doctor)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, exit 2, as DESIGN.md §4 asks
        self.exit(2, f"{self.prog}: {message} (see --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="checkback", description="Checkback: TikTok check-backs in Discord.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for module in COMMAND_MODULES:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Runs one command; a failure is one `error: ...` line on stderr and an exit status of bot/cli/exits."""
    args = build_parser().parse_args(argv)
    handler: Callable = args.handler
    try:
        try:
            settings = load_settings()
        except ConfigError:
            if not getattr(args, "settings_optional", False):
                raise
            return asyncio.run(handler(args, None))  # the command reports the bad setting itself
        setup_logging(settings.log_level, settings.log_format)
        if getattr(args, "calls_api", False):
            settings.require_rapidapi_key()  # asked only by the commands that call the metrics API
        for secret in (settings.database_url, settings.discord_token, settings.rapidapi_key):
            if secret is not None:
                register_secret(secret.get_secret_value())
        return asyncio.run(_run(handler, args, settings))
    except KeyboardInterrupt:
        return exits.EXIT_INTERRUPTED
    except Exception as exc:  # one line, whatever it was
        err = exits.as_domain(exc)
        if err is None:
            logging.getLogger(__name__).debug("unexpected error", exc_info=exc)
            print(
                f"error: unexpected {type(exc).__name__}: {exits.first_line(exc)}"
                " (LOG_LEVEL=DEBUG shows the traceback)",
                file=sys.stderr,
            )
            return exits.EXIT_BUG
        print(f"error: {err.user_message}", file=sys.stderr)
        return exits.exit_status(err)


async def _run(handler: Callable, args: argparse.Namespace, settings: Any) -> int:
    asyncio.get_running_loop().set_exception_handler(exits.quiet_task_errors)
    return int(await handler(args, settings))
