-- The original automation migration ("add_automation_features"), complete and safe to re-run:
-- check-back columns on posts, conversations, messages, automation actions, templates, their views,
-- functions and default settings. Day and hour boundaries are UTC.
-- Edited after release because it failed on an original database (its views in another column order, an
-- index named differently, the schedule setting in another shape); databases that ran the earlier text
-- keep its checksum (db/migrate.py EARLIER_CHECKSUMS) and 0010 brings them to the same end state.
-- Two views (posts_pending_checkback, active_conversations_summary) are made by 0010 and two functions
-- (get_next_check_time, record_check_completion) by 0012: this file once made them too, in texts that
-- those later files replace before anything reads them (issue 13; that text's checksum is accepted too).

ALTER TABLE social_media_posts
    ADD COLUMN IF NOT EXISTS check_schedule      JSONB DEFAULT '[]'::jsonb,
    ADD COLUMN IF NOT EXISTS next_check_at       TIMESTAMPTZ,
    ADD COLUMN IF NOT EXISTS tracking_complete   BOOLEAN DEFAULT false,
    ADD COLUMN IF NOT EXISTS tracking_started_at TIMESTAMPTZ,
    ADD COLUMN IF NOT EXISTS checks_completed    INTEGER DEFAULT 0;

CREATE INDEX IF NOT EXISTS idx_posts_next_check ON social_media_posts (next_check_at)
    WHERE tracking_complete = false AND next_check_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS idx_posts_tracking_active ON social_media_posts (tracking_complete)
    WHERE tracking_complete = false;

-- Proposed by the seed note, never added by the original: the API's reply total.
ALTER TABLE social_media_comments ADD COLUMN IF NOT EXISTS api_reply_count INTEGER DEFAULT 0;

CREATE TABLE IF NOT EXISTS social_media_conversations (
    id                       SERIAL PRIMARY KEY,
    account_id               INTEGER NOT NULL REFERENCES social_media_accounts (id) ON DELETE CASCADE,
    platform                 VARCHAR(50) DEFAULT 'tiktok',
    participant_username     VARCHAR(255) NOT NULL,
    participant_id           VARCHAR(255),
    participant_display_name VARCHAR(255),
    participant_avatar_url   TEXT,
    participant_verified     BOOLEAN DEFAULT false,
    last_message_at          TIMESTAMPTZ,
    last_message_preview     TEXT,
    last_message_is_outgoing BOOLEAN,
    unread_count             INTEGER DEFAULT 0,
    is_muted                 BOOLEAN DEFAULT false,
    is_archived              BOOLEAN DEFAULT false,
    is_blocked               BOOLEAN DEFAULT false,
    is_spam                  BOOLEAN DEFAULT false,
    auto_reply_enabled       BOOLEAN DEFAULT false,
    follow_up_scheduled_at   TIMESTAMPTZ,
    conversation_started_at  TIMESTAMPTZ,
    created_at               TIMESTAMPTZ DEFAULT now(),
    updated_at               TIMESTAMPTZ DEFAULT now(),
    UNIQUE (account_id, platform, participant_username)
);
CREATE INDEX IF NOT EXISTS idx_conversations_account ON social_media_conversations (account_id);
CREATE INDEX IF NOT EXISTS idx_conversations_platform ON social_media_conversations (platform);
CREATE INDEX IF NOT EXISTS idx_conversations_last_msg
    ON social_media_conversations (last_message_at DESC);
CREATE INDEX IF NOT EXISTS idx_conversations_unread ON social_media_conversations (unread_count)
    WHERE unread_count > 0;
CREATE INDEX IF NOT EXISTS idx_conversations_follow_up
    ON social_media_conversations (follow_up_scheduled_at)
    WHERE follow_up_scheduled_at IS NOT NULL;

CREATE TABLE IF NOT EXISTS social_media_messages (
    id                  SERIAL PRIMARY KEY,
    conversation_id     INTEGER NOT NULL REFERENCES social_media_conversations (id) ON DELETE CASCADE,
    external_message_id VARCHAR(255),
    message_text        TEXT,
    message_type        VARCHAR(50) DEFAULT 'text' CHECK (message_type IN (
                            'text', 'image', 'video', 'sticker', 'gif', 'voice')),
    media_url           TEXT,
    media_thumbnail_url TEXT,
    is_outgoing         BOOLEAN NOT NULL,
    sender_username     VARCHAR(255),
    status              VARCHAR(50) DEFAULT 'sent' CHECK (status IN ('sent', 'delivered', 'read', 'failed')),
    is_read             BOOLEAN DEFAULT false,
    sent_at             TIMESTAMPTZ NOT NULL,
    delivered_at        TIMESTAMPTZ,
    read_at             TIMESTAMPTZ,
    reply_to_message_id INTEGER REFERENCES social_media_messages (id),
    metadata            JSONB,
    is_automated        BOOLEAN DEFAULT false,
    template_used       VARCHAR(255),
    created_at          TIMESTAMPTZ DEFAULT now(),
    UNIQUE (conversation_id, external_message_id)
);
CREATE INDEX IF NOT EXISTS idx_messages_conversation ON social_media_messages (conversation_id);
CREATE INDEX IF NOT EXISTS idx_messages_sent_at ON social_media_messages (sent_at DESC);
CREATE INDEX IF NOT EXISTS idx_messages_outgoing ON social_media_messages (is_outgoing);
CREATE INDEX IF NOT EXISTS idx_messages_status ON social_media_messages (status);

CREATE TABLE IF NOT EXISTS automation_actions (
    id                SERIAL PRIMARY KEY,
    account_id        INTEGER REFERENCES social_media_accounts (id) ON DELETE CASCADE,
    platform          VARCHAR(50) DEFAULT 'tiktok',
    action_type       VARCHAR(50) NOT NULL CHECK (action_type IN (
                          'like', 'comment', 'follow', 'unfollow', 'message', 'search', 'view')),
    target_type       VARCHAR(50) CHECK (target_type IN (
                          'video', 'user', 'hashtag', 'sound', 'conversation')),
    target_id         VARCHAR(255),
    target_url        TEXT,
    target_username   VARCHAR(255),
    content_text      TEXT,
    success           BOOLEAN DEFAULT true,
    error_message     TEXT,
    error_code        VARCHAR(100),
    session_id        VARCHAR(255),
    triggered_by      VARCHAR(50) CHECK (triggered_by IN ('manual', 'scheduled', 'auto_reply', 'workflow')),
    action_date       DATE DEFAULT ((now() AT TIME ZONE 'UTC')::date),
    action_hour       INTEGER DEFAULT (EXTRACT(HOUR FROM (now() AT TIME ZONE 'UTC'))::integer),
    execution_time_ms INTEGER,
    created_at        TIMESTAMPTZ DEFAULT now()
);
CREATE INDEX IF NOT EXISTS idx_actions_account_date ON automation_actions (account_id, action_date);
CREATE INDEX IF NOT EXISTS idx_actions_type ON automation_actions (action_type);
CREATE INDEX IF NOT EXISTS idx_actions_target ON automation_actions (target_type, target_id);
CREATE INDEX IF NOT EXISTS idx_actions_success ON automation_actions (success);
CREATE INDEX IF NOT EXISTS idx_actions_date_hour ON automation_actions (action_date, action_hour);

CREATE TABLE IF NOT EXISTS message_templates (
    id            SERIAL PRIMARY KEY,
    account_id    INTEGER REFERENCES social_media_accounts (id) ON DELETE CASCADE,
    name          VARCHAR(255) NOT NULL,
    category      VARCHAR(50) CHECK (category IN ('welcome', 'follow_up', 'thank_you', 'promo', 'custom')),
    template_text TEXT NOT NULL,
    variables     JSONB DEFAULT '[]'::jsonb,
    times_used    INTEGER DEFAULT 0,
    last_used_at  TIMESTAMPTZ,
    is_active     BOOLEAN DEFAULT true,
    created_at    TIMESTAMPTZ DEFAULT now(),
    updated_at    TIMESTAMPTZ DEFAULT now()
);
CREATE INDEX IF NOT EXISTS idx_templates_account ON message_templates (account_id);
CREATE INDEX IF NOT EXISTS idx_templates_category ON message_templates (category);

CREATE OR REPLACE VIEW daily_action_counts AS
SELECT account_id,
       action_date,
       action_type,
       count(*)                                 AS action_count,
       count(*) FILTER (WHERE success)          AS success_count,
       count(*) FILTER (WHERE success = false)  AS failure_count
FROM automation_actions
WHERE action_date >= (now() AT TIME ZONE 'UTC')::date - 7
GROUP BY account_id, action_date, action_type
ORDER BY action_date DESC, account_id, action_type;

CREATE OR REPLACE VIEW hourly_action_distribution AS
SELECT account_id,
       action_type,
       action_hour,
       count(*) AS action_count
FROM automation_actions
WHERE action_date >= (now() AT TIME ZONE 'UTC')::date - 30
GROUP BY account_id, action_type, action_hour
ORDER BY account_id, action_type, action_hour;

-- Reads only: two callers can both see true and both act (try_record_action is the atomic step).
CREATE OR REPLACE FUNCTION check_rate_limit(
    p_account_id integer, p_action_type varchar, p_daily_limit integer DEFAULT 100
) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT count(*) < p_daily_limit
    FROM automation_actions
    WHERE account_id = p_account_id
      AND action_type = p_action_type
      AND action_date = (now() AT TIME ZONE 'UTC')::date
$$;

-- The original's get_next_check_time returns plain timestamp, and a function's return type cannot be
-- replaced: it goes here, and 0012 creates Checkback's (timestamptz), with record_check_completion.
DROP FUNCTION IF EXISTS get_next_check_time(integer);

INSERT INTO system_settings (setting_key, setting_value, description) VALUES
('automation_rate_limits',
 '{"like": {"daily": 100, "hourly": 20}, "comment": {"daily": 20, "hourly": 5},
   "follow": {"daily": 50, "hourly": 10}, "unfollow": {"daily": 50, "hourly": 10},
   "message": {"daily": 20, "hourly": 5}, "search": {"daily": 200, "hourly": 50}}'::jsonb,
 'Default daily and hourly caps per action type'),
('checkback_schedule_default',
 '[{"offset_hours": 1, "name": "1 hour"}, {"offset_hours": 6, "name": "6 hours"},
   {"offset_hours": 12, "name": "12 hours"}, {"offset_hours": 24, "name": "1 day"},
   {"offset_hours": 48, "name": "2 days"}, {"offset_hours": 72, "name": "3 days"},
   {"offset_hours": 168, "name": "1 week"}, {"offset_hours": 336, "name": "2 weeks"},
   {"offset_hours": 720, "name": "30 days"}]'::jsonb,
 'Default check-back offsets from a post''s publish time')
ON CONFLICT (setting_key) DO NOTHING;
