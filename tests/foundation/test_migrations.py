"""The migration runner and the schema it builds: once each, concurrently safe, checksummed, upgradeable."""

from __future__ import annotations

import asyncio
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from db.errors import MigrationError
from db.migrate import MIGRATIONS_DIR, migrate
from db.pool import connect

HERE = Path(__file__).parent

ORIGINAL_TABLES = {
    "social_media_accounts": [
        "id",
        "platform",
        "username",
        "display_name",
        "bio",
        "profile_pic_url",
        "external_id",
        "is_verified",
        "is_business",
        "is_creator",
        "account_type",
        "email",
        "website_url",
        "location",
        "is_active",
        "is_private",
        "monitoring_enabled",
        "blotato_account_id",
        "created_at",
        "updated_at",
        "last_fetched_at",
        "account_created_at",
    ],
    "social_media_posts": [
        "id",
        "account_id",
        "platform",
        "external_post_id",
        "post_url",
        "short_code",
        "caption",
        "description",
        "title",
        "media_type",
        "media_count",
        "thumbnail_url",
        "media_url",
        "media_urls",
        "duration",
        "video_quality",
        "has_audio",
        "is_short_form",
        "is_pinned",
        "is_ad",
        "is_sponsored",
        "visibility",
        "youtube_category",
        "pinterest_board_id",
        "twitter_thread_id",
        "instagram_product_tags",
        "location_name",
        "location_lat",
        "location_lng",
        "posted_at",
        "created_at",
        "updated_at",
        "deleted_at",
        "raw_data",
        "check_schedule",
        "next_check_at",
        "tracking_complete",
        "tracking_started_at",
        "checks_completed",
    ],
    "social_media_post_analytics": [
        "id",
        "post_id",
        "snapshot_date",
        "snapshot_hour",
        "likes_count",
        "comments_count",
        "views_count",
        "shares_count",
        "saves_count",
        "retweets_count",
        "reactions_count",
        "repins_count",
        "impressions",
        "reach",
        "watch_time_seconds",
        "avg_watch_percentage",
        "completion_rate",
        "engagement_rate",
        "viral_score",
        "created_at",
        "check_index",
    ],
    "social_media_hashtags": [
        "id",
        "hashtag",
        "platform",
        "total_uses",
        "total_views",
        "avg_engagement_rate",
        "created_at",
        "updated_at",
    ],
    "social_media_post_hashtags": ["post_id", "hashtag_id", "position"],
    "social_media_comments": [
        "id",
        "post_id",
        "platform",
        "external_comment_id",
        "comment_text",
        "author_username",
        "author_id",
        "parent_comment_id",
        "is_reply",
        "likes_count",
        "replies_count",
        "is_creator_reply",
        "sentiment",
        "sentiment_score",
        "commented_at",
        "created_at",
        "api_reply_count",
    ],
    "api_usage_tracking": [
        "id",
        "provider_name",
        "platform",
        "endpoint",
        "request_count",
        "success",
        "latency_ms",
        "error_message",
        "date",
        "requested_at",
        "status_code",
    ],
    "system_settings": ["setting_key", "setting_value", "description", "updated_at"],
    "social_media_conversations": [
        "id",
        "account_id",
        "platform",
        "participant_username",
        "participant_id",
        "participant_display_name",
        "participant_avatar_url",
        "participant_verified",
        "last_message_at",
        "last_message_preview",
        "last_message_is_outgoing",
        "unread_count",
        "is_muted",
        "is_archived",
        "is_blocked",
        "is_spam",
        "auto_reply_enabled",
        "follow_up_scheduled_at",
        "conversation_started_at",
        "created_at",
        "updated_at",
    ],
    "social_media_messages": [
        "id",
        "conversation_id",
        "external_message_id",
        "message_text",
        "message_type",
        "media_url",
        "media_thumbnail_url",
        "is_outgoing",
        "sender_username",
        "status",
        "is_read",
        "sent_at",
        "delivered_at",
        "read_at",
        "reply_to_message_id",
        "metadata",
        "is_automated",
        "template_used",
        "created_at",
    ],
    "automation_actions": [
        "id",
        "account_id",
        "platform",
        "action_type",
        "target_type",
        "target_id",
        "target_url",
        "target_username",
        "content_text",
        "success",
        "error_message",
        "error_code",
        "session_id",
        "triggered_by",
        "action_date",
        "action_hour",
        "execution_time_ms",
        "created_at",
    ],
    "message_templates": [
        "id",
        "account_id",
        "name",
        "category",
        "template_text",
        "variables",
        "times_used",
        "last_used_at",
        "is_active",
        "created_at",
        "updated_at",
    ],
    "guild_settings": ["guild_id", "notify_channel_id", "checkback_offsets_seconds", "admin_role_id"],
    "guild_posts": ["guild_id", "post_id", "note"],
    "notification_outbox": [
        "id",
        "kind",
        "guild_id",
        "channel_id",
        "post_id",
        "payload",
        "dedupe_key",
        "sent_at",
    ],
    "action_caps": ["account_id", "action_type", "daily_limit", "hourly_limit"],
}
VIEWS = [
    "posts_pending_checkback",
    "daily_action_counts",
    "hourly_action_distribution",
    "active_conversations_summary",
]
FUNCTIONS = ["check_rate_limit", "get_next_check_time", "record_check_completion", "try_record_action"]


async def test_every_table_column_view_and_function_exists(dsn: str) -> None:
    conn = await connect(dsn)
    try:
        for table, columns in ORIGINAL_TABLES.items():
            rows = await conn.fetch(
                "SELECT column_name FROM information_schema.columns WHERE table_name = $1", table
            )
            present = {r["column_name"] for r in rows}
            assert set(columns) <= present, f"{table} lacks {set(columns) - present}"
        views = {r["table_name"] for r in await conn.fetch("SELECT table_name FROM information_schema.views")}
        assert set(VIEWS) <= views
        funcs = {r["proname"] for r in await conn.fetch("SELECT proname FROM pg_proc")}
        assert set(FUNCTIONS) <= funcs
        settings = {r["setting_key"] for r in await conn.fetch("SELECT setting_key FROM system_settings")}
        assert {"automation_rate_limits", "checkback_schedule_default"} <= settings
    finally:
        await conn.close()


async def test_fresh_database_uses_timestamptz_everywhere(dsn: str) -> None:
    conn = await connect(dsn)
    try:
        naive = await conn.fetch(
            """
            SELECT c.table_name, c.column_name FROM information_schema.columns c
            JOIN information_schema.tables t USING (table_schema, table_name)
            WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
              AND c.data_type = 'timestamp without time zone'
            """
        )
        assert naive == []
    finally:
        await conn.close()


async def test_second_run_applies_nothing(scratch_dsn: str) -> None:
    first = await migrate(scratch_dsn)
    assert first == sorted(p.name for p in MIGRATIONS_DIR.glob("*.sql"))
    assert await migrate(scratch_dsn) == []


async def test_two_concurrent_runs_apply_each_file_once(scratch_dsn: str) -> None:
    a, b = await asyncio.gather(migrate(scratch_dsn), migrate(scratch_dsn))
    assert sorted(a + b) == sorted(p.name for p in MIGRATIONS_DIR.glob("*.sql"))
    conn = await connect(scratch_dsn)
    try:
        assert await conn.fetchval("SELECT count(*) FROM schema_migrations") == len(a + b)
    finally:
        await conn.close()


async def test_an_applied_file_edited_afterwards_is_refused(scratch_dsn: str, tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, folder)
    await migrate(scratch_dsn, folder)
    edited = folder / "0002_automation_features.sql"
    edited.write_text(edited.read_text() + "\n-- an afterthought\n")
    with pytest.raises(MigrationError, match="0002_automation_features.sql was edited"):
        await migrate(scratch_dsn, folder)


async def test_a_failing_migration_is_rolled_back_and_named(scratch_dsn: str, tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, folder)
    (folder / "0999_broken.sql").write_text(
        "CREATE TABLE half_done (id int);\nSELECT * FROM no_such_table;\n"
    )
    with pytest.raises(MigrationError, match="0999_broken.sql failed"):
        await migrate(scratch_dsn, folder)
    conn = await connect(scratch_dsn)
    try:
        assert await conn.fetchval("SELECT to_regclass('half_done')") is None
        assert (
            await conn.fetchval("SELECT count(*) FROM schema_migrations WHERE name = '0999_broken.sql'") == 0
        )
    finally:
        await conn.close()


async def test_upgrade_of_an_original_database_keeps_its_rows(scratch_dsn: str) -> None:
    conn = await connect(scratch_dsn)
    try:
        await conn.execute((HERE / "original_base_schema.sql").read_text())
    finally:
        await conn.close()

    await migrate(scratch_dsn)

    conn = await connect(scratch_dsn)
    try:
        post = await conn.fetchrow("SELECT * FROM social_media_posts WHERE id = 1")
        assert post["caption"] == "from before"
        assert post["checks_completed"] == 0 and post["tracking_complete"] is False
        views = [
            r["views_count"]
            for r in await conn.fetch(
                "SELECT views_count FROM social_media_post_analytics ORDER BY snapshot_date"
            )
        ]
        assert views == [1000, 5000]
        assert await conn.fetchval("SELECT comment_text FROM social_media_comments") == "first!"
        assert await conn.fetchval("SELECT api_reply_count FROM social_media_comments") == 0
        assert await conn.fetchval("SELECT count(*) FROM api_usage_tracking") == 1
        # Naive columns became timestamptz, their values read as UTC (README: Upgrading from the original).
        kind = await conn.fetchval(
            "SELECT data_type FROM information_schema.columns "
            "WHERE table_name = 'social_media_posts' AND column_name = 'posted_at'"
        )
        assert kind == "timestamp with time zone"
        assert post["posted_at"] == datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
        # Two checks within one hour no longer collide on the original hourly key.
        await conn.execute(
            "INSERT INTO social_media_post_analytics (post_id, snapshot_date, snapshot_hour, check_index) "
            "VALUES (1, '2024-01-03', 4, 1), (1, '2024-01-03', 4, 2)"
        )
    finally:
        await conn.close()
    assert await migrate(scratch_dsn) == []
