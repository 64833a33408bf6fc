"""Operating commands: run and migrate."""

from __future__ import annotations

import argparse

from bot.config import Settings
from db.migrate import migrate
from db.pool import resolve_dsn


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="start the bot against Discord (needs DISCORD_TOKEN); migrates first")
    p.add_argument(
        "--role",
        choices=["all", "gateway", "worker"],
        default="all",
        help="gateway: answer commands; worker: check-backs and notifications; all: both (default)",
    )
    p.set_defaults(handler=cmd_run, calls_api=True)
    p = sub.add_parser("migrate", help="apply pending database migrations (safe to run twice or at once)")
    p.set_defaults(handler=cmd_migrate)


async def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    from bot.discord.process import run  # discord.py is imported only by the commands that need it

    return await run(settings, args.role)


async def cmd_migrate(args: argparse.Namespace, settings: Settings) -> int:
    applied = await migrate(resolve_dsn(settings))
    if applied:
        for name in applied:
            print(f"applied {name}")
    else:
        print("database is up to date; nothing to apply")
    return 0
