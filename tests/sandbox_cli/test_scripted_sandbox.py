"""`python -m bot sandbox --script FILE` end to end: a newcomer's session, replayed as a subprocess."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from bot.schedule import DEFAULT_OFFSETS
from tests.insight.samples import shaded_pixels
from tests.sandbox_cli.conftest import Run

VIDEO = "https://www.tiktok.com/@demo/video/7301234567890123456"


def test_a_tracked_post_plays_out_its_schedule_with_a_notification_for_every_check(
    run_sandbox: Callable[..., Run],
) -> None:
    script = f"""
# what a newcomer types first
/track url:{VIDEO} note:first look
/tracked
/wait 1d
/tracked status:all
/analytics post:1
"""
    run = run_sandbox(script, "--speed", "3600")
    assert run.code == 0, run.err
    total = len(DEFAULT_OFFSETS)
    assert f"Tracking #1: {total} check-backs scheduled." in run.out
    # Every check reached the channel, once, in order, and none was reported late.
    channel_checks = re.findall(r"check (\d+)/(\d+)", run.out)
    assert [int(i) for i, _ in channel_checks] == list(range(1, total + 1)), run.out
    assert run.out.count("Checkback in #checkbacks") == total
    assert "⏱" not in run.out  # the "N min late" mark of a check answered after its time
    assert "final check" in run.out
    # /tracked after a simulated day lists the post with the checks done by then (1h, 6h, 12h, 1d).
    assert re.search(r"#1 @demo · 7301234567890123456 .*· 4/9 · next ", run.out), run.out
    assert "every schedule is complete" in run.out
    assert "Traceback" not in run.out + run.err
    # The chart /analytics attaches is saved, and its path printed.
    (saved,) = re.findall(r"📎 (\S+)", run.out)
    assert Path(saved).read_bytes().startswith(b"\x89PNG")


def test_a_bad_command_stops_the_script_with_its_line_and_exit_1(run_sandbox: Callable[..., Run]) -> None:
    script = "/tracked\n\n/trak url:https://example.com\n/tracked\n"
    run = run_sandbox(script)
    assert run.code == 1
    lines = run.err.strip().splitlines()
    assert len(lines) == 1, run.err
    assert re.fullmatch(
        r"error: .*script\.txt:3: /trak url:https://example\.com: .*never registered .*/trak.*", lines[0]
    )
    assert run.out.count("→ /tracked") == 1  # the line after the bad one never ran
    assert "Traceback" not in run.out + run.err


def test_every_command_in_the_readme_is_registered_by_the_running_bot(
    run_sandbox: Callable[..., Run],
) -> None:
    from bot.cli.docs import readme_section
    from tests.sandbox_cli.test_readme import README, readme_slash_commands

    run = run_sandbox("/help\n", "--for", "1h")
    assert run.code == 0, run.err
    help_text = run.out.split("Slash commands the bot registered")[1].split("Sandbox commands:")[0]
    listed = set(re.findall(r"^  (/[a-z][\w-]*(?: [a-z][\w-]*(?=[ \n]))*)", help_text, re.MULTILINE))
    in_readme = readme_slash_commands(readme_section(README.read_text(encoding="utf-8")))
    assert in_readme and in_readme == listed, in_readme ^ listed


ELEVEN = "".join(
    f"/track url:https://www.tiktok.com/@demo/video/{7301234567890120010 + n}\n" for n in range(11)
)


def test_a_button_is_pressed_by_the_number_shown_next_to_it(
    run_sandbox: Callable[..., Run], busy_cores: None
) -> None:
    # A script's time moves only with /wait: no check-back falls due while it runs, however loaded the
    # machine and whatever the speed.
    run = run_sandbox(ELEVEN + "/tracked\n/press 2\n", "--for", "1m")
    assert run.code == 0, run.err
    first, after = run.out.split("member> /press 2")
    assert "buttons: [1] ⏮ Newest (disabled)  [2] Older ▶" in first
    page_two = after.split("(edited)")[1]
    assert "#1 @demo" in page_two and "#11 @demo" not in page_two


def test_with_both_cores_busy_every_check_back_is_printed_at_the_time_it_was_taken(
    run_sandbox: Callable[..., Run], busy_cores: None
) -> None:
    run = run_sandbox(ELEVEN + "/wait 1d\n", "--for", "1m", timeout=300)
    assert run.code == 0, run.err
    blocks = re.split(r"^(?=\S)", run.out, flags=re.MULTILINE)
    taken = 0
    for block in blocks:
        printed = re.match(r"\[(\d{4}-\d\d-\d\d \d\d:\d\d) UTC\] Checkback in #checkbacks", block)
        if printed is None:
            continue
        for when in re.findall(r"check \d+/\d+ · (\d{4}-\d\d-\d\d \d\d:\d\d) UTC", block):
            assert when == printed[1], block
            taken += 1
    assert taken == 11 * 4  # 1h, 6h, 12h and 1d of eleven posts
    assert " ago)" not in run.out
    assert "⏱" not in run.out


def test_the_watched_demo_account_posts_and_its_new_posts_are_announced_and_tracked(
    run_sandbox: Callable[..., Run], tmp_path: Path
) -> None:
    from datetime import datetime, timedelta

    # --for 2d: the two days pass before the script's last command, so /tracked lists what they brought.
    run = run_sandbox("/tracked status:all\n", "--seed-demo", "--for", "2d", timeout=300)
    assert run.code == 0, run.err
    assert "⏩ 2 d later" in run.out.split("member> /tracked status:all")[0]
    assert "Watching @maker_jo" in run.out
    stamps = re.findall(r"^\[(\d{4}-\d\d-\d\d \d\d:\d\d) UTC\]", run.out, re.MULTILINE)
    start = datetime.fromisoformat(stamps[0])
    blocks = re.split(r"^(?=\S)", run.out, flags=re.MULTILINE)
    announced = [b for b in blocks if "New post by @maker_jo" in b]
    assert len(announced) >= 3, run.out
    first = datetime.fromisoformat(re.match(r"\[(.{16}) UTC\]", announced[0])[1])  # type: ignore[index]
    assert first - start < timedelta(days=1)  # a newcomer sees one on the first sandbox day
    listing = run.out.split("member> /tracked status:all")[1]
    seeded = "7301234567890120002"
    published = [line for line in listing.splitlines() if "@maker_jo ·" in line and seeded not in line]
    assert len(published) >= 2, listing
    assert any("check-back · #4 @maker_jo" in b for b in blocks)  # its check-backs run too
    # A clean exit with a watch: nothing raised, at shutdown or before.
    log = (tmp_path / "data" / "sandbox" / "sandbox.log").read_text(encoding="utf-8")
    assert "Traceback" not in log and "raised an exception" not in log and " ERROR " not in log, log[-3000:]


def test_a_script_fills_in_the_forms_its_commands_open(run_sandbox: Callable[..., Run]) -> None:
    script = """/as admin
/templates add category:welcome
welcome
Hi {display_name},

thanks for watching {video_title}!
.
/templates edit name:welcome

Hi {display_name}, welcome back!
.
/templates add
incomplete
.
"""
    run = run_sandbox(script, "--for", "1m")
    assert run.code == 1
    assert "▣ New message template" in run.out and "▣ Edit template: welcome" in run.out
    added, edited = run.out.split("admin> /templates edit name:welcome")
    assert "Template added: welcome" in added
    assert "Hi Sample User,\n" in added and "thanks for watching My latest video!" in added
    assert "pre-filled: 'welcome'" in edited and "Template saved: welcome" in edited
    assert "Hi Sample User, welcome back!" in edited
    # The last form's text is empty: Discord's form would not send it, and the script stops there.
    (line,) = run.err.strip().splitlines()
    assert re.fullmatch(r"error: .*script\.txt:12: /templates add: .*'Text' is required", line), line


def test_a_day_after_tracking_a_post_of_an_account_with_20_videos_it_stands_against_them_and_projects(
    run_sandbox: Callable[..., Run],
) -> None:
    # --seed-demo: @maker_jo has 28 videos (and three posts are tracked first, so this one is #4).
    script = """
/track url:https://www.tiktok.com/@maker_jo/video/7301234567890129001
/wait 1d
/analytics post:4
"""
    run = run_sandbox(script, "--seed-demo", "--for", "1h", timeout=300)
    assert run.code == 0, run.err
    assert "Tracking #4: 9 check-backs scheduled." in run.out
    blocks = re.split(r"\n(?=\S)|\n\n", run.out)
    mine = [b for b in blocks if "check-back · #4 @maker_jo" in b]
    assert [re.search(r"(\w+) check-back · #4", b)[1] for b in mine] == ["1h", "6h", "12h", "1d"]  # type: ignore[index]
    for block in mine:
        age = re.search(r"(\w+) check-back · #4", block)[1]  # type: ignore[index]
        assert re.search(
            rf"Vs typical\s+[\d.]+× typical at {age} · \d+(st|nd|rd|th) percentile of "
            r"@maker_jo's last 20 videos",
            block,
        ), block
    # From the second check on, where it will end.
    assert all("Projected" in b and "30d ≈" in b for b in mine[1:]), mine
    analytics = run.out.split("member> /analytics post:4")[1]
    assert re.search(r"[\d.]+× typical at 1d · \d+(st|nd|rd|th) percentile of @maker_jo's last 20", analytics)
    assert re.search(r"Projected\s+7d ≈ [\d,.kM]+ \([\d,.kM]+–[\d,.kM]+\) · 30d ≈ ", analytics)
    (saved,) = re.findall(r"📎 (\S+)", analytics)
    png = Path(saved).read_bytes()
    assert (
        png.startswith(b"\x89PNG") and shaded_pixels(png) > 200
    )  # the chart shows the projected range (8 without one)
    assert "Traceback" not in run.out + run.err
