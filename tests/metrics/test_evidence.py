"""The evidence table: what each answer shape proves, read alone and through the client, and the verdicts."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest

from bot.errors import (
    ApiRejected,
    ApiUnavailable,
    MalformedAnswer,
    RateLimited,
    VideoUnavailable,
    VideoUnreadable,
)
from bot.metrics import MetricsClient
from bot.metrics.evidence import (
    CONFIRM_AFTER,
    MAX_BAD_ANSWERS,
    TABLE,
    VAGUE_ANSWERS,
    VAGUE_SPAN,
    Streak,
    judge,
    next_look,
    no_answer,
    read_answer,
)
from bot.sandbox.metrics import MetricsSimulator
from bot.sandbox.metrics.answer_shapes import SHAPES

T0 = datetime(2026, 3, 15, 12, 0, tzinfo=UTC)
VIDEO = "7400000000000000001"
URL = f"https://www.tiktok.com/@maker_jo/video/{VIDEO}"


@pytest.mark.parametrize(
    ("status", "payload", "evidence", "rule"),
    [
        (200, None, "transient", 0),
        (200, ["not", "an", "object"], "transient", 0),
        (200, {"code": 0, "msg": "success", "data": {"id": "1", "play_count": 5}}, "ok", 1),
        (200, {"code": "0", "data": {}}, "ok", 1),  # an empty listing is an answer
        (200, {"code": 0, "msg": "success", "data": None}, "vague", 2),
        (200, {"code": 0, "msg": "success"}, "vague", 2),
        (200, {"code": -1, "msg": "Free Api Limit: 1 request/second."}, "throttled", 3),
        (200, {"code": -1, "msg": "Video has been deleted"}, "gone", 4),
        (200, {"code": -1, "msg": "This video is private or unavailable."}, "gone", 4),
        (200, {"code": -1, "msg": "video does not exist"}, "gone", 4),
        (200, {"code": -1, "msg": "Something went wrong, please try again later"}, "vague", 5),
        (200, {"code": -1, "msg": "parse failed"}, "vague", 5),
        (200, {"code": -1, "msg": "Url parsing is failed! Please check url."}, "vague", 5),
        (200, {"code": -1}, "vague", 5),
        (200, {"code": 7, "msg": 42}, "vague", 5),
        (429, {"message": "You have exceeded the MONTHLY quota for Requests"}, "quota", 6),
        (429, {"message": "Too many requests"}, "throttled", 7),
        (429, None, "throttled", 7),
        (401, {"message": "Invalid API key."}, "rejected", 8),
        (403, {"message": "You are not subscribed to this API."}, "rejected", 8),
        (404, {"message": "Endpoint '/' does not exist"}, "vague", 9),
        (408, None, "transient", 10),
        (500, None, "transient", 10),
        (503, {"message": "Service Unavailable"}, "transient", 10),
        (418, None, "rejected", 11),
    ],
)
def test_every_answer_shape_has_one_row_of_the_table(
    status: int, payload: object, evidence: str, rule: int
) -> None:
    reading = read_answer(status, payload)
    assert (reading.evidence, reading.rule) == (evidence, rule)
    assert TABLE[rule].evidence == evidence


def test_no_answer_is_the_last_row_and_every_row_is_reachable() -> None:
    assert no_answer("timeout").rule == len(TABLE) - 1
    assert TABLE[-1].evidence == "transient"


# What the client makes of each shape the simulator can inject, for a video's detail.
EXPECTED: dict[str, tuple[type[Exception], str | None]] = {
    "vague": (VideoUnavailable, "vague"),
    "parse_failed": (VideoUnavailable, "vague"),
    "url_failed": (VideoUnavailable, "vague"),
    "no_msg": (VideoUnavailable, "vague"),
    "null": (VideoUnavailable, "vague"),
    "no_data": (VideoUnavailable, "vague"),
    "deleted": (VideoUnavailable, "gone"),
    "private": (VideoUnavailable, "gone"),
    "not_json": (ApiUnavailable, None),
    "gateway_404": (VideoUnavailable, "vague"),
    "count_text": (MalformedAnswer, None),
    "count_huge": (MalformedAnswer, None),
    "count_negative": (MalformedAnswer, None),
    "no_counts": (VideoUnavailable, "vague"),
}


def test_every_injectable_shape_is_covered() -> None:
    assert set(EXPECTED) == set(SHAPES)


@pytest.mark.parametrize("shape", SHAPES)
async def test_each_shape_through_the_client_then_a_normal_answer(
    sim: MetricsSimulator, make_client, shape: str, caplog: pytest.LogCaptureFixture
) -> None:
    client: MetricsClient = await make_client(retries=1)
    error, evidence = EXPECTED[shape]
    # A transient shape is retried once inside the call: it has to come twice to fail it.
    sim.answer_video(VIDEO, *[shape] * (2 if error is ApiUnavailable else 1))
    with caplog.at_level(logging.WARNING, logger="bot.metrics.client"), pytest.raises(error) as caught:
        await client.video_info(URL)
    assert sim.calls == (2 if error is ApiUnavailable else 1)
    if evidence is not None:
        assert caught.value.facts["evidence"] == evidence
        # A vague answer is told to users as "could not read it", not as "deleted".
        assert isinstance(caught.value, VideoUnreadable) == (evidence == "vague")
        assert ("deleted" in caught.value.user_message) == (evidence == "gone")
    if error is MalformedAnswer:
        field = caught.value.facts["field"]
        assert field in ("play_count", "digg_count", "comment_count")
        [line] = [r.getMessage() for r in caplog.records if "malformed" in r.getMessage()]
        assert field in line and "maker_jo" not in line  # the field, not the whole body
    # Whatever it was, the next answer is the video, untouched.
    video = await client.video_info(URL)
    assert video.play_count is not None and video.play_count >= 0


async def test_shapes_target_one_video_only(sim: MetricsSimulator, make_client) -> None:
    client: MetricsClient = await make_client()
    sim.answer_video(VIDEO, "vague")
    other = await client.video_info("https://www.tiktok.com/@maker_jo/video/7400000000000000002")
    assert other.play_count is not None
    with pytest.raises(VideoUnavailable):
        await client.video_info(URL)


async def test_other_gateway_answers_keep_their_meaning(sim: MetricsSimulator, make_client) -> None:
    client: MetricsClient = await make_client(retries=1)
    sim.answer_video(VIDEO, 403)
    with pytest.raises(ApiRejected):
        await client.video_info(URL)
    sim.answer_video(VIDEO, "limit", "limit")
    with pytest.raises(RateLimited):
        await client.video_info(URL)


# --- verdicts -----------------------------------------------------------------------------------------
def test_one_vague_or_gone_answer_proves_nothing() -> None:
    assert judge(Streak(T0, answers=1), T0) == "retry"
    assert judge(Streak(T0, answers=1, gone_answers=1, gone_first_at=T0), T0) == "retry"


def test_gone_wording_confirmed_by_a_second_look_later() -> None:
    twice_at_once = Streak(T0, answers=2, gone_answers=2, gone_first_at=T0)
    assert judge(twice_at_once, T0 + CONFIRM_AFTER - timedelta(seconds=1)) == "retry"
    assert judge(twice_at_once, T0 + CONFIRM_AFTER) == "gone"
    first = Streak(T0, answers=1, gone_answers=1, gone_first_at=T0)
    assert next_look(first, T0, timedelta(minutes=1)) == T0 + CONFIRM_AFTER
    assert next_look(first, T0, timedelta(hours=1)) == T0 + timedelta(hours=1)


def test_the_same_failure_repeated_over_the_span() -> None:
    many_fast = Streak(T0, answers=10)
    assert judge(many_fast, T0 + VAGUE_SPAN - timedelta(minutes=1)) == "retry"
    assert judge(Streak(T0, answers=VAGUE_ANSWERS - 1), T0 + VAGUE_SPAN * 3) == "retry"
    assert judge(Streak(T0, answers=VAGUE_ANSWERS), T0 + VAGUE_SPAN) == "gone"


def test_malformed_answers_end_a_post_after_a_bound() -> None:
    assert judge(Streak(T0, bad_answers=MAX_BAD_ANSWERS - 1), T0 + timedelta(days=9)) == "retry"
    assert judge(Streak(T0, bad_answers=MAX_BAD_ANSWERS), T0) == "poison"
