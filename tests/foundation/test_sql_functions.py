"""The original schema's functions and views, and try_record_action, on seeded rows."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import asyncpg

from tests.conftest import open_connections


async def _account(pool: asyncpg.Pool, username: str = "team_main") -> int:
    return await pool.fetchval(
        "INSERT INTO social_media_accounts (platform, username) VALUES ('tiktok', $1) RETURNING id", username
    )


async def _post(pool: asyncpg.Pool, account_id: int, schedule: list[datetime], done: int = 0) -> int:
    count = await pool.fetchval("SELECT count(*) FROM social_media_posts")
    return await pool.fetchval(
        """
        INSERT INTO social_media_posts (account_id, platform, external_post_id, post_url, check_schedule,
                                        checks_completed, next_check_at, tracking_complete)
        VALUES ($1, 'tiktok', $2, 'https://www.tiktok.com/@a/video/1', $3, $4, $5, false)
        RETURNING id
        """,
        account_id,
        str(7300000000000000000 + count),
        [t.isoformat() for t in schedule],
        done,
        schedule[done] if done < len(schedule) else None,
    )


async def test_record_check_completion_walks_the_schedule_then_completes(clean_db: asyncpg.Pool) -> None:
    pool = clean_db
    start = datetime(2026, 1, 1, tzinfo=UTC)
    schedule = [start + timedelta(hours=h) for h in (1, 6, 12)]
    post = await _post(pool, await _account(pool), schedule)

    assert await pool.fetchval("SELECT get_next_check_time($1)", post) == schedule[0]
    await pool.execute("SELECT record_check_completion($1)", post)
    row = await pool.fetchrow(
        "SELECT checks_completed, next_check_at, tracking_complete FROM social_media_posts"
    )
    assert (row["checks_completed"], row["next_check_at"], row["tracking_complete"]) == (
        1,
        schedule[1],
        False,
    )
    assert await pool.fetchval("SELECT get_next_check_time($1)", post) == schedule[1]

    await pool.execute("SELECT record_check_completion($1)", post)
    await pool.execute("SELECT record_check_completion($1)", post)
    row = await pool.fetchrow(
        "SELECT checks_completed, next_check_at, tracking_complete FROM social_media_posts"
    )
    assert (row["checks_completed"], row["next_check_at"], row["tracking_complete"]) == (3, None, True)
    assert await pool.fetchval("SELECT get_next_check_time($1)", post) is None


async def test_posts_pending_checkback_lists_due_posts_oldest_first(clean_db: asyncpg.Pool) -> None:
    pool = clean_db
    account = await _account(pool)
    now = datetime.now(UTC)
    late = await _post(pool, account, [now - timedelta(hours=3), now + timedelta(days=1)])
    later = await _post(pool, account, [now - timedelta(hours=1)])
    await _post(pool, account, [now + timedelta(hours=2)])  # not due yet
    rows = await pool.fetch("SELECT id, username, minutes_overdue FROM posts_pending_checkback")
    assert [r["id"] for r in rows] == [late, later]
    assert rows[0]["username"] == "team_main"
    assert 175 < float(rows[0]["minutes_overdue"]) < 185


async def test_check_rate_limit_is_true_below_the_limit_and_false_at_it(clean_db: asyncpg.Pool) -> None:
    pool = clean_db
    account = await _account(pool)
    for _ in range(2):
        await pool.execute(
            "INSERT INTO automation_actions (account_id, action_type) VALUES ($1, 'like')", account
        )
    assert await pool.fetchval("SELECT check_rate_limit($1, 'like', 3)", account) is True
    await pool.execute(
        "INSERT INTO automation_actions (account_id, action_type) VALUES ($1, 'like')", account
    )
    assert await pool.fetchval("SELECT check_rate_limit($1, 'like', 3)", account) is False
    assert await pool.fetchval("SELECT check_rate_limit($1, 'comment', 3)", account) is True


async def test_yesterdays_actions_do_not_count_today_in_utc(clean_db: asyncpg.Pool, dsn: str) -> None:
    pool = clean_db
    account = await _account(pool)
    utc_today = datetime.now(UTC).date()
    await pool.execute(
        "INSERT INTO automation_actions (account_id, action_type, action_date, action_hour) "
        "VALUES ($1, 'like', $2, 23)",
        account,
        utc_today - timedelta(days=1),
    )
    assert await pool.fetchval("SELECT check_rate_limit($1, 'like', 1)", account) is True
    # A session far from UTC still files actions under the UTC day and hour.
    conn = await asyncpg.connect(dsn, server_settings={"timezone": "Pacific/Kiritimati"})
    try:
        action = await conn.fetchval("SELECT try_record_action($1, 'like')", account)
        row = await conn.fetchrow(
            "SELECT action_date, action_hour FROM automation_actions WHERE id = $1", action
        )
    finally:
        await conn.close()
    now = datetime.now(UTC)
    assert row["action_date"] == now.date() or row["action_date"] == (now - timedelta(minutes=1)).date()
    assert row["action_hour"] in (now.hour, (now - timedelta(minutes=1)).hour)


async def test_daily_and_hourly_views_count_by_account_type_and_outcome(clean_db: asyncpg.Pool) -> None:
    pool = clean_db
    account = await _account(pool)
    today = datetime.now(UTC).date()
    rows = [("like", True, 0), ("like", False, 0), ("like", True, 5), ("follow", True, 5)]
    for action, ok, hours_ago in rows:
        await pool.execute(
            "INSERT INTO automation_actions (account_id, action_type, success, action_date, action_hour) "
            "VALUES ($1, $2, $3, $4, $5)",
            account,
            action,
            ok,
            today,
            hours_ago,
        )
    await pool.execute(
        "INSERT INTO automation_actions (account_id, action_type, action_date) VALUES ($1, 'like', $2)",
        account,
        today - timedelta(days=40),  # outside both windows (7 and 30 days)
    )
    daily = await pool.fetchrow(
        "SELECT action_count, success_count, failure_count FROM daily_action_counts "
        "WHERE account_id = $1 AND action_type = 'like' AND action_date = $2",
        account,
        today,
    )
    assert tuple(daily) == (3, 2, 1)
    assert (
        await pool.fetchval(
            "SELECT count(*) FROM daily_action_counts WHERE action_date < $1", today - timedelta(days=7)
        )
        == 0
    )
    hourly = await pool.fetch(
        "SELECT action_hour, action_count FROM hourly_action_distribution "
        "WHERE account_id = $1 AND action_type = 'like' ORDER BY action_hour",
        account,
    )
    assert [(r["action_hour"], r["action_count"]) for r in hourly] == [(0, 2), (5, 1)]


async def test_active_conversations_summary_counts_messages(clean_db: asyncpg.Pool) -> None:
    pool = clean_db
    account = await _account(pool)
    now = datetime.now(UTC)
    conv = await pool.fetchval(
        "INSERT INTO social_media_conversations (account_id, participant_username, last_message_at, unread_count) "
        "VALUES ($1, 'fan1', $2, 2) RETURNING id",
        account,
        now,
    )
    await pool.execute(
        "INSERT INTO social_media_conversations (account_id, participant_username, is_archived) "
        "VALUES ($1, 'gone', true)",
        account,
    )
    for i, outgoing in enumerate([False, False, True]):
        await pool.execute(
            "INSERT INTO social_media_messages (conversation_id, external_message_id, is_outgoing, sent_at) "
            "VALUES ($1, $2, $3, $4)",
            conv,
            f"m{i}",
            outgoing,
            now,
        )
    rows = await pool.fetch("SELECT * FROM active_conversations_summary")
    assert len(rows) == 1
    r = rows[0]
    assert (r["account_username"], r["unread_count"]) == ("team_main", 2)
    assert (r["total_messages"], r["sent_messages"], r["received_messages"]) == (3, 1, 2)


async def test_try_record_action_never_exceeds_a_cap_under_concurrency(
    clean_db: asyncpg.Pool, dsn: str
) -> None:
    pool = clean_db
    account = await _account(pool)
    await pool.execute(
        "INSERT INTO action_caps (account_id, action_type, daily_limit, hourly_limit) VALUES ($1, 'like', 10, 10)",
        account,
    )
    conns = await open_connections(dsn, 50)
    try:
        ids = await asyncio.gather(
            *(
                c.fetchval("SELECT try_record_action($1, 'like', 'video', $2)", account, str(i))
                for i, c in enumerate(conns)
            )
        )
    finally:
        await asyncio.gather(*(c.close() for c in conns))
    granted = [i for i in ids if i is not None]
    assert len(granted) == 10
    assert await pool.fetchval("SELECT count(*) FROM automation_actions WHERE account_id = $1", account) == 10
    assert await pool.fetchval("SELECT check_rate_limit($1, 'like', 10)", account) is False


async def test_try_record_action_alerts_once_at_80_and_100_percent(clean_db: asyncpg.Pool) -> None:
    pool = clean_db
    account = await _account(pool, "capped")
    await pool.execute(
        "INSERT INTO action_caps (account_id, action_type, daily_limit, hourly_limit) VALUES ($1, 'follow', 5, NULL)",
        account,
    )
    results = [await pool.fetchval("SELECT try_record_action($1, 'follow')", account) for _ in range(7)]
    assert [r is not None for r in results] == [True] * 5 + [False] * 2
    alerts = await pool.fetch("SELECT payload FROM notification_outbox WHERE kind = 'cap_alert' ORDER BY id")
    payloads = [a["payload"] if isinstance(a["payload"], dict) else json.loads(a["payload"]) for a in alerts]
    assert [(p["level"], p["count"], p["account"]) for p in payloads] == [
        (80, 4, "capped"),
        (100, 5, "capped"),
    ]


async def test_default_caps_apply_to_accounts_without_their_own(clean_db: asyncpg.Pool) -> None:
    pool = clean_db
    account = await _account(pool)
    # The original's default: comment 20 a day, 5 an hour.
    granted = [await pool.fetchval("SELECT try_record_action($1, 'comment')", account) for _ in range(7)]
    assert sum(g is not None for g in granted) == 5
