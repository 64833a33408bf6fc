"""`migrate` on every shape of database a team may have: empty, the original's schema v2, v2 plus its
automation migration (without and with data), each migrated twice; and a Checkback database migrated
before the original's shapes were supported."""

from __future__ import annotations

import hashlib
import shutil
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest

from db.migrate import EARLIER_CHECKSUMS, MIGRATIONS_DIR, migrate
from db.pool import connect
from tests.original_db import HALF_DONE_POST, Shape, build_original, earlier_migration

# The automation migration's views, column for column (../shared/reference/seed-schema.md).
AUTOMATION_VIEWS = {
    "posts_pending_checkback": [
        "id", "platform", "post_url", "external_post_id", "caption", "posted_at", "next_check_at",
        "checks_completed", "tracking_started_at", "account_username", "minutes_overdue",
    ],
    "active_conversations_summary": [
        "id", "platform", "participant_username", "participant_display_name", "last_message_at",
        "last_message_preview", "unread_count", "our_account", "total_messages", "sent_messages",
        "received_messages",
    ],
    "daily_action_counts": [
        "account_id", "action_date", "action_type", "action_count", "success_count", "failure_count",
    ],
    "hourly_action_distribution": ["account_id", "action_type", "action_hour", "action_count"],
}  # fmt: skip
ORIGINAL_INDEXES = {
    "idx_accounts_platform", "idx_accounts_active", "idx_snapshots_account_date", "idx_posts_account",
    "idx_posts_posted_at", "idx_posts_url", "idx_post_analytics_post_date", "idx_comments_post",
    "idx_mapping_video", "idx_mapping_clip", "idx_api_usage_date_provider", "idx_jobs_account_status",
    "idx_posts_next_check", "idx_posts_tracking_active", "idx_conversations_account",
    "idx_conversations_platform", "idx_conversations_last_msg", "idx_conversations_unread",
    "idx_conversations_follow_up", "idx_messages_conversation", "idx_messages_sent_at",
    "idx_messages_outgoing", "idx_messages_status", "idx_actions_account_date", "idx_actions_type",
    "idx_actions_target", "idx_actions_success", "idx_actions_date_hour", "idx_templates_account",
    "idx_templates_category",
}  # fmt: skip
ORIGINAL_TABLES = {
    "social_media_accounts", "social_media_analytics_snapshots", "social_media_posts",
    "social_media_post_analytics", "social_media_hashtags", "social_media_post_hashtags",
    "social_media_mentions", "social_media_comments", "social_media_audience_demographics",
    "social_media_content_mapping", "api_usage_tracking", "analytics_fetch_jobs", "system_settings",
    "social_media_conversations", "social_media_messages", "automation_actions", "message_templates",
}  # fmt: skip
V2_VIEWS = {"latest_account_analytics", "post_performance_trends"}
FUNCTIONS = {"check_rate_limit", "get_next_check_time", "record_check_completion", "try_record_action"}
# Our own indexes that 0001/0002 once made under other names than the original's (never both).
RENAMED = {"idx_analytics_post_date", "idx_posts_tracking_incomplete", "idx_conversations_last_message"}
SHAPES: list[Shape] = ["empty", "v2", "automation", "data"]


async def view_columns(conn: asyncpg.Connection, view: str) -> list[str]:
    rows = await conn.fetch(
        "SELECT attname FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped "
        "ORDER BY attnum",
        view,
    )
    return [r["attname"] for r in rows]


async def assert_original_schema(conn: asyncpg.Connection) -> None:
    """Every name of the reference is there, the views with the original's columns first, in order."""
    relations = {
        r["relname"]: r["relkind"]
        for r in await conn.fetch(
            "SELECT relname, relkind::text AS relkind FROM pg_class WHERE relnamespace = 'public'::regnamespace"
        )
    }
    assert {t for t in ORIGINAL_TABLES if relations.get(t) == "r"} == ORIGINAL_TABLES
    assert {v for v in set(AUTOMATION_VIEWS) | V2_VIEWS if relations.get(v) == "v"} == set(
        AUTOMATION_VIEWS
    ) | V2_VIEWS
    assert ORIGINAL_INDEXES <= {name for name, kind in relations.items() if kind == "i"}
    assert not RENAMED & set(relations)
    for view, columns in AUTOMATION_VIEWS.items():
        have = await view_columns(conn, view)
        assert have[: len(columns)] == columns, view
    functions = {r["proname"] for r in await conn.fetch("SELECT proname FROM pg_proc")}
    assert FUNCTIONS <= functions
    naive = await conn.fetch(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = 'public' AND data_type = 'timestamp without time zone'"
    )
    assert naive == []
    schedule = await conn.fetchval(
        "SELECT setting_value FROM system_settings WHERE setting_key = 'checkback_schedule_default'"
    )
    assert [e["offset_hours"] for e in schedule] == [1, 6, 12, 24, 48, 72, 168, 336, 720]


@pytest.mark.parametrize("shape", SHAPES)
async def test_migrate_succeeds_twice_on_every_shape(scratch_dsn: str, shape: Shape) -> None:
    await build_original(scratch_dsn, shape)
    applied = await migrate(scratch_dsn)
    assert applied == sorted(p.name for p in MIGRATIONS_DIR.glob("*.sql"))
    assert await migrate(scratch_dsn) == []
    conn = await connect(scratch_dsn)
    try:
        await assert_original_schema(conn)
    finally:
        await conn.close()


async def test_the_original_data_is_kept_with_its_times_read_as_utc(scratch_dsn: str) -> None:
    await build_original(scratch_dsn, "data")
    conn = await connect(scratch_dsn)
    try:
        before = await conn.fetchrow(
            "SELECT next_check_at, tracking_started_at, posted_at, check_schedule, checks_completed "
            "FROM social_media_posts WHERE id = $1",
            HALF_DONE_POST,
        )
        snapshots_before = await conn.fetch(
            "SELECT id, snapshot_date, snapshot_hour, views_count, created_at FROM social_media_post_analytics "
            "ORDER BY id"
        )
    finally:
        await conn.close()
    await migrate(scratch_dsn)
    await migrate(scratch_dsn)
    conn = await connect(scratch_dsn)
    try:
        after = await conn.fetchrow(
            "SELECT next_check_at, tracking_started_at, posted_at, check_schedule, checks_completed "
            "FROM social_media_posts WHERE id = $1",
            HALF_DONE_POST,
        )
        for column in ("next_check_at", "tracking_started_at", "posted_at"):
            assert after[column] == before[column].replace(tzinfo=UTC), column
        # The original's data is not rewritten: its schedule keeps its naive strings, read as UTC.
        assert after["check_schedule"] == before["check_schedule"]
        assert after["checks_completed"] == 5
        sixth = datetime.fromisoformat(before["check_schedule"][5]).replace(tzinfo=UTC)
        assert await conn.fetchval("SELECT get_next_check_time($1)", HALF_DONE_POST) == sixth
        snapshots = await conn.fetch(
            "SELECT id, snapshot_date, snapshot_hour, views_count, created_at, captured_at, check_index "
            "FROM social_media_post_analytics ORDER BY id"
        )
        assert len(snapshots) == len(snapshots_before) == 7
        for old, new in zip(snapshots_before, snapshots, strict=True):
            assert (new["snapshot_date"], new["snapshot_hour"], new["views_count"]) == (
                old["snapshot_date"],
                old["snapshot_hour"],
                old["views_count"],
            )
            assert new["created_at"] == new["captured_at"] == old["created_at"].replace(tzinfo=UTC)
            assert new["check_index"] is None
        # Tracked from the original's command line: Checkback's command line tracks it now.
        assert (
            await conn.fetchval(
                "SELECT count(*) FROM guild_posts WHERE guild_id IS NULL AND post_id = $1", HALF_DONE_POST
            )
            == 1
        )
        assert await conn.fetchval("SELECT count(*) FROM guild_posts") == 1
        # The views read the converted columns.
        pending = await conn.fetch(
            "SELECT id, account_username, minutes_overdue FROM posts_pending_checkback"
        )
        assert [(r["id"], r["account_username"]) for r in pending] == [(HALF_DONE_POST, "orig_maker")]
        assert 55 < float(pending[0]["minutes_overdue"]) < 120
        summary = await conn.fetchrow("SELECT our_account, total_messages FROM active_conversations_summary")
        assert tuple(summary) == ("orig_maker", 2)
        latest = await conn.fetchrow(
            "SELECT username, followers_count FROM latest_account_analytics WHERE id = 1"
        )
        assert tuple(latest) == ("orig_maker", 1250)
        trend = await conn.fetchrow(
            "SELECT current_views, last_updated FROM post_performance_trends WHERE id = $1", HALF_DONE_POST
        )
        assert trend["current_views"] == 3600 and trend["last_updated"].tzinfo is not None
    finally:
        await conn.close()


async def test_the_operators_caps_are_the_caps_in_force(scratch_dsn: str) -> None:
    await build_original(scratch_dsn, "data")
    await migrate(scratch_dsn)
    conn = await connect(scratch_dsn)
    try:
        caps = {
            r["action_type"]: (r["daily_limit"], r["hourly_limit"])
            for r in await conn.fetch(
                "SELECT action_type, daily_limit, hourly_limit FROM action_caps WHERE account_id IS NULL"
            )
        }
        assert caps == {
            "like": (150, 20),
            "comment": (20, 3),
            "follow": (50, 10),
            "unfollow": (50, 10),
            "message": (20, 5),
            "search": (200, 50),
            "view": (500, 100),  # the original had no view cap; 0020 gives every action type one
        }
        # An operator's later edit of the setting is the cap in force at once...
        await conn.execute(
            "UPDATE system_settings SET setting_value = jsonb_set(setting_value, '{follow}', "
            "'{\"daily\": 70, \"hourly\": 12}') WHERE setting_key = 'automation_rate_limits'"
        )
        row = await conn.fetchrow(
            "SELECT daily_limit, hourly_limit FROM action_caps WHERE account_id IS NULL AND action_type = 'follow'"
        )
        assert tuple(row) == (70, 12)
        # ...and a default cap set from Checkback is what the original's readers see.
        await conn.execute(
            "UPDATE action_caps SET daily_limit = 90, hourly_limit = NULL, updated_by = 'test' "
            "WHERE account_id IS NULL AND action_type = 'like'"
        )
        setting = await conn.fetchval(
            "SELECT setting_value FROM system_settings WHERE setting_key = 'automation_rate_limits'"
        )
        assert setting["like"] == {"daily": 90, "hourly": None}
        assert setting["follow"] == {"daily": 70, "hourly": 12}
        # An account's own cap is Checkback's alone.
        await conn.execute(
            "INSERT INTO action_caps (account_id, action_type, daily_limit, hourly_limit) VALUES (1, 'like', 5, 1)"
        )
        assert await conn.fetchval(
            "SELECT setting_value -> 'like' FROM system_settings WHERE setting_key = 'automation_rate_limits'"
        ) == {"daily": 90, "hourly": None}
    finally:
        await conn.close()
    assert await migrate(scratch_dsn) == []


@pytest.mark.parametrize("shape", ["empty", "data"])
async def test_an_account_with_logged_actions_is_not_deleted(scratch_dsn: str, shape: Shape) -> None:
    await build_original(scratch_dsn, shape)
    await migrate(scratch_dsn)
    conn = await connect(scratch_dsn)
    try:
        if shape == "empty":
            await conn.execute(
                "INSERT INTO social_media_accounts (id, platform, username) VALUES (1, 'tiktok', 'a')"
            )
            await conn.execute("INSERT INTO automation_actions (account_id, action_type) VALUES (1, 'like')")
        with pytest.raises(asyncpg.ForeignKeyViolationError):
            await conn.execute("DELETE FROM social_media_accounts WHERE id = 1")
        assert await conn.fetchval("SELECT count(*) FROM automation_actions WHERE account_id = 1") >= 1
    finally:
        await conn.close()


async def test_a_database_migrated_before_the_original_shapes_were_supported(
    scratch_dsn: str, tmp_path: Path
) -> None:
    """0002's earlier text (Checkback's own view order, index names and schedule shape) was applied: its
    recorded checksum is accepted and 0010 brings the database to the original's names and order."""
    earlier = earlier_migration("0002")
    assert hashlib.sha256(earlier.encode()).hexdigest() in EARLIER_CHECKSUMS["0002"]
    folder = tmp_path / "migrations"
    folder.mkdir()
    for path in sorted(MIGRATIONS_DIR.glob("*.sql")):
        if path.name < "0010":
            shutil.copy(path, folder / path.name)
    (folder / "0002_automation_features.sql").write_text(earlier, encoding="utf-8")
    await migrate(scratch_dsn, folder)
    conn = await connect(scratch_dsn)
    try:
        assert (await view_columns(conn, "posts_pending_checkback"))[:3] == ["id", "account_id", "username"]
        await conn.execute(
            "INSERT INTO action_caps (account_id, action_type, daily_limit, hourly_limit, updated_by) "
            "VALUES (NULL, 'view', 500, 60, 'admin') ON CONFLICT DO NOTHING"
        )
        await conn.execute(
            "UPDATE action_caps SET daily_limit = 30, updated_by = 'admin' "
            "WHERE account_id IS NULL AND action_type = 'message'"
        )
    finally:
        await conn.close()

    applied = await migrate(scratch_dsn)
    assert applied and all(name >= "0010" for name in applied)
    assert await migrate(scratch_dsn) == []
    conn = await connect(scratch_dsn)
    try:
        await assert_original_schema(conn)
        # Caps set from Checkback before the upgrade are kept, and written where the original reads them.
        setting = await conn.fetchval(
            "SELECT setting_value FROM system_settings WHERE setting_key = 'automation_rate_limits'"
        )
        assert setting["message"] == {"daily": 30, "hourly": 5}
        assert setting["view"] == {"daily": 500, "hourly": 60}
        assert setting["like"] == {"daily": 100, "hourly": 20}
    finally:
        await conn.close()


async def test_views_keep_their_grants_and_comments_through_the_conversion(scratch_dsn: str) -> None:
    await build_original(scratch_dsn, "automation")
    role = f"checkback_reader_{uuid.uuid4().hex[:10]}"  # roles are the server's, not the database's
    conn = await connect(scratch_dsn)
    try:
        await conn.execute(f"CREATE ROLE {role}")
        await conn.execute(f"GRANT SELECT ON posts_pending_checkback TO {role}")
        await conn.execute("COMMENT ON VIEW posts_pending_checkback IS 'due posts'")
        # A team's own view on top of an original view survives too.
        await conn.execute(
            "CREATE VIEW team_due_count AS SELECT count(*) AS due FROM posts_pending_checkback"
        )
    finally:
        await conn.close()
    try:
        await migrate(scratch_dsn)
        conn = await connect(scratch_dsn)
        try:
            assert await conn.fetchval(
                "SELECT has_table_privilege($1, 'posts_pending_checkback', 'SELECT')", role
            )
            assert (
                await conn.fetchval("SELECT obj_description('posts_pending_checkback'::regclass, 'pg_class')")
                == "due posts"
            )
            assert await conn.fetchval("SELECT due FROM team_due_count") == 0
        finally:
            await conn.close()
    finally:
        conn = await connect(scratch_dsn)
        try:
            await conn.execute("DROP VIEW IF EXISTS team_due_count")
            await conn.execute(f"REVOKE ALL ON posts_pending_checkback FROM {role}")
            await conn.execute(f"DROP ROLE IF EXISTS {role}")
        finally:
            await conn.close()


async def test_account_history_moves_to_the_originals_daily_table(scratch_dsn: str, tmp_path: Path) -> None:
    """Snapshots of watched accounts that 0007's own table held move to social_media_analytics_snapshots:
    the latest of each UTC day, replacing the original's row of that day only when captured later."""
    await build_original(scratch_dsn, "data")
    folder = tmp_path / "migrations"
    folder.mkdir()
    for path in sorted(MIGRATIONS_DIR.glob("*.sql")):
        if path.name < "0015":
            shutil.copy(path, folder / path.name)
    await migrate(scratch_dsn, folder)
    conn = await connect(scratch_dsn)
    try:
        original = {
            r["snapshot_date"]: r["created_at"]
            for r in await conn.fetch(
                "SELECT snapshot_date, created_at FROM social_media_analytics_snapshots WHERE account_id = 1"
            )
        }
        older, newer = sorted(original)
        later_that_day = original[newer] + timedelta(minutes=30)
        today = datetime.combine(newer + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
        rows = [
            (
                original[older] - timedelta(minutes=1),
                1100,
                55_000,
            ),  # earlier than the original's row: kept out
            (later_that_day, 1260, 58_500),  # later than the original's row of that day: replaces it
            (today + timedelta(hours=9), 1280, 59_000),
            (today + timedelta(hours=15), 1290, 59_500),  # the latest of its day wins
        ]
        await conn.executemany(
            "INSERT INTO social_media_account_snapshots (account_id, captured_at, followers_count, "
            "following_count, hearts_count, videos_count, likes_given) VALUES (1, $1, $2, 80, $3, 42, 7)",
            rows,
        )
    finally:
        await conn.close()

    assert await migrate(scratch_dsn) == [
        p.name for p in sorted(MIGRATIONS_DIR.glob("*.sql")) if p.name >= "0015"
    ]
    conn = await connect(scratch_dsn)
    try:
        assert await conn.fetchval("SELECT to_regclass('social_media_account_snapshots')") is None
        daily = await conn.fetch(
            "SELECT snapshot_date, followers_count, total_likes, posts_count, likes_given, follower_growth, "
            "created_at FROM social_media_analytics_snapshots WHERE account_id = 1 ORDER BY snapshot_date"
        )
        assert [(r["snapshot_date"], r["followers_count"], r["total_likes"]) for r in daily] == [
            (older, 1200, 56_000),
            (newer, 1260, 58_500),
            (today.date(), 1290, 59_500),
        ]
        assert daily[1]["created_at"] == later_that_day and daily[2]["created_at"] == today + timedelta(
            hours=15
        )
        assert (daily[2]["posts_count"], daily[2]["likes_given"], daily[2]["follower_growth"]) == (42, 7, 30)
        assert (
            await conn.fetchval("SELECT followers_count FROM latest_account_analytics WHERE id = 1") == 1290
        )
    finally:
        await conn.close()
