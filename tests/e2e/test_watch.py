"""/watch add|remove|list through the real bot and the Discord emulator; new posts reach the channel."""

from __future__ import annotations

from datetime import timedelta

import asyncpg
import pytest

from bot.clock import ManualClock
from bot.sandbox.stack import Stack
from bot.watches import WatchService
from tests.conftest import MakeStack

NAME = "maker_jo"


def frequent_poster(stack: Stack, name: str = NAME) -> None:
    """Two posts a day over the last two weeks: polled every 30 minutes."""
    stack.simulator.add_account(name, nickname="Jo Makes", videos=28, every=timedelta(hours=12))


def new_post_embeds(stack: Stack, channel: object) -> list[dict]:
    return [
        e
        for m in stack.emulator.sent_messages(channel)  # type: ignore[arg-type]
        for e in m.embeds
        if (e.get("title") or "").startswith("🆕 New post by")
    ]


async def test_an_admin_watches_an_account_and_its_new_post_is_announced_by_the_scheduler(
    stack: Stack, clean_db: asyncpg.Pool, clock: ManualClock
) -> None:
    w = stack.world
    frequent_poster(stack)
    final = await (
        await stack.emulator.invoke(w.admin, "watch add", channel=w.channel, account="@Maker_Jo")
    ).final(timeout=10)
    embed = final.embeds[0]
    assert "Watching @maker_jo" in embed["description"], embed
    assert "28 existing videos recorded without announcing them" in embed["description"]
    assert {f["name"] for f in embed["fields"]} == {"Followers", "Hearts", "Videos"}
    [video_id] = stack.simulator.schedule_videos(NAME, 1, every=timedelta(minutes=10))
    clock.advance(timedelta(minutes=31))  # the next poll is due; the scheduler's tick takes it
    message = await stack.emulator.wait_for_message(
        w.channel,
        lambda m: any("New post by @maker_jo" in (e.get("title") or "") for e in m.embeds),
        timeout=15,
    )
    [announced] = [e for e in message.embeds if "New post" in (e.get("title") or "")]
    assert announced["footer"]["text"] == f"video {video_id}"
    assert await clean_db.fetchval("SELECT count(*) FROM guild_posts WHERE guild_id = $1", w.guild.id) == 1
    listed = await (await stack.emulator.invoke(w.member, "watch list", channel=w.channel)).final(timeout=10)
    assert "**@maker_jo**" in listed.embeds[0]["description"]
    assert "1 new post(s) announced" in listed.embeds[0]["description"]
    stack.emulator.assert_no_violations()


async def test_a_member_can_neither_add_nor_remove_and_nothing_changes(
    stack: Stack, clean_db: asyncpg.Pool
) -> None:
    w = stack.world
    frequent_poster(stack)
    calls = stack.simulator.calls
    refused = await (
        await stack.emulator.invoke(w.member, "watch add", channel=w.channel, account=NAME)
    ).final(timeout=10)
    assert refused.ephemeral and "Only admins" in refused.content
    assert stack.simulator.calls == calls
    assert await clean_db.fetchval("SELECT count(*) FROM account_watches") == 0

    await (await stack.emulator.invoke(w.admin, "watch add", channel=w.channel, account=NAME)).final(
        timeout=10
    )
    refused = await (
        await stack.emulator.invoke(w.member, "watch remove", channel=w.channel, account=NAME)
    ).final(timeout=10)
    assert refused.ephemeral and "Only admins" in refused.content
    assert await clean_db.fetchval("SELECT count(*) FROM account_watch_guilds") == 1
    assert await clean_db.fetchval("SELECT next_poll_at IS NOT NULL FROM account_watches")

    choices = await stack.emulator.autocomplete(w.admin, "watch remove", focused="account", value="mak")
    assert [c["value"] for c in choices] == [NAME]
    removed = await (
        await stack.emulator.invoke(w.admin, "watch remove", channel=w.channel, account=NAME)
    ).final(timeout=10)
    assert "Stopped watching @maker_jo" in removed.embeds[0]["title"]
    assert await clean_db.fetchval("SELECT next_poll_at FROM account_watches") is None


async def test_a_private_account_is_refused_and_a_channel_option_routes_announcements(
    stack: Stack, clean_db: asyncpg.Pool, clock: ManualClock
) -> None:
    w = stack.world
    stack.simulator.add_account("secret_one", private=True)
    refused = await (
        await stack.emulator.invoke(w.admin, "watch add", channel=w.channel, account="secret_one")
    ).final(timeout=10)
    # Found out by the API after the deferral (as /track's errors are), so answered in the thread.
    assert "does not exist or is private" in refused.content
    assert await clean_db.fetchval("SELECT count(*) FROM account_watches") == 0

    frequent_poster(stack)
    posts = w.guild.add_channel("new-posts")
    added = await (
        await stack.emulator.invoke(
            w.admin, "watch add", channel=w.channel, account=NAME, options={"channel": posts}
        )
    ).final(timeout=10)
    assert f"<#{posts.id}>" in added.embeds[0]["description"]
    stack.simulator.schedule_videos(NAME, 1, every=timedelta(minutes=10))
    clock.advance(timedelta(minutes=31))
    await stack.emulator.wait_for_message(posts, timeout=15)
    assert len(new_post_embeds(stack, posts)) == 1
    assert new_post_embeds(stack, w.channel) == []


async def test_watch_commands_are_registered_for_servers_only(stack: Stack) -> None:
    [watch] = [c for c in stack.emulator.commands() if c["name"] == "watch"]
    assert watch["contexts"] == [0]
    assert {o["name"] for o in watch["options"]} == {"add", "remove", "list"}


# --- done when: an account publishes three videos over days --------------------------------------------
@pytest.fixture
async def quiet_stack(clean_db: asyncpg.Pool, dsn: str, make_stack: MakeStack) -> Stack:
    """The real bot with its jobs off: the test runs the services itself, step by step on the clock."""
    return await make_stack(dsn=dsn, run_jobs=False)


async def test_three_posts_over_days_are_each_announced_once_with_their_full_schedule(
    quiet_stack: Stack, clean_db: asyncpg.Pool, clock: ManualClock
) -> None:
    stack = quiet_stack
    w = stack.world
    services = stack.bot.services
    watches, checkbacks, dispatcher = services.watches, services.checkbacks, services.dispatcher
    assert isinstance(watches, WatchService) and dispatcher is not None
    polling = services.polling
    frequent_poster(stack)
    await (await stack.emulator.invoke(w.admin, "watch add", channel=w.channel, account=NAME)).final(
        timeout=10
    )
    videos = stack.simulator.schedule_videos(NAME, 3, every=timedelta(days=1, hours=3))
    end = stack.simulator.video(videos[-1]).published_at + timedelta(days=30, hours=1)

    announced: list[str] = []
    while True:
        due = [d for d in (await polling.next_due_at(), await checkbacks.next_due_at()) if d is not None]
        if not due or min(due) > end:
            break
        clock.set(max(min(due), clock.now()))
        await checkbacks.run_once()
        report = await polling.run_due()
        if report.announced:
            await dispatcher.run_once()
            embeds = new_post_embeds(stack, w.channel)
            announced = [e["footer"]["text"].removeprefix("video ") for e in embeds]
    assert announced == videos  # each once, in publishing order, when it was found
    assert [e["footer"]["text"] for e in new_post_embeds(stack, w.channel)] == [f"video {v}" for v in videos]
    rows = await clean_db.fetch(
        """
        SELECT p.external_post_id, p.tracking_complete, array_agg(s.check_index ORDER BY s.check_index) AS checks
          FROM social_media_posts p JOIN social_media_post_analytics s ON s.post_id = p.id
         GROUP BY p.id ORDER BY p.posted_at
        """
    )
    assert [r["external_post_id"] for r in rows] == videos
    for r in rows:
        # At tracking + 9 check-backs; a post found after its 1h offset (outside the account's likely
        # windows) has its 1h check-back taken at discovery instead of an "at tracking" snapshot.
        assert r["tracking_complete"] and r["checks"] in (list(range(10)), list(range(1, 10))), dict(r)
    assert await clean_db.fetchval("SELECT count(*) FROM notification_outbox WHERE kind = 'new_post'") == 3
    stack.emulator.assert_no_violations()


async def test_analytics_of_an_account_shows_its_snapshots_then_a_chart(
    stack: Stack, clean_db: asyncpg.Pool, clock: ManualClock
) -> None:
    w = stack.world
    frequent_poster(stack)
    await (await stack.emulator.invoke(w.admin, "watch add", channel=w.channel, account=NAME)).final(
        timeout=10
    )
    clock.advance(timedelta(minutes=31))
    await stack.emulator.wait_until(
        lambda: True if stack.simulator.calls_by_route["/user/info"] >= 2 else None,
        timeout=10,
        what="the second poll",
    )
    choices = await stack.emulator.autocomplete(w.member, "analytics", focused="account", value="ma")
    assert [c["value"] for c in choices] == [NAME]
    i = await stack.emulator.invoke(w.member, "analytics", channel=w.channel, account="@maker_jo")
    first = await i.response()
    assert first.type == 4  # the numbers at once
    embed = first.data["embeds"][0]
    assert embed["title"] == "@maker_jo (Jo Makes)"
    assert {f["name"] for f in embed["fields"]} >= {"Followers", "Hearts", "Videos"}
    message = await stack.emulator.wait_until(lambda: i.message if i.message.attachments else None, 10)
    assert message.attachments[0].filename == "account.png"
    assert message.attachments[0].data.startswith(b"\x89PNG")
    assert message.embeds[0]["image"]["url"] == "attachment://account.png"

    neither = await (await stack.emulator.invoke(w.member, "analytics", channel=w.channel)).final(timeout=10)
    assert neither.ephemeral and "Name a post" in neither.content
    unknown = await (
        await stack.emulator.invoke(w.member, "analytics", channel=w.channel, account="nobody_here")
    ).final(timeout=10)
    assert unknown.ephemeral and "No account named @nobody_here" in unknown.content
