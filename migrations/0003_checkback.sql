-- What Checkback adds: guilds and the posts they track, snapshots keyed by check, the notification
-- outbox, daily and hourly caps, and API call status codes. The atomic try_record_action that counts
-- against the caps is 0020's: this file once made an earlier one, which 0020 replaces and nothing called
-- in between (issue 13; that text's checksum is accepted too, db/migrate.py EARLIER_CHECKSUMS).

-- Per-guild settings. Offsets are seconds after a post's publish time; NULL means the default.
CREATE TABLE IF NOT EXISTS guild_settings (
    guild_id                  BIGINT PRIMARY KEY,
    notify_channel_id         BIGINT,
    checkback_offsets_seconds INTEGER[],
    admin_role_id             BIGINT,
    channel_broken_at         TIMESTAMPTZ,
    channel_broken_reason     TEXT,
    created_at                TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at                TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Which guild tracks which post; a post can be tracked by several guilds. guild_id NULL: tracked
-- from the CLI, notified in NOTIFY_CHANNEL_ID.
CREATE TABLE IF NOT EXISTS guild_posts (
    id                 SERIAL PRIMARY KEY,
    guild_id           BIGINT,
    post_id            INTEGER NOT NULL REFERENCES social_media_posts (id) ON DELETE CASCADE,
    tracked_by_user_id BIGINT,
    note               TEXT,
    created_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE NULLS NOT DISTINCT (guild_id, post_id)
);
CREATE INDEX IF NOT EXISTS idx_guild_posts_post ON guild_posts (post_id);

-- Check-back bookkeeping on posts: a claim lease (a crashed worker's claim expires), why tracking
-- stopped, and transient failures of the current check.
ALTER TABLE social_media_posts
    ADD COLUMN IF NOT EXISTS claimed_until           TIMESTAMPTZ,
    ADD COLUMN IF NOT EXISTS last_checked_at         TIMESTAMPTZ,
    ADD COLUMN IF NOT EXISTS check_failures          INTEGER NOT NULL DEFAULT 0,
    ADD COLUMN IF NOT EXISTS tracking_stopped_reason TEXT;

-- A snapshot answers one check of the schedule: 0 is the one taken when tracking starts, k >= 1 the
-- k-th element of check_schedule. (post, check_index) is unique, so a retried check is harmless.
ALTER TABLE social_media_post_analytics
    ADD COLUMN IF NOT EXISTS check_index   INTEGER,
    ADD COLUMN IF NOT EXISTS scheduled_for TIMESTAMPTZ,
    ADD COLUMN IF NOT EXISTS captured_at   TIMESTAMPTZ DEFAULT now();
CREATE UNIQUE INDEX IF NOT EXISTS uq_analytics_post_check
    ON social_media_post_analytics (post_id, check_index);

-- The original's (post, date, hour) key rejected a second legitimate check in one hour; the
-- constraint goes (no data does) and a plain index keeps its lookups fast.
DO $$
DECLARE
    v_name text;
BEGIN
    FOR v_name IN
        SELECT c.conname
        FROM pg_constraint c
        WHERE c.conrelid = 'social_media_post_analytics'::regclass
          AND c.contype = 'u'
          AND (SELECT array_agg(a.attname::text ORDER BY a.attname)
               FROM unnest(c.conkey) AS k(attnum)
               JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum)
              = ARRAY['post_id', 'snapshot_date', 'snapshot_hour']
    LOOP
        EXECUTE format('ALTER TABLE social_media_post_analytics DROP CONSTRAINT %I', v_name);
    END LOOP;
END;
$$;
CREATE INDEX IF NOT EXISTS idx_analytics_post_date_hour
    ON social_media_post_analytics (post_id, snapshot_date, snapshot_hour);

-- Notifications are written in the same transaction as what they report and sent later.
-- dedupe_key makes a repeated write harmless; claimed_until is the dispatcher's lease.
CREATE TABLE IF NOT EXISTS notification_outbox (
    id                 BIGSERIAL PRIMARY KEY,
    kind               VARCHAR(40) NOT NULL,
    guild_id           BIGINT,
    channel_id         BIGINT,
    post_id            INTEGER REFERENCES social_media_posts (id) ON DELETE CASCADE,
    payload            JSONB NOT NULL DEFAULT '{}'::jsonb,
    dedupe_key         TEXT UNIQUE,
    created_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    available_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    attempts           INTEGER NOT NULL DEFAULT 0,
    claimed_until      TIMESTAMPTZ,
    sent_at            TIMESTAMPTZ,
    discord_message_id BIGINT,
    last_error         TEXT
);
CREATE INDEX IF NOT EXISTS idx_outbox_pending ON notification_outbox (available_at)
    WHERE sent_at IS NULL;

-- Daily and hourly caps per account and action type; account_id NULL is the default for all.
CREATE TABLE IF NOT EXISTS action_caps (
    id           SERIAL PRIMARY KEY,
    account_id   INTEGER REFERENCES social_media_accounts (id) ON DELETE CASCADE,
    action_type  VARCHAR(50) NOT NULL,
    daily_limit  INTEGER NOT NULL CHECK (daily_limit >= 0),
    hourly_limit INTEGER CHECK (hourly_limit >= 0),
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_by   TEXT,
    UNIQUE NULLS NOT DISTINCT (account_id, action_type)
);

INSERT INTO action_caps (account_id, action_type, daily_limit, hourly_limit, updated_by) VALUES
    (NULL, 'like', 100, 20, 'migration'),
    (NULL, 'comment', 20, 5, 'migration'),
    (NULL, 'follow', 50, 10, 'migration'),
    (NULL, 'unfollow', 50, 10, 'migration'),
    (NULL, 'message', 20, 5, 'migration'),
    (NULL, 'search', 200, 50, 'migration')
ON CONFLICT (account_id, action_type) DO NOTHING;

ALTER TABLE api_usage_tracking ADD COLUMN IF NOT EXISTS status_code INTEGER;
CREATE INDEX IF NOT EXISTS idx_api_usage_requested_at ON api_usage_tracking (requested_at);
