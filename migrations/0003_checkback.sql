-- What Checkback adds: guilds and the posts they track, snapshots keyed by check, the notification
-- outbox, daily and hourly caps with the atomic try_record_action, and API call status codes.

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

-- The atomic slot: one account's actions of one type are serialised by a transaction-level
-- advisory lock, so the count and the insert cannot interleave with another caller's.
CREATE OR REPLACE FUNCTION try_record_action(
    p_account_id   integer,
    p_action_type  text,
    p_target_type  text DEFAULT NULL,
    p_target_id    text DEFAULT NULL,
    p_content_text text DEFAULT NULL,
    p_triggered_by text DEFAULT 'workflow'
) RETURNS integer
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    v_today      date := (now() AT TIME ZONE 'UTC')::date;
    v_hour       integer := EXTRACT(HOUR FROM (now() AT TIME ZONE 'UTC'))::integer;
    v_daily      integer;
    v_hourly     integer;
    v_day_count  integer;
    v_hour_count integer;
    v_id         integer;
    v_level      integer;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('checkback.try_record_action:' || p_action_type), p_account_id);

    SELECT c.daily_limit, c.hourly_limit INTO v_daily, v_hourly
    FROM action_caps c
    WHERE c.action_type = p_action_type
      AND (c.account_id = p_account_id OR c.account_id IS NULL)
    ORDER BY c.account_id NULLS LAST
    LIMIT 1;

    SELECT count(*), count(*) FILTER (WHERE a.action_hour = v_hour)
      INTO v_day_count, v_hour_count
    FROM automation_actions a
    WHERE a.account_id = p_account_id
      AND a.action_type = p_action_type
      AND a.action_date = v_today;

    IF (v_daily IS NOT NULL AND v_day_count >= v_daily)
       OR (v_hourly IS NOT NULL AND v_hour_count >= v_hourly) THEN
        RETURN NULL;
    END IF;

    INSERT INTO automation_actions (account_id, action_type, target_type, target_id, content_text,
                                    triggered_by, action_date, action_hour)
    VALUES (p_account_id, p_action_type, p_target_type, p_target_id, p_content_text,
            p_triggered_by, v_today, v_hour)
    RETURNING id INTO v_id;

    -- Tell the team once when the day's count reaches 80% and 100% of the cap.
    v_day_count := v_day_count + 1;
    IF v_daily IS NOT NULL AND v_daily > 0 THEN
        v_level := CASE
                     WHEN v_day_count = v_daily THEN 100
                     WHEN v_day_count = ceil(v_daily * 0.8)::integer THEN 80
                   END;
        IF v_level IS NOT NULL THEN
            INSERT INTO notification_outbox (kind, payload, dedupe_key)
            VALUES ('cap_alert',
                    jsonb_build_object('account_id', p_account_id,
                                       'account', (SELECT username FROM social_media_accounts
                                                   WHERE id = p_account_id),
                                       'action_type', p_action_type,
                                       'level', v_level, 'count', v_day_count, 'daily_limit', v_daily,
                                       'date', v_today, 'at', now()),
                    format('cap:%s:%s:%s:%s', p_account_id, p_action_type, v_today, v_level))
            ON CONFLICT (dedupe_key) DO NOTHING;
        END IF;
    END IF;
    RETURN v_id;
END;
$$;

ALTER TABLE api_usage_tracking ADD COLUMN IF NOT EXISTS status_code INTEGER;
CREATE INDEX IF NOT EXISTS idx_api_usage_requested_at ON api_usage_tracking (requested_at);
