"""`compare POST_A POST_B`: two posts side by side, aligned by age (DESIGN.md §4), with the chart in a file."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from bot.charts.compare import compare_chart_png
from bot.config import Settings
from bot.render.compare import compare_lines
from bot.runtime import Runtime
from bot.services import build_services


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "compare",
        help="two posts side by side, aligned by age: their check-backs as a table, their views as a chart",
    )
    p.add_argument("post_a", type=int, metavar="POST_A")
    p.add_argument("post_b", type=int, metavar="POST_B")
    p.add_argument(
        "--chart",
        metavar="FILE",
        help="where to write the chart of both posts' views by age (default: compare-POST_A-POST_B.png)",
    )
    p.add_argument("--no-chart", action="store_true", help="print the table only")
    p.set_defaults(handler=cmd_compare)


async def cmd_compare(args: argparse.Namespace, settings: Settings) -> int:
    async with await Runtime.open(settings) as runtime:
        services = await build_services(runtime)
        result = await services.compare.compare(None, args.post_a, args.post_b, all_guilds=True)
    for line in compare_lines(result):
        print(line)
    if not args.no_chart:
        path = Path(args.chart or f"compare-{args.post_a}-{args.post_b}.png")
        png = await compare_chart_png(result)
        await asyncio.to_thread(path.write_bytes, png)
        print(f"chart: {path}")
    return 0
