"""The command line (`python -m bot`, `checkback`): DESIGN.md §4's commands, exit 0 / 1 / 2."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

from bot.config import load_settings
from bot.errors import REPORTED_ERRORS, ConfigError, to_domain
from bot.logs import register_secret, setup_logging

from . import core, docs, doctor, sandbox, team, tracking, watch

# Each module adds its sub-commands; a sub-command sets `handler(args, settings) -> int` (async).
COMMAND_MODULES = (core, tracking, team, sandbox, docs, watch, doctor)


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
        return asyncio.run(handler(args, settings))
    except REPORTED_ERRORS as exc:
        print(f"error: {to_domain(exc).user_message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
