-- The rest of the original system's schema v2 (../shared/reference/seed-schema.md), on every database:
-- the tables and views no code of ours used yet, the original's index names, and the automation views in
-- the original's column order. Created only where missing; nothing of an original database is dropped or
-- renamed. A database that ran 0002's earlier text (Checkback's own column order and index names) is
-- brought to the same end state here.

CREATE TABLE IF NOT EXISTS social_media_analytics_snapshots (
    id                    SERIAL PRIMARY KEY,
    account_id            INTEGER NOT NULL REFERENCES social_media_accounts (id) ON DELETE CASCADE,
    snapshot_date         DATE NOT NULL,
    followers_count       INTEGER DEFAULT 0,
    following_count       INTEGER DEFAULT 0,
    posts_count           INTEGER DEFAULT 0,
    total_likes           BIGINT DEFAULT 0,
    total_comments        BIGINT DEFAULT 0,
    total_views           BIGINT DEFAULT 0,
    total_shares          BIGINT DEFAULT 0,
    total_saves           BIGINT DEFAULT 0,
    total_impressions     BIGINT DEFAULT 0,
    subscribers_count     INTEGER DEFAULT 0,
    pins_count            INTEGER DEFAULT 0,
    boards_count          INTEGER DEFAULT 0,
    retweets_count        BIGINT DEFAULT 0,
    reactions_count       BIGINT DEFAULT 0,
    watch_time_minutes    BIGINT DEFAULT 0,
    engagement_rate       NUMERIC(5, 2) DEFAULT 0,
    avg_likes_per_post    NUMERIC(10, 2) DEFAULT 0,
    avg_comments_per_post NUMERIC(10, 2) DEFAULT 0,
    avg_views_per_post    NUMERIC(10, 2) DEFAULT 0,
    follower_growth       INTEGER DEFAULT 0,
    reach                 INTEGER DEFAULT 0,
    profile_visits        INTEGER DEFAULT 0,
    created_at            TIMESTAMPTZ DEFAULT now(),
    UNIQUE (account_id, snapshot_date)
);
CREATE INDEX IF NOT EXISTS idx_snapshots_account_date
    ON social_media_analytics_snapshots (account_id, snapshot_date DESC);

CREATE TABLE IF NOT EXISTS social_media_mentions (
    id                 SERIAL PRIMARY KEY,
    post_id            INTEGER REFERENCES social_media_posts (id) ON DELETE CASCADE,
    mentioned_username VARCHAR(255) NOT NULL,
    platform           VARCHAR(50) NOT NULL,
    mention_type       VARCHAR(50),
    created_at         TIMESTAMPTZ DEFAULT now()
);

CREATE TABLE IF NOT EXISTS social_media_audience_demographics (
    id            SERIAL PRIMARY KEY,
    account_id    INTEGER NOT NULL REFERENCES social_media_accounts (id) ON DELETE CASCADE,
    snapshot_date DATE NOT NULL,
    age_13_17     NUMERIC(5, 2) DEFAULT 0,
    age_18_24     NUMERIC(5, 2) DEFAULT 0,
    age_25_34     NUMERIC(5, 2) DEFAULT 0,
    age_35_44     NUMERIC(5, 2) DEFAULT 0,
    age_45_plus   NUMERIC(5, 2) DEFAULT 0,
    gender_male   NUMERIC(5, 2) DEFAULT 0,
    gender_female NUMERIC(5, 2) DEFAULT 0,
    gender_other  NUMERIC(5, 2) DEFAULT 0,
    top_countries JSONB,
    top_cities    JSONB,
    top_languages JSONB,
    peak_hours    JSONB,
    peak_days     JSONB,
    created_at    TIMESTAMPTZ DEFAULT now(),
    UNIQUE (account_id, snapshot_date)
);

CREATE TABLE IF NOT EXISTS social_media_content_mapping (
    id               SERIAL PRIMARY KEY,
    post_id          INTEGER NOT NULL UNIQUE REFERENCES social_media_posts (id) ON DELETE CASCADE,
    video_id         INTEGER,
    clip_id          INTEGER,
    confidence_score NUMERIC(3, 2) DEFAULT 0,
    matched_by       VARCHAR(50),
    verified         BOOLEAN DEFAULT false,
    notes            TEXT,
    created_at       TIMESTAMPTZ DEFAULT now(),
    updated_at       TIMESTAMPTZ DEFAULT now()
);
CREATE INDEX IF NOT EXISTS idx_mapping_video ON social_media_content_mapping (video_id);
CREATE INDEX IF NOT EXISTS idx_mapping_clip ON social_media_content_mapping (clip_id);

CREATE TABLE IF NOT EXISTS analytics_fetch_jobs (
    id            SERIAL PRIMARY KEY,
    account_id    INTEGER NOT NULL REFERENCES social_media_accounts (id) ON DELETE CASCADE,
    job_type      VARCHAR(50) NOT NULL,
    status        VARCHAR(50) DEFAULT 'pending',
    started_at    TIMESTAMPTZ,
    completed_at  TIMESTAMPTZ,
    posts_fetched INTEGER DEFAULT 0,
    error_message TEXT,
    created_at    TIMESTAMPTZ DEFAULT now()
);
CREATE INDEX IF NOT EXISTS idx_jobs_account_status ON analytics_fetch_jobs (account_id, status);

CREATE INDEX IF NOT EXISTS idx_templates_account ON message_templates (account_id);
CREATE INDEX IF NOT EXISTS idx_templates_category ON message_templates (category);

-- Index names: where Checkback had created an index under its own name, it takes the original's name, or
-- goes when the original's index (the same columns) is there too.
DO $$
DECLARE
    v_pair text[];
BEGIN
    FOREACH v_pair SLICE 1 IN ARRAY ARRAY[
        ['idx_analytics_post_date', 'idx_post_analytics_post_date'],
        ['idx_posts_tracking_incomplete', 'idx_posts_tracking_active'],
        ['idx_conversations_last_message', 'idx_conversations_last_msg']]
    LOOP
        IF to_regclass(v_pair[1]) IS NOT NULL THEN
            IF to_regclass(v_pair[2]) IS NOT NULL THEN
                EXECUTE format('DROP INDEX %I', v_pair[1]);
            ELSE
                EXECUTE format('ALTER INDEX %I RENAME TO %I', v_pair[1], v_pair[2]);
            END IF;
        END IF;
    END LOOP;
END;
$$;

-- The v2 views, where missing (an original database keeps its own definitions).
DO $$
BEGIN
    IF to_regclass('latest_account_analytics') IS NULL THEN
        CREATE VIEW latest_account_analytics AS
        SELECT a.*,
               s.snapshot_date, s.followers_count, s.following_count, s.posts_count, s.total_likes,
               s.total_comments, s.total_views, s.engagement_rate, s.follower_growth
        FROM social_media_accounts a
        LEFT JOIN LATERAL (
            SELECT x.snapshot_date, x.followers_count, x.following_count, x.posts_count, x.total_likes,
                   x.total_comments, x.total_views, x.engagement_rate, x.follower_growth
            FROM social_media_analytics_snapshots x
            WHERE x.account_id = a.id
            ORDER BY x.snapshot_date DESC
            LIMIT 1
        ) s ON true
        WHERE a.is_active = true;
    END IF;
    IF to_regclass('post_performance_trends') IS NULL THEN
        CREATE VIEW post_performance_trends AS
        SELECT p.id, p.platform, p.post_url, p.caption, p.posted_at,
               pa.views_count AS current_views, pa.likes_count AS current_likes, pa.engagement_rate,
               pa.created_at AS last_updated
        FROM social_media_posts p
        LEFT JOIN LATERAL (
            SELECT y.views_count, y.likes_count, y.engagement_rate, y.created_at
            FROM social_media_post_analytics y
            WHERE y.post_id = p.id
            ORDER BY y.snapshot_date DESC, y.snapshot_hour DESC NULLS LAST
            LIMIT 1
        ) pa ON true
        WHERE p.deleted_at IS NULL;
    END IF;
END;
$$;

-- The automation views in the original's column order. A view that 0002's earlier text made in another
-- order cannot be replaced in place: it is dropped first (without CASCADE, so a view someone built on it
-- stops the migration instead of disappearing).
DO $$
DECLARE
    v_view text;
    v_want text[];
    v_have text[];
BEGIN
    FOR v_view, v_want IN
        SELECT * FROM (VALUES
            ('posts_pending_checkback',
             ARRAY['id', 'platform', 'post_url', 'external_post_id', 'caption', 'posted_at', 'next_check_at',
                   'checks_completed', 'tracking_started_at', 'account_username', 'minutes_overdue']),
            ('active_conversations_summary',
             ARRAY['id', 'platform', 'participant_username', 'participant_display_name', 'last_message_at',
                   'last_message_preview', 'unread_count', 'our_account', 'total_messages', 'sent_messages',
                   'received_messages'])) AS v(name, cols)
    LOOP
        SELECT array_agg(a.attname::text ORDER BY a.attnum) INTO v_have
          FROM pg_attribute a
         WHERE a.attrelid = to_regclass(v_view) AND a.attnum > 0 AND NOT a.attisdropped;
        IF v_have IS NOT NULL AND v_have[1:cardinality(v_want)] IS DISTINCT FROM v_want THEN
            EXECUTE format('DROP VIEW %I', v_view);
        END IF;
    END LOOP;
END;
$$;

CREATE OR REPLACE VIEW posts_pending_checkback AS
SELECT p.id,
       p.platform,
       p.post_url,
       p.external_post_id,
       p.caption,
       p.posted_at,
       p.next_check_at,
       p.checks_completed,
       p.tracking_started_at,
       a.username                                          AS account_username,
       EXTRACT(EPOCH FROM (now() - p.next_check_at)) / 60 AS minutes_overdue,
       p.account_id,
       a.username,
       p.check_schedule
FROM social_media_posts p
JOIN social_media_accounts a ON a.id = p.account_id
WHERE p.tracking_complete = false
  AND p.next_check_at IS NOT NULL
  AND p.next_check_at <= now()
ORDER BY p.next_check_at ASC;

CREATE OR REPLACE VIEW active_conversations_summary AS
SELECT c.id,
       c.platform,
       c.participant_username,
       c.participant_display_name,
       c.last_message_at,
       c.last_message_preview,
       c.unread_count,
       a.username                                                                    AS our_account,
       (SELECT count(*) FROM social_media_messages m WHERE m.conversation_id = c.id) AS total_messages,
       (SELECT count(*) FROM social_media_messages m
         WHERE m.conversation_id = c.id AND m.is_outgoing)                           AS sent_messages,
       (SELECT count(*) FROM social_media_messages m
         WHERE m.conversation_id = c.id AND NOT m.is_outgoing)                       AS received_messages,
       c.account_id,
       a.username                                                                    AS account_username,
       c.last_message_is_outgoing,
       c.is_muted
FROM social_media_conversations c
JOIN social_media_accounts a ON a.id = c.account_id
WHERE c.is_archived = false
ORDER BY c.last_message_at DESC NULLS LAST;

-- The default schedule setting in the original's shape ({"name", "offset_hours"}), where 0002's earlier
-- text wrote {"hours", "name"}.
UPDATE system_settings
   SET setting_value = (SELECT jsonb_agg(jsonb_build_object('name', e -> 'name', 'offset_hours', e -> 'hours')
                                         ORDER BY n)
                          FROM jsonb_array_elements(setting_value) WITH ORDINALITY AS x(e, n)),
       updated_at = now()
 WHERE setting_key = 'checkback_schedule_default'
   AND jsonb_typeof(setting_value) = 'array'
   AND jsonb_array_length(setting_value) > 0
   AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements(setting_value) AS y(e)
                    WHERE jsonb_typeof(e) <> 'object' OR NOT e ? 'hours' OR e ? 'offset_hours');
