"""Comment questions in a scripted sandbox: switched on, a check-back's questions arrive in one message with
their buttons, and pressing them drafts a reply and records an answer that /actions recent shows."""

from __future__ import annotations

import re
from collections.abc import Callable

from tests.sandbox_cli.conftest import Run

SCRIPT = """
/as admin
/questions on
/as member
/track url:https://www.tiktok.com/@demo/video/7301234567890123456
/wait 1h
/press 1
/press 2
/press 2
/actions recent
/comments post:1 filter:unanswered
"""


def test_a_question_is_announced_drafted_and_marked_answered_counted_in_actions_recent(
    run_sandbox: Callable[..., Run],
) -> None:
    run = run_sandbox(SCRIPT, "--for", "1m")
    assert run.code == 0, run.err
    out = run.out
    # The 1h check-back fetched the post's first comments and announced its one question with two buttons.
    assert "❓ 1 new question · #1 @demo" in out, out
    assert "buttons: [1] Draft reply 1  [2] Mark answered 1  — /press N" in out
    drafted, answered, twice = re.findall(
        r"Checkback → button \d \(member\) · only you can see this\n(.*)", out
    )
    assert "no message template to draft from" in drafted  # the sandbox has no template until one is added
    assert re.search(
        r"Marked answered: @fan_\d+'s question on post #1\. Recorded as comment action #1", answered
    )
    assert "answered already" in twice
    assert re.search(r"✅ 1 @demo comment video:7301234567890123456", out)
    assert "Comments on #1 (unanswered questions)\n  │ No unanswered questions." in out, out
    assert "Traceback" not in out + run.err


def test_the_demo_drafts_a_reply_from_its_template(run_sandbox: Callable[..., Run]) -> None:
    run = run_sandbox(
        "/as admin\n/questions on\n/wait 1h\n/press 1\n/press 1\n", "--seed-demo", "--for", "1m"
    )
    assert run.code == 0, run.err
    first, again = re.findall(
        r"Checkback → button 1 \(admin\) · only you can see this\n((?:  .*\n)+)", run.out
    )
    assert re.search(r"Hi @fan_\d+! Thanks for asking about “Simulated video 123456", first), first
    assert "everything is linked in our bio. — demo" in first
    assert "template “answer_question” (1 of 1)" in first
    assert first == again  # the same question drafts the same reply
    assert "Traceback" not in run.out + run.err
