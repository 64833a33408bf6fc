"""A notice with buttons (comment questions) goes out as a message of its own, with its buttons, in its
place among the channel's batched notices."""

from __future__ import annotations

from bot import notices
from bot.notices import AskedQuestion, CommentQuestionsNotice
from bot.notifications import OutboxDispatcher
from bot.render.notices import notice_components, render_notice
from tests.checkbacks.test_outbox import enqueue

from .conftest import CHANNEL, World


async def test_a_notice_with_buttons_is_sent_alone_with_them_between_the_batches(world: World) -> None:
    await enqueue(world, 3)
    questions = CommentQuestionsNotice(
        post_id=7,
        author="maker_jo",
        offset="1h",
        questions=[
            AskedQuestion(comment_id=41, author="fan", text="where to buy?"),
            AskedQuestion(comment_id=42, author="fan2", text="link pls", matched="link"),
        ],
    )
    async with world.pool.acquire() as conn:
        await notices.enqueue(conn, questions, dedupe_key="q:7:1", now=world.clock.now())
    await enqueue(world, 2, start=10)
    dispatcher = OutboxDispatcher(
        world.pool,
        world.sender,
        world.clock,
        render=render_notice,
        buttons=notice_components,
        default_channel_id=CHANNEL,
        channel_interval=0.0,
    )
    report = await dispatcher.run_once()
    assert report.messages == 3 and report.rows_sent == 6
    first, alone, last = world.sender.messages
    assert (len(first.embeds), len(alone.embeds), len(last.embeds)) == (3, 1, 2)
    assert first.components is None and last.components is None
    assert alone.embeds[0]["title"] == "❓ 2 new questions · #7 @maker_jo"
    assert alone.components == [
        {
            "type": 1,
            "components": [
                {"type": 2, "style": 2, "label": "Draft reply 1", "custom_id": "cb:q:draft:41:0"},
                {"type": 2, "style": 1, "label": "Mark answered 1", "custom_id": "cb:q:done:41"},
                {"type": 2, "style": 2, "label": "Draft reply 2", "custom_id": "cb:q:draft:42:0"},
                {"type": 2, "style": 1, "label": "Mark answered 2", "custom_id": "cb:q:done:42"},
            ],
        }
    ]
