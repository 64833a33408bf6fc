"""/compare through the real bot and the Discord emulator: two posts' check-backs side by side by age, the
chart of their views attached, autocomplete on both options, and one private line for what cannot be
compared."""

from __future__ import annotations

import asyncpg
import pytest

from bot.charts.compare import COMPARE_CHART
from bot.charts.style import WIDE
from bot.clock import ManualClock
from bot.compare import SAME_POST
from bot.sandbox.discord.commands import InvalidInvocation
from bot.sandbox.stack import Stack
from tests.charts.png import assert_chart
from tests.e2e.test_analytics import run_checks, track, wait_for_snapshots
from tests.e2e.test_team_servers import second_server

FAST = "7301234567890126001"
SLOW = "7301234567890126002"


async def two_posts(stack: Stack, pool: asyncpg.Pool, clock: ManualClock) -> tuple[int, int]:
    """A fast and a slow post of the same age, both checked at 1 h and 6 h; their ids."""
    fast = await track(stack, FAST, username="fast")
    slow = await track(stack, SLOW, username="slow")
    stack.simulator.video(FAST).views_30d = 50_000_000
    stack.simulator.video(SLOW).views_30d = 20_000
    await run_checks(stack, clock, pool, [1, 6])
    await wait_for_snapshots(pool, 6)  # both posts': at tracking, 1h and 6h
    return fast, slow


async def test_compare_shows_both_posts_by_age_then_attaches_the_chart(
    stack: Stack, clean_db: asyncpg.Pool, clock: ManualClock
) -> None:
    w = stack.world
    fast, slow = await two_posts(stack, clean_db, clock)
    i = await stack.emulator.invoke(w.member, "compare", channel=w.channel, post=slow, options={"with": fast})
    first = await i.response()
    assert first.type == 4 and not first.data.get("flags", 0) & 64  # the figures at once, for all to see
    embed = first.data["embeds"][0]
    assert f"#{slow} @slow" in embed["title"] and f"#{fast} @fast" in embed["title"]
    head, table = embed["description"].split("\n", 1)
    assert head.startswith(f"At 6h, #{fast} has ") and f"× the views of #{slow}: " in head
    rows = {line.split()[0]: line.split()[1:] for line in table.strip("`\n").splitlines()[1:]}
    assert {"1h", "6h"} <= rows.keys()
    assert all(len(cells) == 4 and "—" not in cells for age, cells in rows.items() if age in ("1h", "6h"))
    fields = embed["fields"]
    assert [f["name"] for f in fields] == [f"#{slow} @slow", f"#{fast} @fast"]
    assert all(" views · " in f["value"] and "2/9 checks" in f["value"] for f in fields)
    assert "image" not in embed
    message = await stack.emulator.wait_until(lambda: i.message if i.message.attachments else None, 10)
    attachment = message.attachments[0]
    assert attachment.filename == COMPARE_CHART
    assert_chart(attachment.data, WIDE)
    assert message.embeds[0]["image"]["url"] == f"attachment://{COMPARE_CHART}"
    stack.emulator.assert_no_violations()


async def test_compare_autocompletes_both_posts(stack: Stack, clean_db: asyncpg.Pool) -> None:
    w = stack.world
    fast = await track(stack, FAST, username="fast")
    slow = await track(stack, SLOW, username="slow")
    on_post = await stack.emulator.autocomplete(w.member, "compare", focused="post", value="fast")
    assert [c["value"] for c in on_post] == [fast] and "@fast" in on_post[0]["name"]
    on_with = await stack.emulator.autocomplete(
        w.member, "compare", focused="with", value="slow", options={"post": fast}
    )
    assert [c["value"] for c in on_with] == [slow] and "@slow" in on_with[0]["name"]
    everything = await stack.emulator.autocomplete(w.member, "compare", focused="with", value="")
    assert {c["value"] for c in everything} == {fast, slow}


async def test_compare_refuses_what_cannot_be_compared_privately(
    stack: Stack, clean_db: asyncpg.Pool, clock: ManualClock
) -> None:
    w, emu = stack.world, stack.emulator
    fast = await track(stack, FAST, username="fast")
    slow = await track(stack, SLOW, username="slow")

    async def answer(member: object, channel: object, post: int, other: int) -> str:
        final = await (
            await emu.invoke(member, "compare", channel=channel, post=post, options={"with": other})
        ).final()
        assert final.ephemeral and not final.attachments
        return str(final.content)

    assert "No tracked post matches #424242" in await answer(w.member, w.channel, fast, 424242)
    assert "No tracked post matches #424242" in await answer(w.member, w.channel, 424242, fast)
    assert SAME_POST in await answer(w.member, w.channel, fast, fast)
    # Another server sees neither post, nor suggests them.
    _, channel, intruder = await second_server(stack)
    assert f"No tracked post matches #{slow}" in await answer(intruder, channel, slow, fast)
    assert await emu.autocomplete(intruder, "compare", focused="post", value="", channel=channel) == []
    with pytest.raises(InvalidInvocation):  # Discord itself refuses a post id below 1
        await emu.invoke(w.member, "compare", channel=w.channel, post=0, options={"with": fast})
    with pytest.raises(InvalidInvocation):  # ... and a missing second post
        await emu.invoke(w.member, "compare", channel=w.channel, post=fast)
    emu.assert_no_violations()
