"""The month's API plan: the forecast on a known history, the shedding order, shedding on real Postgres
(told once, shown by /tracked), the 80% and 100% alerts once each, and `python -m bot usage`."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.budget_plan import forecast, month_plan
from bot.notices import parse
from bot.render.config import usage_lines
from bot.render.notices import render_notice
from bot.shedding import BudgetKeeper, shedding_order, value_class
from db.budget_plan import PlannedCheck

from .conftest import World, video_url

MARCH = date(2026, 3, 1)


def test_the_forecast_of_a_known_history() -> None:
    daily = {MARCH: 10, MARCH.replace(day=2): 10, MARCH.replace(day=3): 10}
    now = datetime(2026, 3, 4, tzinfo=UTC)  # three whole days at 10 calls a day
    steady = forecast(daily, now, 100)
    assert steady.pace == 10 and steady.run_out == date(2026, 3, 11)  # 70 left: 7 more days
    assert forecast(daily, now, 1000).run_out is None  # lasts the month
    assert forecast(daily, now, 30).run_out == now.date()  # used up already
    assert forecast(daily, now, None).run_out is None
    assert forecast({}, now, 100).pace == 0 and forecast({}, now, 100).run_out is None


def test_the_shedding_order_late_checks_of_the_slowest_posts_first() -> None:
    def check(post: int, days: float, vph: float | None) -> PlannedCheck:
        return PlannedCheck(post, 1, datetime(2026, 3, 20, tzinfo=UTC), timedelta(days=days), vph)

    checks = [
        check(1, 1, 5),  # a post's first day: never shed
        check(1, 14, 5),
        check(1, 3, 5),
        check(2, 30, 5000),
        check(3, 7, 300),
        check(3, 30, 300),
        check(4, 14, None),  # unknown pace: the least valuable
        check(2, 2, 5000),
    ]
    order = [(c.post_id, c.offset.days if c.offset else None) for c in shedding_order(checks)]
    assert order == [(4, 14), (1, 14), (1, 3), (3, 30), (3, 7), (2, 30), (2, 2)]
    assert [value_class(v) for v in (None, 49.9, 50, 999, 1000)] == [
        "slow",
        "slow",
        "steady",
        "steady",
        "fast",
    ]


async def test_a_plan_past_the_budget_sheds_slow_posts_late_checks_first_and_says_so_once(
    world: World,
) -> None:
    world.sim.add_video("7450000000000000001", world.clock.now() - timedelta(minutes=1), views_30d=1_000)
    world.sim.add_video(
        "7450000000000000002", world.clock.now() - timedelta(minutes=1), views_30d=500_000_000
    )
    slow = (await world.tracking.track(None, video_url("7450000000000000001"))).post.id
    fast = (await world.tracking.track(None, video_url("7450000000000000002"))).post.id
    for _ in range(5):  # 1h, 6h, 12h, 1d, 2d
        due = await world.runner.next_due_at()
        assert due is not None
        world.clock.set(due)
        await world.runner.run_once()
    await world.client.recorder.flush()
    used = await world.pool.fetchval("SELECT count(*) FROM api_usage_tracking")
    assert used == 12

    # March 4th: 3d, 7d and 14d of each post are planned before April 1st (30d falls on April 1st).
    budget = world.client.budget.limited(used + 5)
    plan = await month_plan(world.pool, budget, world.clock.now())
    assert (plan.planned_checks, plan.planned_polls, plan.left, plan.shortfall) == (6, 0, 5, 1)
    keeper = BudgetKeeper(world.pool, budget, world.clock)
    report = await keeper.run()
    # 5 left (a budget this small keeps no reserve): 1 to shed, the slow post's 14d check.
    assert report.dropped == {"slow": 1} and report.alerts == [] and not report.polls_stretched
    dropped = await world.pool.fetch("SELECT post_id, offset_seconds, value_class FROM dropped_checks")
    assert [(r["post_id"], r["offset_seconds"], r["value_class"]) for r in dropped] == [
        (slow, 14 * 86400, "slow")
    ]

    tighter = world.client.budget.limited(used + 2)
    report = await BudgetKeeper(world.pool, tighter, world.clock).run()
    assert report.dropped == {"slow": 2, "fast": 1}  # slow's 7d and 3d, then fast's 14d
    assert report.alerts == [80]  # 12 of 14
    page = await world.tracking.list_posts(None, status="all")
    assert {p.id: p.checks_dropped for p in page.items} == {slow: 3, fast: 1}
    assert {p.id: p.checks_total for p in page.items} == {slow: 6, fast: 8}
    [row] = await world.pool.fetch(
        "SELECT kind, payload FROM notification_outbox WHERE kind = 'checks_dropped'"
    )
    notice = parse(row["kind"], row["payload"])
    assert "dropped" in render_notice(notice)["title"]

    # Nothing more to shed, and no second notice or alert this month.
    await BudgetKeeper(world.pool, tighter, world.clock).run()
    kinds = await world.pool.fetch(
        "SELECT kind FROM notification_outbox WHERE kind LIKE 'budget_alert' OR kind = 'checks_dropped'"
    )
    assert sorted(r["kind"] for r in kinds) == ["budget_alert", "checks_dropped"]

    # The slow post's next check is its 30d one now; the fast one goes on with 3d and 7d.
    nexts = dict(await world.pool.fetch("SELECT id, next_check_at FROM social_media_posts"))
    posted = dict(await world.pool.fetch("SELECT id, posted_at FROM social_media_posts"))
    assert nexts[slow] - posted[slow] == timedelta(days=30)
    assert nexts[fast] - posted[fast] == timedelta(days=3)

    # At 100%: the second alert, once.
    spent = world.client.budget.limited(used)
    assert (await BudgetKeeper(world.pool, spent, world.clock).run()).alerts == [100]
    assert (await BudgetKeeper(world.pool, spent, world.clock).run()).alerts == []


async def test_usage_shows_the_plan_the_pace_and_when_the_budget_runs_out(world: World) -> None:
    world.sim.add_video("7450000000000000003", world.clock.now() - timedelta(minutes=1))
    await world.tracking.track(None, video_url("7450000000000000003"))
    await world.client.recorder.flush()
    from bot.api_usage import UsageService

    service = UsageService(world.pool, world.clock, budget=world.client.budget.limited(100))
    lines = usage_lines(await service.report())
    text = "\n".join(lines)
    assert "Planned for the rest of the month: 8 (8 check-backs, 0 polls) — fits" in text
    assert "Budget runs out: lasts the month (renews April 1)" in text
