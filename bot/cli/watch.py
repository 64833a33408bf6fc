"""CLI commands for watched accounts: watch add|remove|list|poll|stats (CLI watches belong to no guild, so
their announcements go to NOTIFY_CHANNEL_ID)."""

from __future__ import annotations

import argparse
from typing import Any

from bot.cli.lines import unrecorded, when
from bot.config import Settings
from bot.render.text import num, signed
from bot.runtime import Runtime
from bot.services import build_services
from bot.watch_models import PollOutcome, WatchSummary
from bot.watches import WatchService


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("watch", help="watch TikTok accounts: every new post is tracked and announced")
    actions = p.add_subparsers(dest="watch_command", metavar="ACTION", parser_class=type(p))
    actions.required = True

    a = actions.add_parser("add", help="watch an account (its existing videos are recorded, not announced)")
    a.add_argument("username", help="the TikTok username, e.g. @maker_jo")
    a.add_argument("--channel", type=int, default=None, help="announce in this channel id")
    a.set_defaults(handler=cmd_add, calls_api=True)

    a = actions.add_parser("remove", help="stop watching an account from the CLI")
    a.add_argument("username")
    a.set_defaults(handler=cmd_remove)

    a = actions.add_parser("list", help="every watched account: status, next look, followers")
    a.set_defaults(handler=cmd_list)

    a = actions.add_parser("poll", help="poll every watched account that is due now; one line each")
    a.add_argument("--limit", type=int, default=None)
    a.set_defaults(handler=cmd_poll, calls_api=True)

    a = actions.add_parser("stats", help="an account's snapshots: followers, hearts, videos over time")
    a.add_argument("username")
    a.set_defaults(handler=cmd_stats)


async def _watches(runtime: Runtime) -> WatchService:
    return (await build_services(runtime)).watches


def summary_line(w: WatchSummary) -> str:
    state = f"next look {when(w.next_poll_at)}" if w.active else w.status
    followers = num(w.numbers.followers) if w.numbers else "—"
    return f"@{w.username:<25} {followers:>13}  {w.announced:>5}  {state}"


async def cmd_add(args: argparse.Namespace, settings: Settings) -> int:
    async with await Runtime.open(settings) as runtime:
        result = await (await _watches(runtime)).add(None, args.username, channel_id=args.channel)
    w = result.watch
    if result.already_watching:
        print(f"already watching @{w.username}")
    else:
        print(f"watching @{w.username}: new posts are tracked and announced")
    if result.baseline_videos:
        print(f"  {result.baseline_videos} existing video(s) recorded without announcing them")
    if w.numbers:
        n = w.numbers
        print(f"  followers {num(n.followers)}  hearts {num(n.hearts)}  videos {num(n.videos)}")
    print(f"  next look: {when(w.next_poll_at)}" if w.active else f"  {w.status}")
    return 0


async def cmd_remove(args: argparse.Namespace, settings: Settings) -> int:
    async with await Runtime.open(settings) as runtime:
        result = await (await _watches(runtime)).remove(None, args.username)
    tail = "polling stopped" if result.polling_stopped else "other servers still watch it"
    print(f"stopped watching @{result.username} from the CLI; {tail}")
    return 0


async def cmd_list(args: argparse.Namespace, settings: Settings) -> int:
    async with await Runtime.open(settings) as runtime:
        items = await (await _watches(runtime)).list_watches(None, all_guilds=True)
    if not items:
        print("no watched accounts")
        return 0
    print(f"{'account':<26} {'followers':>13}  {'posts':>5}  status")
    for w in items:
        print(summary_line(w))
    return 0


def outcome_line(o: PollOutcome) -> str:
    head = f"@{o.username}:"
    if o.status in ("polled", "baseline"):
        found = f"{o.announced} new post(s) announced" if o.announced else "no new posts"
        if o.status == "baseline":
            found = f"{o.new_videos} existing video(s) recorded"
        return f"{head} {found}; next look {when(o.next_poll_at)}"
    return unrecorded(head, "poll", o.status, o.error, o.next_poll_at)


async def cmd_poll(args: argparse.Namespace, settings: Settings) -> int:
    async with await Runtime.open(settings) as runtime:
        report = await (await build_services(runtime)).polling.run_due(limit=args.limit)
    for o in report.outcomes:
        print(outcome_line(o))
    if not report.outcomes:
        print("no account polls due")
    return 0


async def cmd_stats(args: argparse.Namespace, settings: Settings) -> int:
    async with await Runtime.open(settings) as runtime:
        a = await (await _watches(runtime)).account_analytics(args.username)
    print(
        f"@{a.username}"
        + (f" ({a.display_name})" if a.display_name else "")
        + f"  {len(a.snapshots)} snapshots"
    )
    print(
        f"  {'captured':<21} {'followers':>13} {'growth':>9} {'following':>10} {'hearts':>14} {'videos':>7}"
    )
    for s in a.snapshots:
        n = s.numbers
        growth: Any = signed(s.growth.followers) if s.growth and s.growth.followers is not None else ""
        print(
            f"  {when(s.captured_at):<21} {num(n.followers):>13} {growth:>9} {num(n.following):>10} "
            f"{num(n.hearts):>14} {num(n.videos):>7}"
        )
    if a.since_first is not None:
        f = a.since_first
        print(
            f"  since first: followers {signed(f.followers)}, hearts {signed(f.hearts)}, videos {signed(f.videos)}"
        )
    if a.followers_per_day is not None:
        print(f"  followers per day: {num(round(a.followers_per_day, 1))}")
    return 0
