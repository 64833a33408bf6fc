"""Comment questions through the real bot, the Discord emulator and the metrics simulator: the switch, the
batched announcement, /comments filters, "Draft reply", "Mark answered" (a capped `comment` action), reply
threads and the budget."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import asyncpg
import pytest

from bot.clock import ManualClock
from bot.comment_checks import CommentCheckReport
from bot.sandbox.discord import Message
from bot.sandbox.stack import Stack
from tests.conftest import MakeStack

VIDEO = "7301234567890127001"
URL = f"https://www.tiktok.com/@demo/video/{VIDEO}"
QUESTION_TITLE = "❓"


async def track(stack: Stack, comments: list[tuple[str, float]], **details: object) -> tuple[int, datetime]:
    """Publishes VIDEO five minutes ago with `comments` (text, minutes after publishing), tracks it as the
    member; returns the post id and the publish time."""
    published = stack.clock.now() - timedelta(minutes=5)
    stack.simulator.add_video(VIDEO, published, username="demo", comments=0, title="LED matrix build")
    for n, (text, minutes) in enumerate(comments):
        stack.simulator.add_comment(
            VIDEO, text, at=published + timedelta(minutes=minutes), username=f"fan_{n:05d}", **details
        )
    answer = await stack.reply(stack.world.member, "track", url=URL)
    assert "Tracking #" in answer.embeds[0]["description"], answer.embeds
    post_id = await stack.runtime.pool.fetchval(
        "SELECT id FROM social_media_posts WHERE external_post_id = $1", VIDEO
    )
    return post_id, published


async def check_back(stack: Stack, clock: ManualClock, at: datetime, done: int) -> CommentCheckReport:
    """Moves the clock to `at` and waits for the comment step of the `done`-th check-back."""
    checker = stack.bot.services.comment_checker
    clock.set(at)
    for _ in range(400):
        if len(checker.reports) >= done:
            return checker.reports[done - 1]
        await asyncio.sleep(0.05)
    raise AssertionError(f"check-back {done} ran no comment step")


def questions_in(stack: Stack) -> list[Message]:
    return [
        m
        for m in stack.emulator.sent_messages(stack.world.channel)
        if m.embeds and m.embeds[0].get("title", "").startswith(QUESTION_TITLE)
    ]


async def switch_on(stack: Stack) -> None:
    on = await stack.reply(stack.world.admin, "questions on")
    assert "**on**" in on.embeds[0]["description"]


async def test_switched_off_a_check_back_makes_no_comment_call(stack: Stack, clock: ManualClock) -> None:
    post, published = await track(stack, [("where can I buy this?", 10)])
    report = await check_back(stack, clock, published + timedelta(hours=1), 1)
    assert report.skipped == "off" and report.calls == 0
    assert stack.simulator.calls_by_route["/comment/list"] == 0
    assert stack.simulator.calls_by_route["/comment/reply"] == 0
    shown = await stack.reply(stack.world.admin, "questions show")
    assert "**off**" in shown.embeds[0]["description"]
    # A member may not switch it (even where the guild lets everyone see /questions).
    stack.world.guild.allow_command("questions")
    refused = await stack.reply(stack.world.member, "questions on")
    assert refused.ephemeral and "Only admins" in refused.content


async def test_questions_are_flagged_and_announced_once_per_check_back(
    stack: Stack, clock: ManualClock, clean_db: asyncpg.Pool
) -> None:
    await switch_on(stack)
    post, published = await track(
        stack,
        [("where can I buy this?", 10), ("love it", 20), ("link pls", 30), ("so satisfying", 40)],
    )
    first = await check_back(stack, clock, published + timedelta(hours=1), 1)
    assert first.calls == 1 and first.new_comments == 4
    message = await stack.emulator.wait_for_message(
        stack.world.channel, lambda m: m in questions_in(stack), timeout=10
    )
    embed = message.embeds[0]
    assert embed["title"].startswith("❓ 2 new questions · #") and "@demo" in embed["title"]
    assert "**1. @fan_00002** · asks about “link”\nlink pls" in embed["description"]
    assert "**2. @fan_00000**\nwhere can I buy this?" in embed["description"]
    assert "love it" not in embed["description"]
    labels = [c["label"] for row in message.components for c in row["components"]]
    assert labels == ["Draft reply 1", "Mark answered 1", "Draft reply 2", "Mark answered 2"]

    # New comments after the first check: the next check-back announces only the new question.
    stack.simulator.add_comment(
        VIDEO, "how much is it", at=published + timedelta(hours=2), username="late_fan"
    )
    stack.simulator.add_comment(VIDEO, "nice", at=published + timedelta(hours=3), username="other_fan")
    second = await check_back(stack, clock, published + timedelta(hours=6), 2)
    assert second.new_comments == 2 and second.calls == 1  # one page: it held comments already stored
    await stack.emulator.wait_for_message(
        stack.world.channel, lambda m: len(questions_in(stack)) == 2, timeout=10
    )
    later = questions_in(stack)[1].embeds[0]
    assert later["title"].startswith("❓ 1 new question · ") and "how much is it" in later["description"]
    assert await clean_db.fetchval("SELECT count(*) FROM comment_questions") == 3

    # A keyword the admins add flags the comments that follow; one they remove no longer does.
    added = await stack.reply(stack.world.admin, "questions keywords add", keyword="Satisfying")
    assert "`satisfying`" in added.embeds[0]["description"]
    removed = await stack.reply(stack.world.admin, "questions keywords remove", keyword="link")
    assert "`link`" not in removed.embeds[0]["description"]
    bad = await stack.reply(stack.world.admin, "questions keywords remove", keyword="teleport")
    assert bad.ephemeral and "not one of the keywords" in bad.content
    listed = await stack.reply(stack.world.admin, "questions keywords list")
    assert "`satisfying`" in listed.embeds[0]["description"] and "`price`" in listed.embeds[0]["description"]
    stack.simulator.add_comment(VIDEO, "so satisfying to watch", at=published + timedelta(hours=7))
    stack.simulator.add_comment(VIDEO, "link in bio", at=published + timedelta(hours=8))
    third = await check_back(stack, clock, published + timedelta(hours=12), 3)
    assert third.new_comments == 2 and sum(len(ids) for ids in third.flagged.values()) == 1
    stack.emulator.assert_no_violations()


async def _with_questions(stack: Stack, clock: ManualClock) -> tuple[int, Message]:
    await switch_on(stack)
    post, published = await track(stack, [("where can I buy this?", 10), ("price?", 20), ("cute", 30)])
    await check_back(stack, clock, published + timedelta(hours=1), 1)
    message = await stack.emulator.wait_for_message(
        stack.world.channel, lambda m: m in questions_in(stack), timeout=10
    )
    return post, message


async def test_comments_filters(stack: Stack, clock: ManualClock) -> None:
    post, _ = await _with_questions(stack, clock)
    w = stack.world
    top = await stack.reply(w.member, "comments", post=post)
    assert (
        "(most liked)" in top.embeds[0]["title"]
        and "from the stored comments" in top.embeds[0]["footer"]["text"]
    )
    assert stack.simulator.calls_by_route["/comment/list"] == 1  # read from storage, not fetched again
    newest = await stack.reply(w.member, "comments", post=post, filter="newest")
    body = newest.embeds[0]["description"]
    assert body.index("cute") < body.index("price?") < body.index("where can I buy this?")
    questions = await stack.reply(w.member, "comments", post=post, filter="questions")
    assert "cute" not in questions.embeds[0]["description"]
    assert questions.embeds[0]["description"].count("❓ unanswered") == 2
    assert len(questions.custom_ids) == 4
    unanswered = await stack.reply(w.member, "comments", post=post, filter="unanswered")
    assert unanswered.custom_ids == questions.custom_ids
    bad = await stack.reply(w.member, "comments", post=999, filter="questions")
    assert bad.ephemeral and "#999" in bad.content
    stack.emulator.assert_no_violations()


async def test_a_question_is_drafted_and_marked_answered_counted_in_actions_recent(
    stack: Stack, clock: ManualClock, clean_db: asyncpg.Pool
) -> None:
    post, message = await _with_questions(stack, clock)
    w = stack.world
    draft_1, answer_1, draft_2, answer_2 = message.custom_ids

    # Without a template, the draft says how to get one.
    none = await (await stack.emulator.press(w.member, message, draft_1)).final()
    assert none.ephemeral and "/templates add" in none.content
    templates = stack.bot.services.templates
    await templates.create("answer", "Hi @{username}! {video_title}: it's in the shop — {account}")
    await templates.create("thanks", "Thank you {display_name}!")
    drafted = await (await stack.emulator.press(w.member, message, draft_1)).final()
    assert drafted.ephemeral
    assert "Hi @fan_00001! LED matrix build: it's in the shop — demo" in drafted.embeds[0]["description"]
    assert "template “answer” (1 of 2)" in drafted.embeds[0]["footer"]["text"]
    # "Next template" changes the private draft in place.
    [next_template] = drafted.custom_ids
    again = await (await stack.emulator.press(w.member, drafted, next_template)).final()
    assert "Thank you fan_00001!" in again.embeds[0]["description"]

    answered = await (await stack.emulator.press(w.member, message, answer_1)).final()
    assert answered.ephemeral and "Marked answered" in answered.content
    action = await clean_db.fetchrow(
        "SELECT id, action_type, target_id, triggered_by FROM automation_actions"
    )
    assert (action["action_type"], action["target_id"], action["triggered_by"]) == (
        "comment",
        VIDEO,
        "manual",
    )
    assert f"#{action['id']}" in answered.content
    recent = await stack.reply(w.member, "actions recent")
    assert f"`{action['id']}` @demo **comment** video:{VIDEO}" in recent.embeds[0]["description"]
    unanswered = await stack.reply(w.member, "comments", post=post, filter="unanswered")
    assert "price?" not in unanswered.embeds[0]["description"]
    assert "where can I buy this?" in unanswered.embeds[0]["description"]
    twice = await (await stack.emulator.press(w.member, message, answer_1)).final()
    assert twice.ephemeral and "answered already" in twice.content

    # The buttons carry their question: after a restart, the old message's buttons still answer.
    await stack.restart_bot()
    after_restart = await (await stack.emulator.press(w.member, message, draft_2)).final()
    assert after_restart.ephemeral and "Hi @fan_00000!" in after_restart.embeds[0]["description"]

    # At the account's comment cap, the press is refused and nothing is recorded.
    capped = await stack.reply(w.admin, "limits set", action="comment", daily=1, account="demo")
    assert not capped.ephemeral
    refused = await (await stack.emulator.press(w.member, message, answer_2)).final()
    assert refused.ephemeral and "The cap is reached" in refused.content and "1/1 today" in refused.content
    assert await clean_db.fetchval("SELECT count(*) FROM automation_actions") == 1
    still = await stack.reply(w.member, "comments", post=post, filter="unanswered")
    assert "where can I buy this?" in still.embeds[0]["description"]
    stack.emulator.assert_no_violations()


async def test_replies_are_fetched_shown_and_the_accounts_reply_answers(
    stack: Stack, clock: ManualClock, clean_db: asyncpg.Pool
) -> None:
    await switch_on(stack)
    published = clock.now() - timedelta(minutes=5)
    stack.simulator.add_video(VIDEO, published, username="demo", comments=0)
    sim = stack.simulator
    sim.add_comment(
        VIDEO,
        "where to buy?",
        at=published + timedelta(minutes=10),
        username="asker",
        replies=(("same question", False), ("Link in my bio!", True)),
    )
    sim.add_comment(
        VIDEO,
        "what glue is that?",
        at=published + timedelta(minutes=20),
        username="glue_fan",
        replies=(("+1", False),),
    )
    await stack.reply(stack.world.member, "track", url=URL)
    post = await clean_db.fetchval("SELECT id FROM social_media_posts WHERE external_post_id = $1", VIDEO)
    report = await check_back(stack, clock, published + timedelta(hours=1), 1)
    assert report.replies_fetched == 2 and report.answered_by_reply == 1
    assert sim.calls_by_route["/comment/reply"] == 2
    rows = await clean_db.fetch(
        "SELECT comment_text, is_reply, is_creator_reply, parent_comment_id IS NOT NULL AS threaded"
        " FROM social_media_comments WHERE is_reply ORDER BY id"
    )
    assert [(r["comment_text"], r["is_creator_reply"], r["threaded"]) for r in rows] == [
        ("same question", False, True),
        ("Link in my bio!", True, True),
        ("+1", False, True),
    ]
    # The announcement lists only the question nobody from the account answered.
    message = await stack.emulator.wait_for_message(
        stack.world.channel, lambda m: m in questions_in(stack), timeout=10
    )
    assert "what glue is that?" in message.embeds[0]["description"]
    assert "where to buy?" not in message.embeds[0]["description"]
    shown = await stack.reply(stack.world.member, "comments", post=post, filter="questions")
    body = shown.embeds[0]["description"]
    assert "where to buy?\n↳ @fan_09000: same question\n↳ @demo (the account): Link in my bio!" in body
    assert "✅ answered (by the account's reply)" in body
    unanswered = await stack.reply(stack.world.member, "comments", post=post, filter="unanswered")
    assert "where to buy?" not in unanswered.embeds[0]["description"]
    assert "↳ @fan_09000: +1" in unanswered.embeds[0]["description"]
    # Replies are not comments of their own in the top list.
    top = await stack.reply(stack.world.member, "comments", post=post, filter="top")
    assert top.embeds[0]["description"].count("**@") == 2
    stack.emulator.assert_no_violations()


@pytest.fixture
async def tight_stack(clean_db: asyncpg.Pool, dsn: str, make_stack: MakeStack) -> Stack:
    """A budget of 10 calls: a track (1) and its eight check-backs this month (the 30-day one falls in the
    next) leave nothing for comments beyond the reserve for new posts."""
    return await make_stack(dsn=dsn, settings={"metrics_api_monthly_budget": 10})


async def test_no_comment_call_when_the_budget_cannot_afford_it(
    tight_stack: Stack, clock: ManualClock
) -> None:
    stack = tight_stack
    await switch_on(stack)
    post, published = await track(stack, [("where can I buy this?", 10)])
    report = await check_back(stack, clock, published + timedelta(hours=1), 1)
    assert report.skipped == "budget" and report.calls == 0
    assert stack.simulator.calls_by_route["/comment/list"] == 0
    assert stack.simulator.calls_by_route["/"] == 2  # the track and the check-back still ran
    assert not questions_in(stack)
