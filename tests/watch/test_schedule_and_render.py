"""The adaptive poll interval, the watch notifications' embeds and the account chart (no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.charts import render_account_chart
from bot.notices import parse
from bot.poll_schedule import MAX_INTERVAL, MIN_INTERVAL, poll_interval, until_likely
from bot.render.notices import render_notice
from bot.watch_models import AccountAnalytics, AccountNumbers, AccountSnapshotView

NOW = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)


def posts_every(gap: timedelta, count: int, *, last: timedelta = timedelta(hours=7)) -> list[datetime]:
    """`count` publish times `gap` apart, the newest `last` ago."""
    return [NOW - last - gap * i for i in range(count)]


def test_an_account_that_posted_nothing_recently_is_polled_every_six_hours() -> None:
    assert poll_interval([], NOW) == MAX_INTERVAL
    assert poll_interval([NOW - timedelta(days=20)], NOW) == MAX_INTERVAL


def test_the_interval_follows_the_posting_rate_within_its_bounds() -> None:
    # Outside its likely windows (posts at 05:00 and 17:00; now is noon) an account backs off.
    daily = poll_interval(posts_every(timedelta(days=1), 14), NOW)
    twice_daily = poll_interval(posts_every(timedelta(hours=12), 28), NOW)
    weekly = poll_interval(posts_every(timedelta(days=7), 2), NOW)
    assert daily == timedelta(hours=4)  # 1 day / 6
    assert twice_daily == timedelta(hours=2)
    assert weekly == MAX_INTERVAL  # 7 days / 6, capped
    assert poll_interval(posts_every(timedelta(hours=1), 300), NOW) == MIN_INTERVAL


def test_polls_come_often_where_the_account_usually_posts_and_wake_for_it() -> None:
    daily = posts_every(timedelta(days=1), 14)  # every day at 05:00
    assert until_likely(daily, NOW) == timedelta(hours=16, minutes=15)
    assert poll_interval(daily, NOW.replace(hour=5, minute=30) + timedelta(days=1)) == MIN_INTERVAL
    assert poll_interval(daily, NOW.replace(hour=4, minute=20) + timedelta(days=1)) == MIN_INTERVAL
    # Two hours before the window opens: the next poll is when it opens, not four hours later.
    assert poll_interval(daily, NOW.replace(hour=2, minute=15) + timedelta(days=1)) == timedelta(hours=2)
    # Two posts are no pattern yet.
    assert until_likely(daily[:2], NOW) is None


def test_polls_come_sooner_just_after_a_post() -> None:
    quiet = posts_every(timedelta(days=7), 2, last=timedelta(hours=2))
    assert poll_interval(quiet, NOW) == MAX_INTERVAL / 2
    assert poll_interval(quiet, NOW + timedelta(hours=7)) == MAX_INTERVAL
    busy = posts_every(timedelta(hours=1), 300, last=timedelta(minutes=10))
    assert poll_interval(busy, NOW) == MIN_INTERVAL  # never below the floor


def test_a_new_post_renders_with_its_tracking_or_why_not() -> None:
    payload = {
        "account": "maker_jo",
        "video_id": "7300000000000000777",
        "url": "https://www.tiktok.com/@maker_jo/video/7300000000000000777",
        "caption": "Soldering a tiny LED matrix",
        "posted_at": NOW.isoformat(),
        "post_id": 12,
        "tracked": True,
        "skipped_checks": 0,
        "next_check_at": (NOW + timedelta(hours=1)).isoformat(),
        "views": 1200,
        "followers": 15400,
    }
    embed = render_notice(parse("new_post", payload))
    assert embed["title"] == "🆕 New post by @maker_jo"
    assert "Tracking as #12" in embed["description"] and "Soldering" in embed["description"]
    assert embed["footer"]["text"] == "video 7300000000000000777"
    untracked = render_notice(
        parse(
            "new_post",
            {**payload, "tracked": False, "not_tracked_reason": "the month's API budget is used up"},
        )
    )
    assert "Not tracked: the month's API budget is used up." in untracked["description"]
    stopped = render_notice(parse("watch_stopped", {"account": "maker_jo", "reason": "private"}))
    assert stopped["title"] == "Stopped watching @maker_jo" and "is private" in stopped["description"]
    budget = render_notice(
        parse("watch_budget", {"budget": 300, "accounts": 2, "postponed_until": "2026-04-01T00:00:00+00:00"})
    )
    assert "2 watched account(s)" in budget["description"]


def test_the_account_chart_is_a_png_even_with_one_snapshot() -> None:
    def view(hours: int, followers: int) -> AccountSnapshotView:
        return AccountSnapshotView(
            captured_at=NOW + timedelta(hours=hours),
            numbers=AccountNumbers(followers=followers, hearts=followers * 20, videos=3),
        )

    for snaps in ([view(0, 100)], [view(0, 100), view(6, 130), view(12, 190)]):
        png = render_account_chart(AccountAnalytics(username="maker_jo", snapshots=snaps))
        assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 1000
