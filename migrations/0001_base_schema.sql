-- The original system's base schema (version 2.0), created only where missing.
-- Fresh databases get timestamptz; an existing original database keeps its column types and data.

CREATE TABLE IF NOT EXISTS system_settings (
    id            SERIAL PRIMARY KEY,
    setting_key   VARCHAR(255) NOT NULL UNIQUE,
    setting_value JSONB,
    description   TEXT,
    updated_at    TIMESTAMPTZ DEFAULT now()
);

CREATE TABLE IF NOT EXISTS social_media_accounts (
    id                 SERIAL PRIMARY KEY,
    platform           VARCHAR(50) NOT NULL CHECK (platform IN (
                           'tiktok', 'instagram', 'youtube', 'twitter', 'facebook',
                           'pinterest', 'bluesky', 'threads', 'linkedin')),
    username           VARCHAR(255) NOT NULL,
    display_name       VARCHAR(255),
    bio                TEXT,
    profile_pic_url    TEXT,
    external_id        VARCHAR(255),
    is_verified        BOOLEAN DEFAULT false,
    is_business        BOOLEAN DEFAULT false,
    is_creator         BOOLEAN DEFAULT false,
    account_type       VARCHAR(50),
    email              VARCHAR(255),
    website_url        TEXT,
    location           VARCHAR(255),
    is_active          BOOLEAN DEFAULT true,
    is_private         BOOLEAN DEFAULT false,
    monitoring_enabled BOOLEAN DEFAULT true,
    blotato_account_id INTEGER,
    created_at         TIMESTAMPTZ DEFAULT now(),
    updated_at         TIMESTAMPTZ DEFAULT now(),
    last_fetched_at    TIMESTAMPTZ,
    account_created_at TIMESTAMPTZ,
    UNIQUE (platform, username)
);
CREATE INDEX IF NOT EXISTS idx_accounts_platform ON social_media_accounts (platform);
CREATE INDEX IF NOT EXISTS idx_accounts_active ON social_media_accounts (is_active);

CREATE TABLE IF NOT EXISTS social_media_posts (
    id                     SERIAL PRIMARY KEY,
    account_id             INTEGER NOT NULL REFERENCES social_media_accounts (id) ON DELETE CASCADE,
    platform               VARCHAR(50) NOT NULL,
    external_post_id       VARCHAR(255) NOT NULL,
    post_url               TEXT NOT NULL,
    short_code             VARCHAR(100),
    caption                TEXT,
    description            TEXT,
    title                  VARCHAR(500),
    media_type             VARCHAR(50) CHECK (media_type IN (
                               'video', 'image', 'carousel', 'story', 'reel', 'short', 'pin')),
    media_count            INTEGER DEFAULT 1,
    thumbnail_url          TEXT,
    media_url              TEXT,
    media_urls             JSONB,
    duration               INTEGER,
    video_quality          VARCHAR(50),
    has_audio              BOOLEAN DEFAULT true,
    is_short_form          BOOLEAN DEFAULT false,
    is_pinned              BOOLEAN DEFAULT false,
    is_ad                  BOOLEAN DEFAULT false,
    is_sponsored           BOOLEAN DEFAULT false,
    visibility             VARCHAR(50) DEFAULT 'public',
    youtube_category       VARCHAR(100),
    pinterest_board_id     VARCHAR(255),
    twitter_thread_id      VARCHAR(255),
    instagram_product_tags JSONB,
    location_name          VARCHAR(255),
    location_lat           NUMERIC(10, 7),
    location_lng           NUMERIC(10, 7),
    posted_at              TIMESTAMPTZ,
    created_at             TIMESTAMPTZ DEFAULT now(),
    updated_at             TIMESTAMPTZ DEFAULT now(),
    deleted_at             TIMESTAMPTZ,
    raw_data               JSONB,
    UNIQUE (platform, external_post_id)
);
CREATE INDEX IF NOT EXISTS idx_posts_account ON social_media_posts (account_id);
CREATE INDEX IF NOT EXISTS idx_posts_posted_at ON social_media_posts (posted_at DESC);
CREATE INDEX IF NOT EXISTS idx_posts_url ON social_media_posts (post_url);

CREATE TABLE IF NOT EXISTS social_media_post_analytics (
    id                   SERIAL PRIMARY KEY,
    post_id              INTEGER NOT NULL REFERENCES social_media_posts (id) ON DELETE CASCADE,
    snapshot_date        DATE NOT NULL,
    snapshot_hour        INTEGER,
    likes_count          BIGINT DEFAULT 0,
    comments_count       BIGINT DEFAULT 0,
    views_count          BIGINT DEFAULT 0,
    shares_count         BIGINT DEFAULT 0,
    saves_count          BIGINT DEFAULT 0,
    retweets_count       BIGINT DEFAULT 0,
    reactions_count      BIGINT DEFAULT 0,
    repins_count         BIGINT DEFAULT 0,
    impressions          BIGINT DEFAULT 0,
    reach                BIGINT DEFAULT 0,
    watch_time_seconds   BIGINT,
    avg_watch_percentage NUMERIC(5, 2),
    completion_rate      NUMERIC(5, 2),
    engagement_rate      NUMERIC(5, 2),
    viral_score          NUMERIC(10, 2),
    created_at           TIMESTAMPTZ DEFAULT now(),
    UNIQUE (post_id, snapshot_date, snapshot_hour)
);
CREATE INDEX IF NOT EXISTS idx_analytics_post_date
    ON social_media_post_analytics (post_id, snapshot_date DESC);

CREATE TABLE IF NOT EXISTS social_media_hashtags (
    id                  SERIAL PRIMARY KEY,
    hashtag             VARCHAR(255) NOT NULL UNIQUE,
    platform            VARCHAR(50),
    total_uses          BIGINT DEFAULT 0,
    total_views         BIGINT DEFAULT 0,
    avg_engagement_rate NUMERIC(5, 2),
    created_at          TIMESTAMPTZ DEFAULT now(),
    updated_at          TIMESTAMPTZ DEFAULT now()
);

CREATE TABLE IF NOT EXISTS social_media_post_hashtags (
    post_id    INTEGER NOT NULL REFERENCES social_media_posts (id) ON DELETE CASCADE,
    hashtag_id INTEGER NOT NULL REFERENCES social_media_hashtags (id) ON DELETE CASCADE,
    position   INTEGER,
    PRIMARY KEY (post_id, hashtag_id)
);

CREATE TABLE IF NOT EXISTS social_media_comments (
    id                  SERIAL PRIMARY KEY,
    post_id             INTEGER NOT NULL REFERENCES social_media_posts (id) ON DELETE CASCADE,
    platform            VARCHAR(50) NOT NULL,
    external_comment_id VARCHAR(255) NOT NULL,
    comment_text        TEXT,
    author_username     VARCHAR(255),
    author_id           VARCHAR(255),
    parent_comment_id   INTEGER REFERENCES social_media_comments (id),
    is_reply            BOOLEAN DEFAULT false,
    likes_count         INTEGER DEFAULT 0,
    replies_count       INTEGER DEFAULT 0,
    is_creator_reply    BOOLEAN DEFAULT false,
    sentiment           VARCHAR(20),
    sentiment_score     NUMERIC(3, 2),
    commented_at        TIMESTAMPTZ,
    created_at          TIMESTAMPTZ DEFAULT now(),
    UNIQUE (platform, external_comment_id)
);
CREATE INDEX IF NOT EXISTS idx_comments_post ON social_media_comments (post_id);

CREATE TABLE IF NOT EXISTS api_usage_tracking (
    id            SERIAL PRIMARY KEY,
    provider_name VARCHAR(100) NOT NULL,
    platform      VARCHAR(50) NOT NULL,
    endpoint      VARCHAR(255) NOT NULL,
    request_count INTEGER DEFAULT 1,
    success       BOOLEAN DEFAULT true,
    latency_ms    INTEGER,
    error_message TEXT,
    date          DATE DEFAULT current_date,
    requested_at  TIMESTAMPTZ DEFAULT now()
);
CREATE INDEX IF NOT EXISTS idx_api_usage_date_provider ON api_usage_tracking (date, provider_name);
