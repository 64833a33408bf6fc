"""Caps on automation actions: atomic under 50 concurrent callers, UTC days, alerts, the limits CLI."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from bot.caps import LimitsService
from bot.errors import AccountNotFound, CapReached, InvalidAction, InvalidInput
from bot.render.team import bar, render_report
from db import actions as db_actions
from db.accounts import upsert_account
from db.pool import connect

from .conftest import clear_of_hour_boundary, run_cli


async def _account(pool: asyncpg.Pool, name: str = "brand") -> int:
    async with pool.acquire() as conn:
        return await upsert_account(conn, username=name)


async def _race(conns: list[asyncpg.Connection], account_id: int, action: str) -> list[int | None]:
    await clear_of_hour_boundary(conns[0])
    return await asyncio.gather(*(db_actions.try_record_action(c, account_id, action) for c in conns))


async def test_fifty_concurrent_callers_against_a_daily_cap_of_10_succeed_exactly_10_times(
    limits: LimitsService, fifty_connections: list[asyncpg.Connection]
) -> None:
    account = await _account(limits._pool)
    await limits.set_cap("like", 10, None, "brand", by="test")

    results = await _race(fifty_connections, account, "like")

    granted = [r for r in results if r is not None]
    assert len(granted) == 10 and len(set(granted)) == 10
    stored = await limits._pool.fetchval(
        "SELECT count(*) FROM automation_actions WHERE account_id = $1", account
    )
    assert stored == 10


async def test_fifty_concurrent_callers_stop_at_the_hourly_cap_when_it_binds(
    limits: LimitsService, fifty_connections: list[asyncpg.Connection]
) -> None:
    account = await _account(limits._pool)
    await limits.set_cap("comment", daily=100, hourly=10, account="brand")

    results = await _race(fifty_connections, account, "comment")

    assert sum(r is not None for r in results) == 10
    report = await limits.show("brand")
    line = next(x for x in report.lines if x.action_type == "comment")
    assert (line.today, line.this_hour, line.daily_limit, line.hourly_limit) == (10, 10, 100, 10)
    shown = {row.split()[0]: row for row in render_report(report).splitlines()[1:]}
    assert "(cap reached)" in shown["comment"] and "(cap reached)" not in shown["like"]
    with pytest.raises(CapReached, match="10/10 this hour"):
        await limits.take_slot("brand", "comment")


async def test_limits_set_from_the_cli_is_what_concurrent_sql_callers_obey(
    clean_db: asyncpg.Pool, dsn: str, fifty_connections: list[asyncpg.Connection]
) -> None:
    account = await _account(clean_db, "shopfront")

    result = await run_cli(
        dsn, "limits", "set", "like", "--daily", "10", "--hourly", "10", "--account", "shopfront"
    )
    assert result.returncode == 0, result.stderr
    assert "like: 10 a day, 10 an hour (for shopfront)" in result.stdout

    await clear_of_hour_boundary(fifty_connections[0])
    ids = await asyncio.gather(
        *(c.fetchval("SELECT try_record_action($1, 'like')", account) for c in fifty_connections)
    )
    assert len({i for i in ids if i is not None}) == 10
    assert await clean_db.fetchval("SELECT check_rate_limit($1, 'like', 10)", account) is False


async def test_limits_show_from_the_cli_prints_counts_and_bars(clean_db: asyncpg.Pool, dsn: str) -> None:
    account = await _account(clean_db, "shopfront")
    for _ in range(3):
        assert await clean_db.fetchval("SELECT try_record_action($1, 'follow')", account) is not None

    result, defaults = await asyncio.gather(
        run_cli(dsn, "limits", "show", "--account", "@ShopFront"), run_cli(dsn, "limits", "show")
    )

    assert result.returncode == 0, result.stderr
    follow = next(line for line in result.stdout.splitlines() if line.strip().startswith("follow"))
    assert "3/50 today" in follow and "3/10 this hour" in follow and bar(3, 50) in follow
    assert "like" in result.stdout and "0/100 today" in result.stdout

    assert defaults.returncode == 0 and "Default caps" in defaults.stdout
    assert any(line.split()[:2] == ["like", "100"] for line in defaults.stdout.splitlines())


async def test_cli_errors_are_one_line_and_exit_1(clean_db: asyncpg.Pool, dsn: str) -> None:
    unknown, bad, usage = await asyncio.gather(
        run_cli(dsn, "limits", "show", "--account", "nobody"),
        run_cli(dsn, "limits", "set", "like", "--daily", "5", "--hourly", "9"),
        run_cli(dsn, "limits", "set", "like"),
    )
    assert unknown.returncode == 1
    assert unknown.stderr.strip().splitlines() == ["error: No account named nobody."]
    assert bad.returncode == 1 and len(bad.stderr.strip().splitlines()) == 1
    assert "hourly cap (9) cannot exceed the daily cap (5)" in bad.stderr
    assert usage.returncode == 2


async def test_set_cap_validates_action_values_and_account(limits: LimitsService) -> None:
    await _account(limits._pool)
    with pytest.raises(InvalidAction, match="unknown action type 'dance'"):
        await limits.set_cap("dance", 10)
    with pytest.raises(InvalidAction, match="between 0"):
        await limits.set_cap("like", -1)
    with pytest.raises(InvalidAction, match="cannot exceed"):
        await limits.set_cap("like", 5, 6)
    with pytest.raises(AccountNotFound):
        await limits.set_cap("like", 5, account="ghost")
    # No account: the default for all changes, and only that row.
    cap = await limits.set_cap("like", 40, 8, by="test")
    assert (cap.account_id, cap.daily_limit, cap.hourly_limit, cap.updated_by) == (None, 40, 8, "test")


async def test_set_cap_without_hourly_keeps_the_hourly_cap_in_force_at_most_the_daily(
    limits: LimitsService,
) -> None:
    await _account(limits._pool)
    kept = await limits.set_cap("like", 500, account="brand")  # default hourly is 20
    assert (kept.account_id is not None, kept.daily_limit, kept.hourly_limit) == (True, 500, 20)
    lowered = await limits.set_cap("like", 7, account="brand")
    assert lowered.hourly_limit == 7
    default = next(x for x in (await limits.show()).lines if x.action_type == "like")
    assert (default.daily_limit, default.hourly_limit) == (100, 20)


async def test_actions_dated_yesterday_utc_do_not_count_today(limits: LimitsService) -> None:
    account = await _account(limits._pool)
    await limits.set_cap("message", daily=3, hourly=3, account="brand")
    await limits._pool.execute(
        """
        INSERT INTO automation_actions (account_id, action_type, action_date, action_hour)
        SELECT $1, 'message', (now() AT TIME ZONE 'UTC')::date - 1, h FROM generate_series(0, 5) h
        """,
        account,
    )

    assert await limits.try_record_action("brand", "message") is not None
    line = next(x for x in (await limits.show("brand")).lines if x.action_type == "message")
    assert line.today == 1


async def test_a_session_in_kiritimati_still_counts_by_the_utc_date(limits: LimitsService, dsn: str) -> None:
    account = await _account(limits._pool)
    conn = await connect(dsn)
    try:
        # UTC+14: for ten hours of every UTC day its local date is already tomorrow.
        await conn.execute("SET TIME ZONE 'Pacific/Kiritimati'")
        action_id = await db_actions.try_record_action(conn, account, "like")
        row = await conn.fetchrow(
            """
            SELECT action_date = (created_at AT TIME ZONE 'UTC')::date AS utc_date,
                   action_hour = extract(hour FROM created_at AT TIME ZONE 'UTC') AS utc_hour
            FROM automation_actions WHERE id = $1
            """,
            action_id,
        )
        assert row["utc_date"] and row["utc_hour"]
        day, _ = await db_actions.utc_day_and_hour(conn)
        assert day == await limits._pool.fetchval("SELECT (now() AT TIME ZONE 'UTC')::date")
        assert (await db_actions.usage(conn, account))["like"].today == 1
        assert await conn.fetchval("SELECT check_rate_limit($1, 'like', 1)", account) is False
    finally:
        await conn.close()


async def test_cap_alerts_at_80_and_100_percent_appear_once_each(
    limits: LimitsService, fifty_connections: list[asyncpg.Connection]
) -> None:
    account = await _account(limits._pool)
    await limits.set_cap("follow", daily=10, hourly=10, account="brand")

    await _race(fifty_connections, account, "follow")
    await _race(fifty_connections[:5], account, "follow")  # refused ones must not alert again

    rows = await limits._pool.fetch(
        "SELECT payload FROM notification_outbox WHERE kind = 'cap_alert' ORDER BY (payload ->> 'level')::int"
    )
    assert [(r["payload"]["level"], r["payload"]["count"]) for r in rows] == [(80, 8), (100, 10)]
    assert {r["payload"]["account"] for r in rows} == {"brand"}


async def test_take_slot_records_and_then_raises_cap_reached_with_the_daily_count(
    limits: LimitsService,
) -> None:
    await _account(limits._pool)
    await limits.set_cap("search", daily=2, hourly=2, account="brand")
    first = await limits.take_slot("brand", "search", target_type="hashtag", target_id="cats")
    await limits.take_slot("brand", "search")
    await limits.set_cap("search", daily=2, hourly=None, account="brand")
    with pytest.raises(CapReached, match="2/2 today") as caught:
        await limits.take_slot("brand", "search")
    assert caught.value.user_message.startswith("The cap is reached: search for brand")
    assert first > 0


async def test_failed_outcome_and_recent_actions_newest_first_with_filters(limits: LimitsService) -> None:
    await _account(limits._pool)
    await _account(limits._pool, "other")
    like = await limits.take_slot("brand", "like", target_type="video", target_id="v1")
    follow = await limits.take_slot("brand", "follow", target_type="user", target_id="u1")
    await limits.take_slot("other", "like")

    await limits.record_failure(follow, "user blocks follows", "E_BLOCKED")

    brand = await limits.recent_actions("brand")
    assert [a.id for a in brand] == [follow, like]
    failed = brand[0]
    assert (failed.success, failed.error_message, failed.error_code) == (
        False,
        "user blocks follows",
        "E_BLOCKED",
    )
    assert brand[1].success is True
    assert [a.account_username for a in await limits.recent_actions(action="like")] == ["other", "brand"]
    with pytest.raises(AccountNotFound):
        await limits.recent_actions("ghost")


async def test_unknown_account_or_action_is_refused_before_anything_is_recorded(
    limits: LimitsService,
) -> None:
    await _account(limits._pool)
    with pytest.raises(AccountNotFound):
        await limits.try_record_action("ghost", "like")
    with pytest.raises(InvalidAction):
        await limits.try_record_action("brand", "poke")
    assert await limits._pool.fetchval("SELECT count(*) FROM automation_actions") == 0


async def test_an_actions_details_are_checked_and_its_trigger_defaults_to_workflow(
    limits: LimitsService,
) -> None:
    await _account(limits._pool)
    for details in ({"target_type": "planet"}, {"triggered_by": "whim"}, {"triggered_by": None}):
        with pytest.raises(InvalidInput):
            await limits.try_record_action("brand", "like", **details)  # type: ignore[arg-type]
    assert await limits._pool.fetchval("SELECT count(*) FROM automation_actions") == 0

    action_id = await limits.try_record_action("brand", "like", target_type="video", target_id="7301")
    row = await limits._pool.fetchrow(
        "SELECT target_type, target_id, triggered_by FROM automation_actions WHERE id = $1", action_id
    )
    assert tuple(row) == ("video", "7301", "workflow")


async def test_limits_count_the_days_and_hours_of_the_callers_clock(clean_db: asyncpg.Pool) -> None:
    from datetime import timedelta

    from bot.clock import ManualClock

    account = await _account(clean_db, "weekahead")
    async with clean_db.acquire() as conn:
        await clear_of_hour_boundary(conn)
    assert await clean_db.fetchval("SELECT try_record_action($1, 'like')", account) is not None
    db_now = await clean_db.fetchval("SELECT now()")

    today = await LimitsService(clean_db, ManualClock(db_now)).show("weekahead")
    assert today.day == db_now.date() and today.hour == db_now.hour
    assert next(line for line in today.lines if line.action_type == "like").today == 1

    # A clock a week ahead (the sandbox's) sees its own day, where nothing was done yet.
    ahead = await LimitsService(clean_db, ManualClock(db_now + timedelta(days=7))).show("weekahead")
    assert ahead.day == (db_now + timedelta(days=7)).date()
    assert next(line for line in ahead.lines if line.action_type == "like").today == 0
