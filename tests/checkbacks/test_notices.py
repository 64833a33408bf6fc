"""The outbox's notices: every kind survives the trip through its JSON payload, and every kind renders."""

from __future__ import annotations

import typing
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from bot import notices
from bot.insight.models import MilestoneEta, Standing
from bot.notices import AskedQuestion, Counts, DigestCap, DigestMilestone, DigestNewPost, DigestPost
from bot.render.notices import render_notice
from tests.insight.samples import PROJECTION

NOW = datetime(2026, 3, 2, 13, 0, tzinfo=UTC)
POST: dict[str, Any] = {
    "post_id": 7,
    "video_id": "7400",
    "url": "https://www.tiktok.com/@a/video/7400",
    "author": "a",
}

# Samples of every kind of notice (`notices.<Kind>`), built from the parts of a payload (`Counts`, `DigestPost`...).
SAMPLES: list[notices.Notice] = [
    notices.CheckbackNotice(
        **POST,
        check_index=2,
        checks_total=9,
        offset="6h",
        scheduled_for=NOW,
        captured_at=NOW,
        metrics=Counts(views=1200, likes=40, comments=3, shares=1, saves=0),
        since_previous=Counts(views=200, likes=4, comments=0, shares=0, saves=0),
        since_first=Counts(views=1100, likes=39, comments=3, shares=1, saves=0),
        views_per_hour=40.0,
        engagement_rate=0.035,
        next_check_at=NOW + timedelta(hours=6),
    ),
    notices.CheckbackNotice(
        **POST,
        check_index=4,
        checks_total=9,
        offset="1d",
        metrics=Counts(views=60_000, likes=4000, comments=30, shares=10, saves=0),
        standing=Standing(
            basis="curve", account="a", age="1d", ratio=2.3, typical_views=26_000, percentile=78, sample=20
        ),
        projection=PROJECTION,
        milestone_eta=MilestoneEta(milestone=100_000, hours=50.0),
    ),
    notices.CheckbackNotice(
        **POST, check_index=1, checks_total=9, standing=Standing(basis="none", why="budget")
    ),
    notices.MilestoneNotice(**POST, milestone=10_000, views=10_400),
    notices.ViralNotice(
        **POST, reason="account_curve", ratio=4.1, views=50_000, median_views=12_000, peers=20
    ),
    notices.ViralNotice(
        **POST, reason="pace", ratio=3.4, views=50_000, views_per_hour=900.0, previous_views_per_hour=260.0
    ),
    notices.UntrackedNotice(
        **POST, reason="deleted or private", last_views=900, checks_completed=3, checks_total=9, at=NOW
    ),
    notices.ChecksPostponed(
        month="2026-03", postponed_until=NOW + timedelta(days=30), budget=300, used=300, posts=4
    ),
    notices.PollsPostponed(
        month="2026-03", postponed_until=NOW + timedelta(days=30), budget=300, used=290, accounts=2
    ),
    notices.BudgetAlert(
        month="2026-03", level=80, used=240, budget=300, renews=NOW, run_out=date(2026, 3, 27)
    ),
    notices.BudgetAlert(month="2026-03", level=100, used=300, budget=300, renews=NOW),
    notices.ChecksDropped(
        month="2026-03", checks=4, by_class={"slow": 3, "fast": 1}, polls_stretched=True, budget=300, left=12
    ),
    notices.CapAlert(
        account_id=1,
        account="brand",
        action_type="like",
        level=80,
        count=8,
        daily_limit=10,
        date=NOW.date(),
        at=NOW,
    ),
    notices.ChannelBrokenNotice(guild_id=1, channel_id=2, reason="Missing Permissions", at=NOW),
    notices.NewPostNotice(
        account="maker_jo", video_id="7401", url="https://www.tiktok.com/@maker_jo/video/7401", tracked=False
    ),
    notices.WatchStoppedNotice(account="maker_jo", reason="private", at=NOW),
    notices.FailingNotice(
        **POST,
        reason="failing: 5 failed checks in a row, last: malformed answer (digg_count: not a count)",
        last_views=900,
        checks_completed=3,
        checks_total=9,
        missed=6,
        at=NOW,
    ),
    notices.CommentQuestionsNotice(
        **POST,
        check_index=2,
        offset="6h",
        questions=[AskedQuestion(comment_id=11, author="fan", text="where to buy?", likes=3)],
        more=12,
    ),
    notices.DigestNotice(
        guild_id=1,
        every="weekly",
        period_start=NOW - timedelta(days=7),
        period_end=NOW,
        zone="Europe/Berlin",
        movers=[
            DigestPost(
                post_id=7,
                author="maker_jo",
                url="https://www.tiktok.com/@maker_jo/video/7401",
                views=182_000,
                gained=150_000,
            )
        ],
        milestones=[DigestMilestone(post_id=7, author="maker_jo", milestone=100_000)],
        new_posts=[
            DigestNewPost(account="maker_jo", post_id=8, url="https://www.tiktok.com/@maker_jo/video/7402")
        ],
        finished=[DigestPost(post_id=3, author="maker_jo", views=40_000)],
        more={"milestones": 2},
        caps=[DigestCap(action_type="like", actions=340, daily_limit=100, reached=2)],
        api_calls=412,
        month_calls=3_100,
        monthly_budget=25_000,
        chart="digest.png",
    ),
]


def test_every_kind_has_a_sample() -> None:
    kinds = {
        typing.get_args(m.model_fields["kind"].annotation)[0]
        for m in typing.get_args(typing.get_args(notices.Notice)[0])
    }
    assert {s.kind for s in SAMPLES} == kinds


@pytest.mark.parametrize("notice", SAMPLES, ids=lambda n: n.kind)
def test_a_notice_comes_back_from_its_payload_and_renders(notice: notices.Notice) -> None:
    payload = notice.model_dump(mode="json")
    assert notices.parse(notice.kind, payload) == notice
    # The kind column wins over the payload, which need not repeat it (the SQL-written cap alert does not).
    assert notices.parse(notice.kind, {k: v for k, v in payload.items() if k != "kind"}) == notice
    embed = render_notice(notice)
    assert embed["title"] and embed["color"]


def test_a_payload_of_another_kind_or_with_a_stray_field_is_refused() -> None:
    with pytest.raises(ValidationError):
        notices.parse("milestone", SAMPLES[0].model_dump(mode="json"))
    with pytest.raises(ValidationError):
        notices.parse("watch_stopped", {"account": "a", "reason": "private", "reson": "typo"})
    with pytest.raises(ValidationError):
        notices.parse(
            "cap_alert", {"account_id": 1, "action_type": "like", "level": 80, "count": 8, "daily_limit": 10}
        )
    [cap] = [s for s in SAMPLES if isinstance(s, notices.CapAlert)]
    alert = notices.parse("cap_alert", {**cap.model_dump(mode="json"), "date": "2026-03-02"})
    assert isinstance(alert, notices.CapAlert) and alert.date == date(2026, 3, 2)
