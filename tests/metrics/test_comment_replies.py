"""The simulator's comments over time and its /comment/reply, through the real client; and what flags a
question."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.clock import ManualClock
from bot.comment_questions import DEFAULT_KEYWORDS, asks, normalise_keyword
from bot.errors import InvalidInput, VideoUnavailable
from bot.metrics import MetricsClient
from bot.sandbox.metrics import MetricsSimulator

VIDEO = "7400000000000000888"
URL = f"https://www.tiktok.com/@maker_jo/video/{VIDEO}"


async def test_added_comments_appear_at_their_time_newest_first_with_their_replies(
    client: MetricsClient, sim: MetricsSimulator
) -> None:
    clock = sim.clock
    assert isinstance(clock, ManualClock)
    now = clock.now()
    sim.add_video(VIDEO, now - timedelta(hours=1), username="maker_jo", comments=2)
    early = sim.add_comment(VIDEO, "price?", at=now - timedelta(minutes=30), replies=(("DM'd you", True),))
    sim.add_comment(VIDEO, "later one", at=now + timedelta(minutes=30))

    page = await client.comments(URL)
    assert [c.text for c in page.items][:1] == ["price?"] and len(page.items) == 3  # + the 2 older ones
    assert page.items[0].reply_total == 1
    clock.advance(timedelta(hours=1))
    again = await client.comments(URL)
    assert [c.text for c in again.items][:2] == ["later one", "price?"]

    replies = await client.comment_replies(early.comment_id)
    assert [(r.text, r.user.unique_id if r.user else None) for r in replies.items] == [
        ("DM'd you", "maker_jo")
    ]
    assert (await client.comment_replies(early.comment_id)).items == replies.items  # the same every time
    with pytest.raises(VideoUnavailable):
        await client.comment_replies("7600000000000000000")  # no such comment: code -1
    assert sim.calls_by_route["/comment/reply"] == 3


async def test_a_stream_of_new_comments_grows_with_time(client: MetricsClient, sim: MetricsSimulator) -> None:
    sim.fresh_comments_per_hour = 2.0
    now = sim.clock.now()
    sim.add_video(VIDEO, now - timedelta(hours=3), username="maker_jo", comments=0)
    page = await client.comments(URL)
    assert page.total == 6 and len({c.comment_id for c in page.items}) == 6
    times = [c.create_time for c in page.items]
    assert times == sorted(times, reverse=True)
    assert all(t is not None and t <= now for t in times)


def test_a_question_is_a_question_mark_or_a_whole_keyword() -> None:
    assert asks("where did you get it?", DEFAULT_KEYWORDS) == "?"
    assert asks("Drop the LINK pls", DEFAULT_KEYWORDS) == "link"
    assert asks("where to buy this", DEFAULT_KEYWORDS) == "where to buy"
    assert asks("I linked it before", DEFAULT_KEYWORDS) is None  # "link" only as a whole word
    assert asks("love it", DEFAULT_KEYWORDS) is None
    assert asks(None, DEFAULT_KEYWORDS) is None
    assert normalise_keyword("  Where   To BUY ") == "where to buy"
    for bad in ("", "?", "x" * 41):
        with pytest.raises(InvalidInput):
            normalise_keyword(bad)
