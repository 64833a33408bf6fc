"""MetricsClient against the simulator over loopback: endpoints, paging, errors, retries, limits, budget."""

from __future__ import annotations

import asyncio
import socket
from datetime import timedelta

import pytest

from bot.clock import ManualClock
from bot.config import load_settings
from bot.errors import (
    AccountUnavailable,
    ApiRejected,
    ApiUnavailable,
    InvalidInput,
    InvalidTikTokUrl,
    QuotaExhausted,
    RateLimited,
    VideoUnavailable,
)
from bot.metrics import MetricsClient, parse_video_url
from bot.sandbox.metrics import MetricsSimulator
from tests.metrics.conftest import MakeClient

URL = "https://www.tiktok.com/@maker_jo/video/7400000000000000001"


# --- endpoints -------------------------------------------------------------------------------------
async def test_video_info_returns_the_simulated_numbers(client: MetricsClient, sim: MetricsSimulator) -> None:
    video = await client.video_info(URL)
    expected = sim.metrics_at("7400000000000000001")
    assert video.video_id == "7400000000000000001"
    assert (video.play_count, video.digg_count, video.comment_count) == (
        expected.views,
        expected.likes,
        expected.comments,
    )
    assert (video.share_count, video.collect_count) == (expected.shares, expected.saves)
    assert video.author is not None and video.author.unique_id == "maker_jo"
    assert video.create_time == sim.video("7400000000000000001").published_at.replace(microsecond=0)
    assert video.raw["id"] == "7400000000000000001" and "hdplay" in video.raw
    assert sim.calls_by_route["/"] == 1


async def test_a_short_link_is_sent_to_the_api_which_resolves_it(
    client: MetricsClient, sim: MetricsSimulator
) -> None:
    sim.add_video("7400000000000000777", username="maker_jo")
    link = sim.add_short_link("ZMabc123", "7400000000000000777")
    video = await client.video_info(link)
    assert video.video_id == "7400000000000000777"
    assert sim.calls == 1  # one call to the API: the client never fetches the short link itself


async def test_one_page_of_comments(client: MetricsClient) -> None:
    page = await client.comments(URL, count=50)
    assert len(page.items) == 50 and page.has_more and page.cursor == "50" and page.total == 120
    assert page.items[0].text and page.items[0].user is not None and page.items[0].create_time is not None


async def test_all_comments_follows_the_pages_to_the_end(
    client: MetricsClient, sim: MetricsSimulator
) -> None:
    comments = await client.all_comments(URL)
    assert len(comments) == 120
    assert len({c.comment_id for c in comments}) == 120
    assert sim.calls_by_route["/comment/list"] == 3  # 50 + 50 + 20, stopped by hasMore false


async def test_all_comments_stops_at_the_limit(client: MetricsClient, sim: MetricsSimulator) -> None:
    comments = await client.all_comments(URL, limit=70)
    assert len(comments) == 70
    assert sim.calls_by_route["/comment/list"] == 2


async def test_all_comments_of_a_video_without_comments_is_one_empty_page(
    client: MetricsClient, sim: MetricsSimulator
) -> None:
    sim.add_video("7400000000000000555", username="quiet", comments=0)
    assert await client.all_comments("https://www.tiktok.com/@quiet/video/7400000000000000555") == []
    assert sim.calls_by_route["/comment/list"] == 1


async def test_user_info(client: MetricsClient, sim: MetricsSimulator) -> None:
    sim.add_account("maker_jo", nickname="Jo Makes", followers=15400, verified=True, videos=3)
    info = await client.user_info("@maker_jo")
    assert (info.unique_id, info.nickname, info.verified, info.video_count) == (
        "maker_jo",
        "Jo Makes",
        True,
        3,
    )
    assert info.follower_count is not None and info.follower_count >= 15400
    assert info.user_id == sim.account("maker_jo").user_id


async def test_user_posts_paginate_to_the_end_newest_first(
    client: MetricsClient, sim: MetricsSimulator
) -> None:
    sim.add_account("maker_jo", videos=45)
    first = await client.user_posts("maker_jo")
    assert len(first.items) == 30 and first.has_more
    posts = await client.all_user_posts("maker_jo")
    assert len(posts) == 45 and len({p.video_id for p in posts}) == 45
    times = [p.create_time for p in posts]
    assert times == sorted(times, reverse=True)  # type: ignore[type-var]
    assert sim.calls_by_route["/user/posts"] == 3


async def test_searches(client: MetricsClient, sim: MetricsSimulator) -> None:
    users = await client.search_users("led matrix", count=10)
    assert len(users.items) == 10 and users.has_more and users.items[0].unique_id == "led_matrix_0"
    more = await client.search_users("led matrix", cursor=users.cursor, count=10)
    assert more.items[0].unique_id == "led_matrix_10"
    videos = await client.search_videos("arduino", count=5, sort_type=1)
    assert len(videos.items) == 5 and all(v.play_count is not None for v in videos.items)
    # A video found by search is one the API knows: its details agree.
    found = videos.items[0]
    assert found.author is not None
    detail = await client.video_info(
        f"https://www.tiktok.com/@{found.author.unique_id}/video/{found.video_id}"
    )
    assert detail.play_count == found.play_count
    tags = await client.search_hashtags("arduino")
    assert tags.items[0].name == "arduino" and len(tags.items) == 15 and not tags.has_more
    assert set(sim.calls_by_route) == {"/user/search", "/feed/search", "/", "/challenge/search"}


async def test_same_question_same_answer(client: MetricsClient) -> None:
    assert (await client.video_info(URL)).play_count == (await client.video_info(URL)).play_count
    assert [u.unique_id for u in (await client.search_users("cats")).items] == [
        u.unique_id for u in (await client.search_users("cats")).items
    ]


# --- errors that are not retried -------------------------------------------------------------------
async def test_an_invalid_link_is_refused_before_any_call(
    client: MetricsClient, sim: MetricsSimulator
) -> None:
    for text in (
        "https://example.com/@maker_jo/video/1",
        "javascript:alert(1)",
        "",
        "tiktok.com.evil.com/@a/video/1",
    ):
        with pytest.raises(InvalidTikTokUrl):
            await client.video_info(text)
        with pytest.raises(InvalidTikTokUrl):
            await client.comments(text)
    with pytest.raises(InvalidInput):
        await client.user_info("not a username!")
    assert sim.calls == 0
    assert client.attempts == 0


@pytest.mark.parametrize("change", ["delete", "private", "404-suffix", "403-suffix"])
async def test_deleted_and_private_videos_are_unavailable_without_retries(
    client: MetricsClient, sim: MetricsSimulator, change: str
) -> None:
    video_id = {"404-suffix": "7400000000000000404", "403-suffix": "7400000000000000403"}.get(
        change, "7400000000000000001"
    )
    if change == "delete":
        sim.delete_video(video_id)
    elif change == "private":
        sim.make_private(video_id)
    url = f"https://www.tiktok.com/@maker_jo/video/{video_id}"
    with pytest.raises(VideoUnavailable):
        await client.video_info(url)
    with pytest.raises(VideoUnavailable):
        await client.comments(url)
    assert sim.calls == 2


async def test_a_video_scheduled_for_later_is_unavailable_until_published(
    client: MetricsClient, sim: MetricsSimulator, clock: ManualClock
) -> None:
    [later] = sim.schedule_videos("maker_jo", 1, every=timedelta(hours=1))
    url = f"https://www.tiktok.com/@maker_jo/video/{later}"
    with pytest.raises(VideoUnavailable):
        await client.video_info(url)
    assert later not in [v.video_id for v in await client.all_user_posts("maker_jo")]
    clock.advance(timedelta(hours=2))
    assert (await client.video_info(url)).play_count is not None
    assert (await client.user_posts("maker_jo")).items[0].video_id == later


async def test_missing_and_private_accounts(client: MetricsClient, sim: MetricsSimulator) -> None:
    sim.remove_account("gone_user")
    with pytest.raises(AccountUnavailable):
        await client.user_info("gone_user")
    with pytest.raises(AccountUnavailable):
        await client.user_info("someone404")
    with pytest.raises(AccountUnavailable):
        await client.user_posts("someone403")
    assert sim.calls == 3


async def test_missing_key_is_401_and_wrong_key_403_both_rejected_at_once(
    make_client: MakeClient, sim: MetricsSimulator
) -> None:
    sim.require_key = "right-key-123"
    without = await make_client()
    with pytest.raises(ApiRejected) as no_key:
        await without.video_info(URL)
    assert no_key.value.facts["status"] == 401
    wrong = await make_client(api_key="wrong-key-456")
    with pytest.raises(ApiRejected) as bad_key:
        await wrong.video_info(URL)
    assert bad_key.value.facts["status"] == 403
    assert "wrong-key-456" not in str(bad_key.value) and "wrong-key-456" not in bad_key.value.user_message
    assert sim.calls == 2 and sim.sent_rejected == 2  # no retries
    right = await make_client(api_key="right-key-123")
    assert (await right.video_info(URL)).video_id == "7400000000000000001"


async def test_the_plans_monthly_quota_429_is_quota_exhausted_not_retried(
    client: MetricsClient, sim: MetricsSimulator
) -> None:
    sim.fail_next(1, "quota")
    with pytest.raises(QuotaExhausted):
        await client.video_info(URL)
    assert sim.calls == 1


async def test_past_the_monthly_budget_the_client_refuses_without_calling(
    make_client: MakeClient, sim: MetricsSimulator
) -> None:
    client = await make_client(monthly_budget=3)
    assert client.remaining_budget() == 3
    for _ in range(3):
        await client.video_info(URL)
    assert client.remaining_budget() == 0
    with pytest.raises(QuotaExhausted) as caught:
        await client.video_info(URL)
    assert "3 of the 3" in str(caught.value)
    assert sim.calls == 3
    assert await client.calls_this_month() == 3


async def test_the_budget_starts_again_next_month(
    make_client: MakeClient, sim: MetricsSimulator, clock: ManualClock
) -> None:
    client = await make_client(monthly_budget=1)
    await client.video_info(URL)
    with pytest.raises(QuotaExhausted):
        await client.video_info(URL)
    clock.advance(timedelta(days=20))  # 15 March + 20 days: April
    await client.video_info(URL)
    assert sim.calls == 2


async def test_no_budget_means_no_limit(client: MetricsClient) -> None:
    assert client.remaining_budget() is None
    await client.video_info(URL)
    assert await client.calls_this_month() == 1


# --- retries ---------------------------------------------------------------------------------------
async def test_5xx_is_retried_then_succeeds(client: MetricsClient, sim: MetricsSimulator) -> None:
    sim.fail_next(2, 503)
    video = await client.video_info(URL)
    assert video.video_id == "7400000000000000001"
    assert sim.calls == 3 and sim.sent_errors == 2 and client.retried == 2


async def test_unavailable_after_every_retry(client: MetricsClient, sim: MetricsSimulator) -> None:
    sim.error_rate = 1.0
    with pytest.raises(ApiUnavailable) as caught:
        await client.video_info(URL)
    assert sim.calls == 3  # retries=2: three attempts
    assert caught.value.facts["attempts"] == 3 and "HTTP 503" in str(caught.value)


async def test_rate_limited_after_every_retry(client: MetricsClient, sim: MetricsSimulator) -> None:
    sim.rate_429 = 1.0
    with pytest.raises(RateLimited):
        await client.video_info(URL)
    assert sim.calls == 3 and sim.sent_429 == 3


async def test_the_providers_limit_message_is_throttling_and_retried(
    client: MetricsClient, sim: MetricsSimulator
) -> None:
    sim.fail_next(1, "limit")
    assert (await client.video_info(URL)).video_id == "7400000000000000001"
    assert sim.calls == 2
    sim.limit_rate = 1.0
    with pytest.raises(RateLimited):
        await client.video_info(URL)


async def test_a_timeout_is_retried(make_client: MakeClient, sim: MetricsSimulator) -> None:
    client = await make_client(timeout=0.2)
    sim.fail_next(1, "timeout")
    assert (await client.video_info(URL)).video_id == "7400000000000000001"
    assert sim.sent_timeouts == 1 and sim.calls == 2


async def test_timeouts_every_time_are_unavailable(make_client: MakeClient, sim: MetricsSimulator) -> None:
    client = await make_client(timeout=0.1, retries=1)
    sim.timeout_rate = 1.0
    with pytest.raises(ApiUnavailable) as caught:
        await client.video_info(URL)
    assert "no answer within" in str(caught.value)
    assert sim.sent_timeouts == 2


async def test_connection_refused_is_retried_then_unavailable(make_client: MakeClient) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = await make_client(base_url=f"http://127.0.0.1:{port}")
    with pytest.raises(ApiUnavailable):
        await client.video_info(URL)
    assert client.attempts == 3


async def test_retry_after_is_honoured(make_client: MakeClient, sim: MetricsSimulator) -> None:
    # Backoff alone would retry within 1 ms; the second request may come only after Retry-After.
    client = await make_client(backoff_base=0.001, backoff_max=0.001)
    sim.retry_after = 0.3
    sim.fail_next(1, "429")
    await client.video_info(URL)
    first, second = list(sim.requests)
    assert first.status == 429 and second.status == 200
    assert second.at - first.at >= 0.29


async def test_a_retry_after_longer_than_allowed_gives_up_at_once(
    make_client: MakeClient, sim: MetricsSimulator
) -> None:
    client = await make_client(max_retry_after=5.0)
    sim.retry_after = 3600
    sim.fail_next(1, "429")
    with pytest.raises(RateLimited):
        await client.video_info(URL)
    assert sim.calls == 1


async def test_injected_faults_are_reproducible_with_a_seed() -> None:
    statuses = []
    for _ in range(2):
        sim = MetricsSimulator(seed=42, error_rate=0.3, rate_429=0.2, retry_after=0.001)
        await sim.start()
        try:
            async with MetricsClient(sim.base_url, rate=1000, retries=0) as client:
                for _ in range(20):
                    try:
                        await client.video_info(URL)
                    except (ApiUnavailable, RateLimited):
                        pass
            statuses.append([r.status for r in sim.requests])
        finally:
            await sim.stop()
    assert statuses[0] == statuses[1]
    assert {200, 503, 429} <= set(statuses[0])


# --- pacing ----------------------------------------------------------------------------------------
async def test_many_concurrent_callers_stay_under_the_rate_limit(
    make_client: MakeClient, sim: MetricsSimulator
) -> None:
    rate, callers = 40.0, 40
    sim.rate_limit = rate  # the simulator answers 429 to anything faster than this
    client = await make_client(rate=rate, retries=0)
    ref = parse_video_url(URL)
    results = await asyncio.gather(*(client.video_info(ref) for _ in range(callers)), return_exceptions=True)
    assert all(not isinstance(r, BaseException) for r in results)
    assert sim.sent_429 == 0
    arrivals = [r.at for r in sim.requests]
    # 40 evenly spaced requests at 40/s span about 0.975 s; a burst would span a few ms. The bound is
    # generous because arrivals, unlike sends, can bunch up when the machine is busy.
    assert max(arrivals) - min(arrivals) >= (callers - 1) / rate * 0.5


async def test_the_simulator_catches_a_client_that_bursts(
    make_client: MakeClient, sim: MetricsSimulator
) -> None:
    # The control for the test above: without pacing the same load is refused.
    sim.rate_limit = 40.0
    client = await make_client(rate=10_000.0, retries=0)
    results = await asyncio.gather(*(client.video_info(URL) for _ in range(40)), return_exceptions=True)
    assert any(isinstance(r, RateLimited) for r in results)
    assert sim.rate_limited > 0


async def test_concurrency_is_bounded(make_client: MakeClient, sim: MetricsSimulator) -> None:
    sim.latency = 0.05
    client = await make_client(concurrency=3)
    await asyncio.gather(*(client.video_info(URL) for _ in range(12)))
    assert sim.max_in_flight == 3


async def test_retry_after_holds_back_every_caller_of_the_process(
    make_client: MakeClient, sim: MetricsSimulator
) -> None:
    client = await make_client(backoff_base=0.001, backoff_max=0.001)
    sim.retry_after = 0.3
    sim.fail_next(1, "429")
    first = asyncio.create_task(client.video_info(URL))
    for _ in range(2000):  # until the 429 has been seen and the client waits out Retry-After (10 s at most)
        if client.retried:
            break
        await asyncio.sleep(0.005)
    await client.video_info(URL)  # another caller, which never saw a 429 itself
    await first
    throttled, *later = list(sim.requests)
    assert throttled.status == 429 and len(later) == 2
    assert all(r.at - throttled.at >= 0.29 for r in later)


async def test_from_settings(sim: MetricsSimulator, clock: ManualClock) -> None:
    settings = load_settings(
        metrics_api_base_url=sim.base_url,
        metrics_api_rate=50,
        metrics_api_retries=1,
        metrics_api_monthly_budget=1,
    )
    async with MetricsClient.from_settings(settings, clock=clock, backoff_base=0.001) as client:
        assert (client.bucket.rate, client.retries, client.monthly_budget) == (50, 1, 1)
        await client.video_info(URL)
        with pytest.raises(QuotaExhausted):
            await client.video_info(URL)
