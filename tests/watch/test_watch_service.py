"""The watch service against the simulator: baseline, new posts tracked and announced once, restarts, two
pollers, unavailable accounts, the budget, removal."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from bot.errors import AccountNotFound, AccountUnavailable, InvalidInput
from bot.metrics.urls import canonical_url
from tests.watch.conftest import CHANNEL, GUILD, OTHER_GUILD, World
from tests.watch.helpers import count, outbox, poll_until

NAME = "maker_jo"


async def test_the_first_poll_records_the_back_catalogue_and_announces_nothing(world: World) -> None:
    world.sim.add_account(NAME, nickname="Jo Makes", followers=15_000, videos=5)
    result = await world.watches.add(GUILD, "@Maker_Jo")
    assert result.baseline_videos == 5 and not result.already_watching
    assert result.watch.username == NAME and result.watch.active
    assert result.watch.numbers is not None and result.watch.numbers.videos == 5
    assert await count(world.pool, "SELECT count(*) FROM account_watch_seen_videos WHERE NOT announced") == 5
    await poll_until(world, world.clock.now() + timedelta(days=2))
    assert await outbox(world.pool, "new_post") == []
    assert await count(world.pool, "SELECT count(*) FROM social_media_posts") == 0
    await world.dispatcher.run_once()
    assert world.sender.messages == []
    account = await world.pool.fetchrow("SELECT * FROM social_media_accounts WHERE username = $1", NAME)
    assert account["display_name"] == "Jo Makes" and account["is_private"] is False


async def test_a_new_post_is_tracked_from_its_publish_time_and_announced_once(world: World) -> None:
    # Two posts a day: polled every 30 minutes, so the new post is found before its 1h check-back.
    world.sim.add_account(NAME, videos=28, every=timedelta(hours=12))
    await world.watches.add(GUILD, NAME)
    [video_id] = world.sim.schedule_videos(NAME, 1, every=timedelta(hours=5))
    published = world.sim.video(video_id).published_at
    report = await poll_until(world, published + timedelta(days=3))
    assert report.announced == 1

    [row] = await outbox(world.pool, "new_post")
    assert row["dedupe_key"] == f"new_post:{GUILD}:{video_id}" and row["guild_id"] == GUILD
    post = await world.pool.fetchrow("SELECT * FROM social_media_posts WHERE external_post_id = $1", video_id)
    assert post["posted_at"] == published
    # Found within the hour, so no check-back was skipped: the schedule starts at publish time + 1h.
    assert row["payload"]["skipped_checks"] == 0
    first = await world.pool.fetchval(
        "SELECT captured_at FROM social_media_post_analytics WHERE post_id = $1 AND check_index = 0",
        post["id"],
    )
    assert published < first <= published + timedelta(hours=1)
    assert await count(world.pool, "SELECT count(*) FROM guild_posts WHERE guild_id = $1", GUILD) == 1

    await world.dispatcher.run_once()
    [embed] = world.embeds("New post by @maker_jo")
    assert embed["url"] == canonical_url(NAME, video_id)
    assert f"#{post['id']}" in embed["description"]
    await poll_until(world, world.clock.now() + timedelta(days=2))
    await world.dispatcher.run_once()
    assert len(world.embeds("New post")) == 1


async def test_posts_are_announced_in_publishing_order_and_more_than_a_page_is_followed(world: World) -> None:
    world.sim.add_account(NAME, videos=2)
    await world.watches.add(GUILD, NAME)
    ids = world.sim.schedule_videos(NAME, 35, every=timedelta(seconds=30))
    report = await poll_until(world, world.clock.now() + timedelta(hours=7))
    assert report.outcomes[0].announced == 35  # one poll, two pages
    rows = await outbox(world.pool, "new_post")
    assert [r["payload"]["video_id"] for r in rows] == ids


async def test_a_restart_between_poll_and_dispatch_loses_and_duplicates_nothing(world: World) -> None:
    world.sim.add_account(NAME, videos=2)
    await world.watches.add(GUILD, NAME)
    world.sim.schedule_videos(NAME, 1, every=timedelta(minutes=10))
    await poll_until(world, world.clock.now() + timedelta(hours=7))
    # The process that polled dies here: the seen row and the outbox row are committed, nothing was sent.
    assert len(await outbox(world.pool, "new_post")) == 1
    successor = world.new_process()
    await successor.dispatcher.run_once()
    await successor.dispatcher.run_once()
    await poll_until(successor, successor.clock.now() + timedelta(days=1), successor.polling)
    await successor.dispatcher.run_once()
    assert len(successor.embeds(f"New post by @{NAME}")) == 1
    assert world.sender.messages == []
    assert len(await outbox(world.pool, "new_post")) == 1


async def test_a_death_after_tracking_but_before_recording_the_video_announces_it_once(world: World) -> None:
    world.sim.add_account(NAME, videos=2)
    await world.watches.add(GUILD, NAME)
    [video_id] = world.sim.schedule_videos(NAME, 1, every=timedelta(minutes=10))
    world.clock.advance(timedelta(hours=7))
    # What a poller does first for a new video, then it dies before the seen+announce transaction.
    await world.tracking.track(GUILD, canonical_url(NAME, video_id))
    successor = world.new_process()
    report = await successor.polling.run_due()
    assert report.announced == 1
    [row] = await outbox(world.pool, "new_post")
    assert row["payload"]["tracked"] is True
    assert await count(world.pool, "SELECT count(*) FROM guild_posts") == 1
    assert await count(world.pool, "SELECT count(*) FROM social_media_post_analytics") == 1


async def test_two_pollers_at_once_announce_a_post_once(world: World) -> None:
    world.sim.add_account(NAME, videos=2)
    world.sim.add_account("other_acct", videos=1)
    await world.watches.add(GUILD, NAME)
    await world.watches.add(GUILD, "other_acct")
    world.sim.schedule_videos(NAME, 2, every=timedelta(minutes=5))
    world.sim.schedule_videos("other_acct", 1, every=timedelta(minutes=5))
    world.clock.advance(timedelta(hours=7))
    second = world.new_process()
    reports = await asyncio.gather(world.polling.run_due(), second.polling.run_due())
    assert sum(r.announced for r in reports) == 3
    assert sum(len(r.outcomes) for r in reports) == 2  # each watch polled by exactly one of them
    assert len(await outbox(world.pool, "new_post")) == 3
    assert await count(world.pool, "SELECT count(*) FROM guild_posts") == 3


async def test_a_poller_whose_lease_expired_does_not_announce_again(world: World) -> None:
    world.sim.add_account(NAME, videos=2)
    await world.watches.add(GUILD, NAME)
    world.sim.schedule_videos(NAME, 1, every=timedelta(minutes=5))
    world.clock.advance(timedelta(hours=7))
    [stale] = await world.polling.claim_due()  # this poller stalls past its lease...
    world.clock.advance(world.polling.lease + timedelta(seconds=1))
    successor = world.new_process()
    assert (await successor.polling.run_due()).announced == 1
    late = await world.polling.poll(stale)  # ...and then wakes up
    assert late.status == "superseded" and late.announced == 0
    assert len(await outbox(world.pool, "new_post")) == 1
    watch = await world.pool.fetchrow("SELECT next_poll_at, claimed_until FROM account_watches")
    assert watch["next_poll_at"] > world.clock.now() and watch["claimed_until"] is None


@pytest.mark.parametrize(
    ("change", "reason", "column"),
    [("private", "private", "is_private"), ("deleted", "deleted or does not exist", "is_active")],
)
async def test_an_unavailable_account_is_reported_once_and_polling_stops(
    world: World, change: str, reason: str, column: str
) -> None:
    world.sim.add_account(NAME, videos=2)
    await world.watches.add(GUILD, NAME)
    await world.watches.add(OTHER_GUILD, NAME, channel_id=CHANNEL + 1)
    if change == "private":
        world.sim.account(NAME).private = True
    else:
        world.sim.remove_account(NAME)
    report = await poll_until(world, world.clock.now() + timedelta(days=3))
    assert [o.status for o in report.outcomes] == ["stopped"]
    rows = await outbox(world.pool, "watch_stopped")
    assert sorted(r["guild_id"] for r in rows) == [GUILD, OTHER_GUILD]
    assert {r["payload"]["reason"] for r in rows} == {reason}
    assert await world.pool.fetchval("SELECT next_poll_at FROM account_watches") is None
    calls = world.sim.calls
    await poll_until(world, world.clock.now() + timedelta(days=3))
    assert world.sim.calls == calls  # no more polls
    flag = await world.pool.fetchval(f"SELECT {column} FROM social_media_accounts WHERE username = $1", NAME)
    assert flag is (change == "private")
    await world.dispatcher.run_once()
    assert len(world.embeds(f"Stopped watching @{NAME}")) == 2
    [listed] = await world.watches.list_watches(GUILD)
    assert listed.status == f"stopped ({reason})"


async def test_a_missing_or_private_account_cannot_be_added_and_nothing_is_stored(world: World) -> None:
    world.sim.add_account("secret_one", private=True)
    for name in ("nobody404", "secret_one"):
        with pytest.raises(AccountUnavailable):
            await world.watches.add(GUILD, name)
    with pytest.raises(InvalidInput):
        await world.watches.add(GUILD, "not a name!")
    assert await count(world.pool, "SELECT count(*) FROM account_watches") == 0
    assert await count(world.pool, "SELECT count(*) FROM account_watch_guilds") == 0


async def test_two_guilds_each_get_the_announcement_and_the_video_is_fetched_once(world: World) -> None:
    world.sim.add_account(NAME, videos=1)
    first = await world.watches.add(GUILD, NAME)
    second = await world.watches.add(OTHER_GUILD, NAME, channel_id=CHANNEL + 7)
    assert first.baseline_videos == 1 and second.baseline_videos == 0  # polled once for both
    world.sim.schedule_videos(NAME, 1, every=timedelta(minutes=5))
    before = world.sim.calls_by_route["/"]
    await poll_until(world, world.clock.now() + timedelta(hours=7))
    assert world.sim.calls_by_route["/"] - before == 1
    rows = await outbox(world.pool, "new_post")
    assert {(r["guild_id"], r["channel_id"]) for r in rows} == {(GUILD, None), (OTHER_GUILD, CHANNEL + 7)}
    assert len({r["post_id"] for r in rows}) == 1
    await world.dispatcher.run_once()
    assert {m.channel_id for m in world.sender.messages} == {CHANNEL, CHANNEL + 7}


async def test_removing_the_last_watcher_stops_polling_and_a_new_watch_starts_without_a_flood(
    world: World,
) -> None:
    world.sim.add_account(NAME, videos=1)
    await world.watches.add(GUILD, NAME)
    await world.watches.add(OTHER_GUILD, NAME)
    assert not (await world.watches.remove(GUILD, "@maker_jo")).polling_stopped
    with pytest.raises(AccountNotFound):
        await world.watches.remove(GUILD, NAME)
    assert (await world.watches.remove(OTHER_GUILD, NAME)).polling_stopped
    assert await world.pool.fetchval("SELECT next_poll_at FROM account_watches") is None
    with pytest.raises(AccountNotFound):
        await world.watches.remove(GUILD, "never_watched")
    # Posted while nobody watched: recorded silently when watching starts again.
    world.sim.schedule_videos(NAME, 2, every=timedelta(hours=1))
    world.clock.advance(timedelta(hours=3))
    again = await world.watches.add(GUILD, NAME)
    assert again.baseline_videos == 2 and again.watch.active
    await poll_until(world, world.clock.now() + timedelta(days=1))
    assert await outbox(world.pool, "new_post") == []


async def test_polls_adapt_to_the_posting_rate_and_skip_the_posts_call_when_nothing_changed(
    world: World,
) -> None:
    world.sim.add_account("busy_one", videos=28, every=timedelta(hours=12))
    world.sim.add_account("quiet_one", videos=1, every=timedelta(days=40))
    await world.watches.add(GUILD, "busy_one")
    await world.watches.add(GUILD, "quiet_one")
    nxt = {w.username: w.next_poll_at - world.clock.now() for w in await world.watches.list_watches(GUILD)}
    assert nxt["busy_one"] == timedelta(minutes=15)  # it posts at this time of day: a likely window
    assert nxt["quiet_one"] == timedelta(hours=6)
    posts_calls = world.sim.calls_by_route["/user/posts"]
    world.clock.advance(timedelta(minutes=30))
    report = await world.polling.run_due()
    assert [o.username for o in report.outcomes] == ["busy_one"]
    assert world.sim.calls_by_route["/user/posts"] == posts_calls  # video count unchanged: info only
    world.sim.schedule_videos("busy_one", 1, every=timedelta(minutes=1))
    assert (await poll_until(world, world.clock.now() + timedelta(hours=1))).announced == 1
    assert world.sim.calls_by_route["/user/posts"] == posts_calls + 1


async def test_budget_nearly_used_postpones_polls_and_says_so_once(world: World) -> None:
    world.sim.add_account(NAME, videos=1)
    world.sim.add_account("other_acct", videos=1)
    await world.watches.add(GUILD, NAME)
    await world.watches.add(GUILD, "other_acct")
    await world.client.recorder.flush()
    # 4 calls used by the two adds; a budget of 6 leaves nothing beyond the reserve.
    tight = world.new_process(monthly_budget=6)
    world.clock.advance(timedelta(hours=7))
    report = await tight.polling.run_due()
    assert [o.status for o in report.outcomes] == ["postponed", "postponed"]
    april = datetime(2026, 4, 1, tzinfo=UTC)
    assert all(o.next_poll_at == april for o in report.outcomes)
    [row] = await outbox(world.pool, "watch_budget")
    assert row["payload"]["accounts"] == 2
    await tight.dispatcher.run_once()
    assert len(tight.embeds("API budget nearly used")) == 1
    # A new month, a new budget: polling resumes.
    world.clock.set(april + timedelta(minutes=1))
    resumed = await tight.polling.run_due()
    assert sorted(o.status for o in resumed.outcomes) == ["polled", "polled"]


async def test_account_snapshots_accumulate_and_analytics_shows_growth(world: World) -> None:
    world.sim.add_account(NAME, followers=10_000, videos=2)
    await world.watches.add(GUILD, NAME)
    report = await poll_until(world, world.clock.now() + timedelta(days=3))
    assert report.count("polled") >= 12  # at least one poll every 6 hours
    a = await world.watches.account_analytics("@maker_jo")
    # One snapshot a UTC day (the original's social_media_analytics_snapshots): each day's latest poll.
    days = [s.captured_at.date() for s in a.snapshots]
    assert days == sorted(set(days)) and len(days) >= 3
    last = await world.pool.fetchval("SELECT max(last_polled_at) FROM account_watches")
    assert a.snapshots[-1].captured_at == last
    followers = [s.numbers.followers for s in a.snapshots]
    assert followers == sorted(followers) and followers[-1] > followers[0]
    assert a.since_first is not None and a.since_first.followers == followers[-1] - followers[0]
    assert a.followers_per_day is not None and a.followers_per_day > 0
    assert a.watch is not None and a.watch.active
    with pytest.raises(AccountNotFound):
        await world.watches.account_analytics("unknown_acct")


async def test_a_new_post_the_budget_cannot_track_is_still_announced_once_as_not_tracked(
    world: World,
) -> None:
    world.sim.add_account(NAME, videos=1)
    tight = world.new_process(monthly_budget=10)  # polls fit; a post's 9 check-backs do not
    await tight.watches.add(GUILD, NAME)
    world.sim.schedule_videos(NAME, 1, every=timedelta(minutes=5))
    report = await poll_until(tight, tight.clock.now() + timedelta(hours=7), tight.polling)
    assert report.announced == 1
    [row] = await outbox(world.pool, "new_post")
    assert row["payload"]["tracked"] is False and row["post_id"] is None
    assert "budget" in row["payload"]["not_tracked_reason"]
    assert await count(world.pool, "SELECT count(*) FROM social_media_posts") == 0


async def test_an_answer_that_proves_nothing_does_not_stop_a_watch(world: World) -> None:
    world.sim.add_account(NAME, videos=2)
    await world.watches.add(GUILD, NAME)
    world.sim.fail_next(1, "vague")  # code -1 "Something went wrong": not evidence the account is gone
    report = await poll_until(world, world.clock.now() + timedelta(days=3))
    assert "stopped" not in [o.status for o in report.outcomes]
    assert await world.pool.fetchval("SELECT next_poll_at FROM account_watches") is not None
    assert await outbox(world.pool, "watch_stopped") == []


async def test_a_daily_posters_new_posts_are_found_at_the_first_poll_after_publishing(world: World) -> None:
    # Posts daily at this time of day: its likely window is polled every 15 minutes, the rest backs off.
    world.sim.add_account(NAME, videos=14, every=timedelta(days=1))
    await world.watches.add(GUILD, NAME)
    start = world.clock.now() + timedelta(days=1, minutes=20)
    ids = world.sim.schedule_videos(NAME, 3, every=timedelta(days=1, minutes=-7), start=start)
    info_calls = world.sim.calls_by_route["/user/info"]
    await poll_until(world, start + timedelta(days=3))
    rows = await outbox(world.pool, "new_post")
    assert sorted(r["payload"]["video_id"] for r in rows) == sorted(ids)
    for row in rows:
        found = datetime.fromisoformat(row["payload"]["discovered_at"])
        published = datetime.fromisoformat(row["payload"]["posted_at"])
        assert timedelta(0) <= found - published <= timedelta(minutes=15)
    # Fewer polls than hourly: the hours where it never posts are polled rarely.
    assert world.sim.calls_by_route["/user/info"] - info_calls < 3 * 24


async def test_a_post_found_after_its_first_offset_gets_that_check_at_discovery_with_its_real_age(
    world: World,
) -> None:
    world.sim.add_account("quiet_one", videos=1, every=timedelta(days=40))
    await world.watches.add(GUILD, "quiet_one")  # polled every 6 hours
    [video_id] = world.sim.schedule_videos("quiet_one", 1, every=timedelta(hours=2))
    await poll_until(world, world.clock.now() + timedelta(hours=7))
    [row] = await outbox(world.pool, "new_post")
    assert row["payload"]["skipped_checks"] == 1
    post_id = row["payload"]["post_id"]
    [snap] = await world.pool.fetch(
        "SELECT check_index, captured_at FROM social_media_post_analytics WHERE post_id = $1", post_id
    )
    assert snap["check_index"] == 1  # the 1h check-back, taken at discovery
    analytics = await world.tracking.analytics(GUILD, post_id)
    assert [s.label for s in analytics.snapshots] == ["1h, at 4h"]
