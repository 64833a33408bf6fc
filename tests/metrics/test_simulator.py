"""The simulator itself: growth curves that only grow, publish times, and the sandbox conventions."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import ManualClock
from bot.metrics import MetricsClient
from bot.sandbox.metrics import MetricsSimulator
from tests.metrics.conftest import START

IDS = [str(7_400_000_000_000_000_000 + i * 7919) for i in range(25)]


def test_every_number_is_non_decreasing_in_time_and_zero_at_publish() -> None:
    sim = MetricsSimulator(clock=ManualClock(START))
    for video_id in IDS:
        video = sim.add_video(video_id, START)
        assert video.metrics_at(START - timedelta(hours=1)).views == 0
        previous = video.metrics_at(START)
        assert previous.views == 0
        for minutes in (1, 5, 30, 60, 90, 180, 360, 720, 1440, 2880, 10080, 43200, 86400):
            now = video.metrics_at(START + timedelta(minutes=minutes))
            for field in ("views", "likes", "comments", "shares", "saves", "downloads"):
                assert getattr(now, field) >= getattr(previous, field), (video_id, minutes, field)
            previous = now
        assert previous.views > 500  # after 60 days every video has been watched


def test_growth_is_fast_early_and_slows_later() -> None:
    sim = MetricsSimulator(clock=ManualClock(START))
    for video_id in IDS:
        video = sim.add_video(video_id, START, views_30d=1_000_000)
        day1 = video.metrics_at(START + timedelta(days=1)).views
        day2 = video.metrics_at(START + timedelta(days=2)).views
        day29 = video.metrics_at(START + timedelta(days=29)).views
        day30 = video.metrics_at(START + timedelta(days=30)).views
        assert day1 > 0 and day2 - day1 > day30 - day29
        assert abs(day30 - 1_000_000) <= 1


def test_two_simulators_agree() -> None:
    first, second = MetricsSimulator(clock=ManualClock(START)), MetricsSimulator(clock=ManualClock(START))
    later = START + timedelta(hours=5)
    for video_id in IDS:
        assert first.metrics_at(video_id, later) == second.metrics_at(video_id, later)
        assert first.video(video_id).published_at == second.video(video_id).published_at


def test_an_unknown_video_was_published_within_the_hour_before_the_epoch() -> None:
    sim = MetricsSimulator(clock=ManualClock(START))
    assert sim.epoch == START
    ages = {sim.epoch - sim.video(video_id).published_at for video_id in IDS}
    assert all(timedelta(0) <= age < timedelta(hours=1) for age in ages)
    assert len(ages) > 1  # spread by id, not all the same


async def test_the_numbers_grow_as_the_clock_moves(
    client: MetricsClient, sim: MetricsSimulator, clock: ManualClock
) -> None:
    url = "https://www.tiktok.com/@maker_jo/video/7400000000000000001"
    seen = []
    for _ in range(6):
        seen.append((await client.video_info(url)).play_count)
        clock.advance(timedelta(hours=3))
    assert seen == sorted(seen) and seen[-1] > seen[0]


async def test_an_account_that_publishes_over_time(
    client: MetricsClient, sim: MetricsSimulator, clock: ManualClock
) -> None:
    sim.add_account("maker_jo", videos=2)
    coming = sim.schedule_videos("maker_jo", 3, every=timedelta(hours=1))
    assert len(await client.all_user_posts("maker_jo")) == 2
    clock.advance(timedelta(hours=2, minutes=1))
    posts = await client.all_user_posts("maker_jo")
    assert [p.video_id for p in posts[:2]] == [coming[1], coming[0]]
    assert len(posts) == 4
    assert (await client.user_info("maker_jo")).video_count == 4


async def test_an_account_first_seen_through_the_api_has_past_videos(client: MetricsClient) -> None:
    posts = await client.all_user_posts("somebody_new")
    assert len(posts) == 12
    assert all(p.author is not None and p.author.unique_id == "somebody_new" for p in posts)
