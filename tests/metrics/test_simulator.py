"""The simulator itself: growth curves that only grow, publish times, and the sandbox conventions."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import ManualClock
from bot.metrics import MetricsClient
from bot.sandbox.metrics import MetricsSimulator
from bot.sandbox.metrics.habits import JITTER_MINUTES
from bot.sandbox.metrics.world import IMPLICIT_VIDEOS
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
    assert len(posts) == IMPLICIT_VIDEOS
    assert all(p.author is not None and p.author.unique_id == "somebody_new" for p in posts)


def test_an_account_has_a_believable_spread_of_videos_most_ordinary_a_few_hits() -> None:
    sim = MetricsSimulator(clock=ManualClock(START))
    sim.add_account("spread_one", videos=400, habitual=True)
    views = sorted(sim.video(v).views_30d for v in sim.account("spread_one").videos)
    median = views[len(views) // 2]
    hits = [v for v in views if v > 5 * median]
    assert 0 < len(hits) < len(views) // 8  # a few hits, not many
    assert sum(1 for v in views if median / 3 <= v <= 3 * median) > len(views) // 2  # most are ordinary


def test_an_account_publishes_at_its_favourite_hours() -> None:
    sim = MetricsSimulator(clock=ManualClock(START))
    account = sim.account("habit_one")  # first seen through the API: past videos at its habits
    habits = sim.habits("habit_one")
    hours = [sim.video(v).published_at for v in account.videos]
    assert len(hours) == IMPLICIT_VIDEOS and all(h < START for h in hours)
    near = [
        h
        for h in hours
        if any(
            abs((h.hour * 60 + h.minute) - (f * 60 + 2 * 60 * k)) <= JITTER_MINUTES
            for f in habits.hours
            for k in range(3)
        )
    ]
    assert len(near) == len(hours)  # every one within minutes of a favourite hour (or two after it)
    assert len({h.hour for h in hours}) <= 3 * len(habits.hours)  # a pattern, not spread over the day


async def test_answers_carry_caption_hashtags_and_a_sound(
    client: MetricsClient, sim: MetricsSimulator
) -> None:
    posts = await client.all_user_posts("tagged_one")
    assert all("#" in p.title for p in posts)
    sounds = {p.music_info.id for p in posts if p.music_info is not None}
    assert len(posts) == IMPLICIT_VIDEOS and 1 < len(sounds) <= 3  # its own sound and a couple of trending
    own = [p for p in posts if p.music_info is not None and p.music_info.original]
    assert own and all(p.music_info.author == "tagged_one" for p in own if p.music_info)
    detail = await client.video_info(posts[0].video_id)
    assert detail.music_info == posts[0].music_info and detail.title == posts[0].title


def test_the_world_is_the_same_for_a_seed_and_another_for_another() -> None:
    one, same, other = (MetricsSimulator(clock=ManualClock(START), seed=s) for s in (3, 3, 4))
    for sim in (one, same, other):
        sim.account("seeded_one")
    videos = [
        [
            (x.video(v).published_at, x.video(v).views_30d, x.video(v).title)
            for v in x.account("seeded_one").videos
        ]
        for x in (one, same, other)
    ]
    assert videos[0] == videos[1] and videos[0] != videos[2]
