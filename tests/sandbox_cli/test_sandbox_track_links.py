"""In the sandbox, one `/track` with three links of three different forms (a www link, an
`m.tiktok.com/v/ID.html` link and a `vm.tiktok.com` short link, which the sandbox's simulator answers with its
redirect) tracks all three: one line per link, then `/tracked` lists the three posts. And a chat message
posted with `/say` holding two links of different forms is tracked whole by the "Track TikTok links" message
context menu (`/menu`)."""

from __future__ import annotations

import re
from collections.abc import Callable

from bot.sandbox.metrics.provider import Provider
from tests.sandbox_cli.conftest import Run

WWW_ID = "7301234567890140027"
MOBILE_ID = "7301234567890140227"
SHORT_CODE = "ZMdemo123"
# The post the simulator's short-link host redirects an unknown code to (the same every run).
SHORT_ID = Provider.short_video_id(SHORT_CODE)
LINKS = (
    f"https://www.tiktok.com/@demo/video/{WWW_ID}",
    f"https://m.tiktok.com/v/{MOBILE_ID}.html",
    f"https://vm.tiktok.com/{SHORT_CODE}/",
)


def reply_lines(out: str, command: str) -> list[str]:
    """The lines of the sandbox's reply to `command` (the message block printed after its prompt): a slash
    command by its name, anything else (a context menu) as the transcript names it."""
    what = re.escape(command if " " in command else f"/{command}")
    header = re.search(rf"^\[[^\]]+\] Checkback → {what} \(member\)\n", out, re.M)
    assert header, out
    lines = []
    for line in out[header.end() :].splitlines():
        if not line.startswith("  │ "):
            break
        lines.append(line.removeprefix("  │ "))
    return lines


def test_one_track_with_three_link_forms_tracks_all_three(run_sandbox: Callable[..., Run]) -> None:
    script = "\n".join(["/as member", f"/track url:{' '.join(LINKS)}", "/tracked"])
    run = run_sandbox(script, "--for", "1m")
    assert run.code == 0, run.err
    assert "Traceback" not in run.out + run.err
    assert_one_line_a_link(reply_lines(run.out, "track"), LINKS)
    assert listed_ids(reply_lines(run.out, "tracked")) == sorted([WWW_ID, MOBILE_ID, SHORT_ID])


def assert_one_line_a_link(answer: list[str], links: tuple[str, ...]) -> None:
    """The answer to tracking `links`: how many were tracked, then a ✓ line a link, in their order."""
    count = len(links)
    assert answer[0] == f"{count} links: {count} tracked, 0 failed", answer
    assert len(answer) == count + 1, answer
    for line, link in zip(answer[1:], links, strict=True):
        assert line.startswith(f"✓ {link} — tracked: #"), line


def listed_ids(tracked: list[str]) -> list[str]:
    """The video ids of the posts /tracked lists (one a line under its title), sorted."""
    assert tracked[0] == "Tracked posts (active)", tracked
    post = re.compile(r" · (\d+) \(https://www\.tiktok\.com/@[\w.]+/video/\1\) · ")
    listed = [found[1] for line in tracked[1:] if (found := post.search(line))]
    assert len(listed) == len(tracked) - 1, tracked
    return sorted(listed)


MENU_ID = "7301234567890140327"
MENU_CODE = "ZMmenu456"
MESSAGE_LINKS = (
    f"https://www.tiktok.com/@demo/video/{MENU_ID}?is_from_webapp=1&lang=en",
    f"https://vm.tiktok.com/{MENU_CODE}/",
)


def test_the_context_menu_tracks_both_links_of_a_chat_message(run_sandbox: Callable[..., Run]) -> None:
    said = f"new ones! {MESSAGE_LINKS[0]} and <{MESSAGE_LINKS[1]}>, not https://example.com/@a/video/1"
    script = "\n".join(["/as member", f"/say {said}", '/menu "Track TikTok links" 1', "/tracked"])
    run = run_sandbox(script, "--for", "1m")
    assert run.code == 0, run.err
    assert "Traceback" not in run.out + run.err
    posted = re.search(r"^\[[^\]]+\] member in #checkbacks · message 1\n  (.*)\n  apps: (.*)$", run.out, re.M)
    assert posted, run.out
    assert posted[1] == said and posted[2] == '/menu "Track TikTok links" 1'
    assert_one_line_a_link(reply_lines(run.out, "Track TikTok links on message 1"), MESSAGE_LINKS)
    assert listed_ids(reply_lines(run.out, "tracked")) == sorted(
        [MENU_ID, Provider.short_video_id(MENU_CODE)]
    )


def test_the_context_menu_needs_a_message_posted_with_say(run_sandbox: Callable[..., Run]) -> None:
    run = run_sandbox('/menu "Track TikTok links" 1\n', "--for", "1m")
    assert run.code == 1
    assert "/menu needs a menu and the number of a message posted with /say" in run.err
    assert "(messages: none yet)" in run.err
