"""CLI commands for tracked posts: track, check, list, analytics (posts tracked here belong to no guild)."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from bot.charts import usage_chart_png
from bot.checkbacks import CheckOutcome
from bot.cli.lines import unrecorded, when
from bot.config import Settings
from bot.render.config import usage_lines
from bot.render.insight import insight_lines
from bot.render.text import duration, num, pct, signed
from bot.runtime import Runtime
from bot.services import build_services
from bot.tracking_models import PostSummary


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("track", help="track a TikTok post: first snapshot now, check-backs on schedule")
    p.add_argument("url", help="the TikTok video link")
    p.add_argument("--note", help="a note kept with the post")
    p.set_defaults(handler=cmd_track, calls_api=True)

    p = sub.add_parser("check", help="run every check-back that is due now; one line per post")
    p.add_argument("--limit", type=int, default=None, help="check at most this many posts")
    p.set_defaults(handler=cmd_check, calls_api=True)

    p = sub.add_parser("list", help="list tracked posts: id, author, video id, checks done, next check")
    p.add_argument("--status", choices=("active", "complete", "all"), default="all")
    p.add_argument("--limit", type=int, default=50)
    p.add_argument("--before", type=int, default=None, help="the page after this post id")
    p.set_defaults(handler=cmd_list)

    p = sub.add_parser(
        "usage",
        help="metrics API calls today and this month, the month's plan, the pace and when the budget runs out",
    )
    p.add_argument("--chart", metavar="FILE", help="also write the month's daily calls as a PNG chart")
    p.set_defaults(handler=cmd_usage)

    p = sub.add_parser(
        "analytics",
        help="a post's snapshot history and growth, against its account's typical, and its projection",
    )
    p.add_argument("post_id", type=int)
    p.set_defaults(handler=cmd_analytics)


async def cmd_track(args: argparse.Namespace, settings: Settings) -> int:
    async with await Runtime.open(settings) as runtime:
        services = await build_services(runtime)
        result = await services.tracking.track(None, args.url, note=args.note)
    post = result.post
    if result.already_tracked:
        print(f"post {post.id} is already tracked (@{post.author}, video {post.video_id}); nothing changed")
    else:
        print(f"tracking post {post.id}: @{post.author}, video {post.video_id}")
    m = post.latest
    if m is not None:
        print(
            f"  views {num(m.views)}  likes {num(m.likes)}  comments {num(m.comments)}  "
            f"shares {num(m.shares)}  saves {num(m.saves)}  engagement {pct(m.engagement_rate)}"
        )
    if result.skipped_checks:
        print(f"  {result.skipped_checks} check-backs already past were skipped")
    left = post.checks_total - post.checks_completed
    print(
        f"  next check: {when(post.next_check_at)} ({left} check-backs to go)"
        if post.next_check_at
        else f"  {post.status}"
    )
    return 0


async def cmd_usage(args: argparse.Namespace, settings: Settings) -> int:
    async with await Runtime.open(settings) as runtime:
        services = await build_services(runtime)
        report = await services.usage.report()
    for line in usage_lines(report):
        print(line)
    if args.chart:
        plan = report.plan
        png = await usage_chart_png(plan.daily if plan else {}, report.month, report.monthly_budget)
        await asyncio.to_thread(Path(args.chart).write_bytes, png)
        print(f"chart: {args.chart}")
    return 0


def outcome_line(o: CheckOutcome) -> str:
    head = f"post {o.post_id} (video {o.video_id}):"
    if o.status == "recorded":
        growth = f" ({signed(o.views_growth)})" if o.views_growth is not None else ""
        late = ""
        if o.skipped:
            late = f", {duration(o.late.total_seconds()) if o.late else '?'} late, {o.skipped} missed check(s) skipped"
        nxt = f"next {when(o.next_check_at)}" if o.next_check_at else "tracking complete"
        return f"{head} check {o.check_index}/{o.checks_total} recorded, views {num(o.views)}{growth}{late}; {nxt}"
    return unrecorded(head, "check", o.status, o.error, o.next_check_at)


async def cmd_check(args: argparse.Namespace, settings: Settings) -> int:
    async with await Runtime.open(settings) as runtime:
        services = await build_services(runtime)
        # Lines are printed as checks finish, so a long run shows progress.
        services.checkbacks.on_outcome = lambda o: print(outcome_line(o), flush=True)
        report = await services.checkbacks.run_once(limit=args.limit)
    if not report.outcomes:
        print("no check-backs due")
    return 0


def list_line(p: PostSummary) -> str:
    nxt = when(p.next_check_at) if p.next_check_at else p.status
    views = num(p.latest.views) if p.latest else "—"
    return f"{p.id:>7}  @{p.author:<24} {p.video_id:<20} {p.checks_completed:>2}/{p.checks_total:<2}  {views:>13}  {nxt}"


async def cmd_list(args: argparse.Namespace, settings: Settings) -> int:
    async with await Runtime.open(settings) as runtime:
        services = await build_services(runtime)
        page = await services.tracking.list_posts(
            None, status=args.status, limit=args.limit, before=args.before, all_guilds=True
        )
    if not page.items:
        print("no tracked posts" if args.status == "all" else f"no {args.status} posts")
        return 0
    print(f"{'id':>7}  {'author':<25} {'video id':<20} {'checks':<5}  {'views':>13}  next check")
    for p in page.items:
        print(list_line(p))
    if page.next_cursor is not None:
        print(f"(more: --before {page.next_cursor})")
    return 0


async def cmd_analytics(args: argparse.Namespace, settings: Settings) -> int:
    async with await Runtime.open(settings) as runtime:
        services = await build_services(runtime)
        a = await services.tracking.analytics(None, args.post_id, all_guilds=True)
    post = a.post
    print(
        f"post {post.id}: @{post.author}, video {post.video_id}  ({post.status}, {post.checks_completed}/{post.checks_total} checks)"
    )
    print(f"  {post.url}")
    if post.caption:
        print(f"  {post.caption[:100]}")
    print(f"  published {when(post.posted_at)}; next check {when(post.next_check_at)}")
    print()
    print(
        f"  {'check':<12} {'captured':<21} {'views':>13} {'growth':>11} {'likes':>11} {'comments':>9} {'shares':>9} {'views/h':>10} {'eng.':>7}"
    )
    for s in a.snapshots:
        m = s.metrics
        growth = signed(s.growth.views) if s.growth else ""
        print(
            f"  {s.label:<12} {when(s.captured_at):<21} {num(m.views):>13} {growth:>11} {num(m.likes):>11} "
            f"{num(m.comments):>9} {num(m.shares):>9} {num(round(s.views_per_hour) if s.views_per_hour is not None else None):>10} "
            f"{pct(s.engagement_rate):>7}"
        )
    if a.since_first is not None:
        f = a.since_first
        print()
        print(
            f"  since first: views {signed(f.views)}, likes {signed(f.likes)}, comments {signed(f.comments)}, "
            f"shares {signed(f.shares)}, saves {signed(f.saves)}"
        )
    if a.since_previous is not None:
        print(
            f"  since previous: views {signed(a.since_previous.views)}, likes {signed(a.since_previous.likes)}"
        )
    if a.views_per_hour is not None:
        print(
            f"  current pace: {num(round(a.views_per_hour))} views/hour; engagement {pct(a.engagement_rate)}"
        )
    insight = insight_lines(a.insight)
    if insight:
        print()
        for line in insight:
            print(f"  {line}")
    return 0
