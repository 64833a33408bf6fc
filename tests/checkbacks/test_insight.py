"""Check-backs against the account's typical at the same age, and where the post will end (bot/insight/):
the baseline from the tracked history or from one budgeted account-posts call a day, the viral alert on it,
the projection stored at each check, and the milestone ETA."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bot.checkbacks import CheckbackRunner
from bot.insight.models import PostInsight
from bot.insight.service import InsightService
from bot.notices import parse
from bot.render.insight import insight_lines
from bot.render.notices import render_notice
from bot.render.posts import analytics_embed

from .conftest import MakeClient, World, video_url

POSTS = "/user/posts"


def insight_runner(world: World, client: Any = None) -> CheckbackRunner:
    """The runner as the bot builds it: baselines may fetch the account's videos through the client."""
    client = client or world.client
    insight = InsightService(world.pool, world.clock, posts=client, budget=client.budget)
    return CheckbackRunner(world.pool, client, world.clock, budget=client.budget, insight=insight)


async def track(
    world: World, video_id: str, username: str, *, age: timedelta = timedelta(minutes=30), **kw: Any
) -> int:
    world.sim.add_video(video_id, world.clock.now() - age, username=username, **kw)
    return (await world.tracking.track(None, video_url(video_id, username))).post.id


async def checkbacks(world: World, post_id: int) -> list[dict[str, Any]]:
    rows = await world.pool.fetch(
        "SELECT payload FROM notification_outbox WHERE kind = 'checkback' AND post_id = $1 ORDER BY id",
        post_id,
    )
    return [dict(parse_payload(r["payload"])) for r in rows]


def parse_payload(payload: Any) -> dict[str, Any]:
    import json

    return json.loads(payload) if isinstance(payload, str) else dict(payload)


def typical_of(embed: dict[str, Any]) -> str:
    return str(next(f["value"] for f in embed["fields"] if f["name"] == "Vs typical"))


async def run_until(world: World, runner: CheckbackRunner, post_id: int, hours: float) -> None:
    """Every check of the post due in the next `hours`."""
    end = world.clock.now() + timedelta(hours=hours)
    while (post := await world.tracking.get_post(None, post_id)).next_check_at and post.next_check_at <= end:
        world.clock.set(post.next_check_at)
        await runner.run_once()
    world.clock.set(end)


async def test_a_post_of_an_account_with_20_videos_stands_against_their_curve_fetched_once_a_day(
    world: World,
) -> None:
    world.sim.add_account("twentyfour", videos=24, every=timedelta(days=1))
    post_id = await track(world, "7430000000000000001", "twentyfour")
    runner = insight_runner(world)
    await run_until(world, runner, post_id, 24)  # the 1h, 6h, 12h and 24h checks
    notices = await checkbacks(world, post_id)
    assert len(notices) == 4
    for n in notices:
        s = n["standing"]
        assert s["basis"] == "curve" and s["sample"] == 20 and s["account"] == "twentyfour", s
        assert s["ratio"] > 0 and 0 <= s["percentile"] <= 100
    assert [n["standing"]["age"] for n in notices] == ["1h", "6h", "12h", "1d"]
    assert world.sim.calls_by_route[POSTS] == 1  # one account-posts call for the day
    # The ratio is the snapshot's viral_score.
    scores = await world.pool.fetch(
        "SELECT check_index, viral_score FROM social_media_post_analytics WHERE post_id = $1 AND check_index > 0"
        " ORDER BY check_index",
        post_id,
    )
    assert [float(r["viral_score"]) for r in scores] == [n["standing"]["ratio"] for n in notices]
    # The rendered check-back says it in words.
    embed = render_notice(parse("checkback", notices[-1]))
    typical = typical_of(embed)
    assert "typical** at 1d" in typical and "percentile of @twentyfour's last 20 videos" in typical
    # A day after the fetch, the next check fetches again: at most daily.
    await run_until(world, runner, post_id, 25)  # the 48h check
    assert world.sim.calls_by_route[POSTS] == 2


async def test_the_tracked_history_is_the_baseline_from_five_posts_at_the_same_check(world: World) -> None:
    for i in range(5):
        await track(world, f"743100000000000000{i}", "steady", age=timedelta(minutes=10), views_30d=20_000)
    runner = insight_runner(world)
    world.advance(hours=1)
    assert (await runner.run_once()).recorded == 5  # their 1h checks
    calls = world.sim.calls_by_route[POSTS]
    post_id = await track(world, "7431000000000000009", "steady", age=timedelta(minutes=10), views_30d=20_000)
    world.advance(hours=1)
    assert (await runner.run_once()).recorded == 1  # its 1h check
    s = (await checkbacks(world, post_id))[0]["standing"]
    assert s["basis"] == "tracked" and s["sample"] == 5 and s["age"] == "1h"
    embed = render_notice(parse("checkback", (await checkbacks(world, post_id))[0]))
    assert "percentile of @steady's last 5 tracked posts at this check" in typical_of(embed)
    assert world.sim.calls_by_route[POSTS] == calls  # the history sufficed: no call


async def test_a_call_the_budget_cannot_afford_is_skipped_and_the_check_back_says_there_is_no_baseline(
    world: World, make_client: MakeClient
) -> None:
    # Enough for the post's first snapshot and its checks, not for an extra call beside the reserve.
    client = await make_client(monthly_budget=15)
    world.sim.add_account("pricey", videos=24)
    world.sim.add_video("7432000000000000001", world.clock.now() - timedelta(minutes=30), username="pricey")
    tracking = type(world.tracking)(world.pool, client, world.clock, budget=client.budget)
    post_id = (await tracking.track(None, video_url("7432000000000000001", "pricey"))).post.id
    runner = insight_runner(world, client)
    world.advance(hours=1)
    assert (await runner.run_once()).recorded == 1
    s = (await checkbacks(world, post_id))[0]["standing"]
    assert s["basis"] == "none" and s["why"] == "budget"
    assert world.sim.calls_by_route[POSTS] == 0
    embed = render_notice(parse("checkback", (await checkbacks(world, post_id))[0]))
    text = typical_of(embed)
    assert text.startswith("No baseline yet") and "API budget" in text


async def test_a_hit_of_an_account_tracked_once_is_viral_against_its_curve(world: World) -> None:
    world.sim.add_account("quiet", videos=24)
    for vid in world.sim.account("quiet").videos:
        world.sim.video(vid).views_30d = 5_000  # an account of small videos
    post_id = await track(world, "7433000000000000001", "quiet", views_30d=3_000_000)
    runner = insight_runner(world)
    await run_until(world, runner, post_id, 6)
    rows = await world.pool.fetch(
        "SELECT payload FROM notification_outbox WHERE kind = 'viral' AND post_id = $1", post_id
    )
    assert len(rows) == 1
    viral = parse_payload(rows[0]["payload"])
    assert viral["reason"] == "account_curve" and viral["peers"] == 20 and viral["ratio"] >= 3
    assert "of the account's last 20 videos" in render_notice(parse("viral", viral))["description"]


async def test_from_the_second_snapshot_on_each_check_back_projects_and_stores_the_projection(
    world: World,
) -> None:
    world.sim.add_account("grower", videos=24)
    post_id = await track(world, "7434000000000000001", "grower", views_30d=300_000)
    runner = insight_runner(world)
    await run_until(world, runner, post_id, 24)
    notices = await checkbacks(world, post_id)
    truth_30d = (
        world.sim.video("7434000000000000001")
        .metrics_at(world.sim.video("7434000000000000001").published_at + timedelta(days=30))
        .views
    )
    last = notices[-1]["projection"]
    assert last["low_30d"] <= last["views_30d"] <= last["high_30d"]
    assert last["low_7d"] <= last["views_7d"] <= last["high_7d"] and last["views_7d"] <= last["views_30d"]
    assert abs(last["views_30d"] - truth_30d) / truth_30d < 0.25
    stored = await world.pool.fetch(
        "SELECT check_index, views_30d FROM post_projections WHERE post_id = $1 ORDER BY check_index", post_id
    )
    assert [r["check_index"] for r in stored] == [1, 2, 3, 4]
    assert stored[-1]["views_30d"] == last["views_30d"]


async def test_near_a_milestone_check_backs_and_analytics_give_its_eta(world: World) -> None:
    post_id = await track(world, "7435000000000000001", "nearly", views_30d=150_000)
    world.sim.video("7435000000000000001").tau_hours = 4.0  # 56k at 24 h, 100k at about 5 days
    runner = insight_runner(world)
    await run_until(world, runner, post_id, 24)
    etas = [n["milestone_eta"] for n in await checkbacks(world, post_id) if n.get("milestone_eta")]
    assert etas and etas[-1]["milestone"] == 100_000 and 0 < etas[-1]["hours"] <= 7 * 24
    notice = (await checkbacks(world, post_id))[-1]
    description = render_notice(parse("checkback", notice))["description"]
    assert "100k in about" in description and "at the current pace" in description

    async def analytics_insight() -> PostInsight:
        insight = (await world.tracking.analytics(None, post_id)).insight
        assert insight is not None and insight.projection is not None
        return insight

    # /analytics gives the ETA of the projection it shows (fitted to every snapshot), counted from now ...
    eta = (await analytics_insight()).eta
    assert eta is not None and eta.milestone == 100_000 and 0 < eta.hours <= 7 * 24
    world.advance(hours=48)
    later = (await analytics_insight()).eta
    assert later is not None and later.hours == pytest.approx(eta.hours - 48, abs=0.1)
    # ... and once the projected pace has it passed, it is left to the next check to tell.
    world.advance(hours=later.hours + 1)
    assert (await analytics_insight()).eta is None


async def test_at_each_check_the_check_back_and_analytics_give_the_same_projection_and_eta(
    world: World,
) -> None:
    post_id = await track(world, "7435000000000000002", "samefit", views_30d=150_000)
    world.sim.video("7435000000000000002").tau_hours = 4.0
    runner = insight_runner(world)
    end = world.clock.now() + timedelta(days=7)
    compared = 0
    while (post := await world.tracking.get_post(None, post_id)).next_check_at and post.next_check_at <= end:
        world.clock.set(post.next_check_at)
        await runner.run_once()
        notice = (await checkbacks(world, post_id))[-1]
        insight = (await world.tracking.analytics(None, post_id)).insight
        assert insight is not None
        if notice["projection"] is None:
            assert insight.projection is None
            continue
        # At the moment of the check /analytics fits the same snapshots: the same figures and the same ETA.
        assert insight.projection is not None
        assert insight.projection.model_dump(exclude={"path"}) == {
            k: v for k, v in notice["projection"].items() if k != "path"
        }
        eta = insight.eta.model_dump() if insight.eta is not None else None
        assert notice["milestone_eta"] == eta
        compared += 1
    assert compared >= 5  # from the second check to the 7-day one: far more snapshots than first and last two


async def test_after_30_days_analytics_says_how_far_off_the_projection_made_at_24h_was(world: World) -> None:
    world.sim.add_account("month", videos=24)
    post_id = await track(world, "7436000000000000001", "month", views_30d=400_000)
    runner = insight_runner(world)
    await run_until(world, runner, post_id, 24 * 31)
    analytics = await world.tracking.analytics(None, post_id)
    insight = analytics.insight
    assert insight is not None and insight.projection is None  # past 30 days: nothing left to project
    # Nor does the 30-day check-back project: its 30-day figure is measured (as /analytics says it).
    assert (await checkbacks(world, post_id))[-1]["projection"] is None
    made = await world.pool.fetchrow(
        "SELECT age_hours, views_7d, views_30d FROM post_projections WHERE post_id = $1 AND check_index = 4",
        post_id,
    )  # the 24 h check's
    by_label = {s.label: s.metrics.views for s in analytics.snapshots}
    assert [(c.horizon, c.projected, c.actual) for c in insight.accuracy] == [
        ("7d", made["views_7d"], by_label["7d"]),
        ("30d", made["views_30d"], by_label["30d"]),
    ]
    assert insight.accuracy[0].made_at_hours == round(made["age_hours"], 1)
    embed = analytics_embed(analytics)
    text = next(f["value"] for f in embed["fields"] if f["name"] == "How far off the early projection was")
    assert text.startswith("7d: projected ") and "\n30d: projected " in text and "reached" in text
    # The command line's `analytics` says it in the same words, under the same heading.
    lines = insight_lines(insight)
    at = lines.index("how far off the early projection was:")
    assert lines[at + 1 :] == ["  " + row for row in text.split("\n")]


async def test_an_account_whose_videos_cannot_be_read_leaves_the_check_back_without_a_baseline(
    world: World,
) -> None:
    post_id = await track(world, "7437000000000000001", "shy403")  # a private account: its posts are refused
    runner = insight_runner(world)
    world.advance(hours=1)
    assert (await runner.run_once()).recorded == 1
    assert world.sim.calls_by_route[POSTS] >= 1
    s = (await checkbacks(world, post_id))[0]["standing"]
    assert s["basis"] == "none" and s["why"] == "few_posts"
    calls = world.sim.calls_by_route[POSTS]
    await run_until(world, runner, post_id, 5)  # the 6h check: more than an hour later, asked once more
    assert world.sim.calls_by_route[POSTS] == calls + 1
