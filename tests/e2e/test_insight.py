"""Against the account's typical and where the post will end, through the real bot and the Discord
emulator: a post of an account with 20+ videos, tracked for a day."""

from __future__ import annotations

import re
from datetime import timedelta

import asyncpg

from bot.clock import ManualClock
from bot.sandbox.discord.records import Message
from bot.sandbox.stack import Stack
from tests.e2e.test_analytics import PNG_MAGIC, run_checks, track
from tests.insight.samples import shaded_pixels


def field(embed: dict, name: str) -> str:
    return str(next(f["value"] for f in embed["fields"] if f["name"] == name))


async def test_a_day_after_tracking_check_backs_and_analytics_compare_with_the_account_and_project(
    stack: Stack, clean_db: asyncpg.Pool, clock: ManualClock
) -> None:
    w = stack.world
    stack.simulator.add_account("bigdemo", videos=24, every=timedelta(days=1))
    post = await track(stack, "7301234567890126001", username="bigdemo")
    await run_checks(stack, clock, clean_db, [1, 6, 12, 24])

    def day_check(m: Message) -> bool:
        return any(e.get("title", "").startswith("1d check-back") for e in m.embeds)

    message = await stack.emulator.wait_for_message(w.channel, day_check, timeout=15)
    checkback = next(e for e in message.embeds if e["title"].startswith("1d check-back"))
    typical = field(checkback, "Vs typical")
    assert "typical** at 1d" in typical and "percentile of @bigdemo's last 20 videos" in typical
    assert "30d ≈" in field(checkback, "Projected")

    i = await stack.emulator.invoke(w.member, "analytics", channel=w.channel, post=post)
    embed = (await i.response()).data["embeds"][0]
    standing = field(embed, "Vs typical")
    assert "typical** at 1d" in standing and "percentile of @bigdemo's last 20 videos" in standing
    projected = field(embed, "Projected")
    assert (
        projected.startswith("7d ≈ **")
        and "30d ≈ **" in projected
        and "from the account's curve" in projected
    )
    # The chart follows with the projected range drawn on it: a bigger picture than without one.
    edited = await stack.emulator.wait_until(lambda: i.message if i.message.attachments else None, 10)
    png = edited.attachments[0].data
    assert png.startswith(PNG_MAGIC)
    assert shaded_pixels(png) > 200  # the projected range, shaded (a chart without one has ~8)
    stack.emulator.assert_no_violations()
    # The viral_score column holds the ratio of each check.
    scores = await clean_db.fetch(
        "SELECT viral_score FROM social_media_post_analytics WHERE post_id = $1 AND check_index > 0", post
    )
    assert len(scores) == 4 and all(r["viral_score"] is not None for r in scores)


async def test_analytics_gives_the_next_milestone_s_eta_when_the_projected_pace_reaches_it_within_a_week(
    stack: Stack, clean_db: asyncpg.Pool, clock: ManualClock
) -> None:
    w = stack.world
    post = await track(stack, "7301234567890126002", username="nearly", views_30d=250_000)  # 55k at 1d
    await run_checks(stack, clock, clean_db, [1, 6, 12, 24])
    i = await stack.emulator.invoke(w.member, "analytics", channel=w.channel, post=post)
    embed = (await i.response()).data["embeds"][0]
    names = [f["name"] for f in embed["fields"]]
    assert names.index("Next milestone") == names.index("Projected") + 1, embed["fields"]
    assert re.fullmatch(r"100k in about [2-7] days at the current pace", field(embed, "Next milestone"))
    await stack.emulator.wait_until(lambda: i.message if i.message.attachments else None, 10)
    stack.emulator.assert_no_violations()
