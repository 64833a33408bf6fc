-- The original system's base tables as it created them (plain TIMESTAMP), with a little data.
CREATE TABLE social_media_accounts (
    id SERIAL PRIMARY KEY,
    platform VARCHAR(50) NOT NULL CHECK (platform IN ('tiktok','instagram','youtube','twitter','facebook','pinterest','bluesky','threads','linkedin')),
    username VARCHAR(255) NOT NULL, display_name VARCHAR(255), bio TEXT, profile_pic_url TEXT,
    external_id VARCHAR(255), is_verified BOOLEAN DEFAULT FALSE, is_business BOOLEAN DEFAULT FALSE,
    is_creator BOOLEAN DEFAULT FALSE, account_type VARCHAR(50), email VARCHAR(255), website_url TEXT,
    location VARCHAR(255), is_active BOOLEAN DEFAULT TRUE, is_private BOOLEAN DEFAULT FALSE,
    monitoring_enabled BOOLEAN DEFAULT TRUE, blotato_account_id INTEGER,
    created_at TIMESTAMP DEFAULT NOW(), updated_at TIMESTAMP DEFAULT NOW(), last_fetched_at TIMESTAMP,
    account_created_at TIMESTAMP, UNIQUE(platform, username)
);
CREATE INDEX idx_accounts_platform ON social_media_accounts(platform);
CREATE TABLE social_media_posts (
    id SERIAL PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES social_media_accounts(id) ON DELETE CASCADE,
    platform VARCHAR(50) NOT NULL, external_post_id VARCHAR(255) NOT NULL, post_url TEXT NOT NULL,
    short_code VARCHAR(100), caption TEXT, description TEXT, title VARCHAR(500), media_type VARCHAR(50),
    media_count INTEGER DEFAULT 1, thumbnail_url TEXT, media_url TEXT, media_urls JSONB, duration INTEGER,
    video_quality VARCHAR(50), has_audio BOOLEAN DEFAULT TRUE, is_short_form BOOLEAN DEFAULT FALSE,
    is_pinned BOOLEAN DEFAULT FALSE, is_ad BOOLEAN DEFAULT FALSE, is_sponsored BOOLEAN DEFAULT FALSE,
    visibility VARCHAR(50) DEFAULT 'public', youtube_category VARCHAR(100), pinterest_board_id VARCHAR(255),
    twitter_thread_id VARCHAR(255), instagram_product_tags JSONB, location_name VARCHAR(255),
    location_lat DECIMAL(10,8), location_lng DECIMAL(11,8), posted_at TIMESTAMP,
    created_at TIMESTAMP DEFAULT NOW(), updated_at TIMESTAMP DEFAULT NOW(), deleted_at TIMESTAMP,
    raw_data JSONB, UNIQUE(platform, external_post_id)
);
CREATE TABLE social_media_post_analytics (
    id SERIAL PRIMARY KEY,
    post_id INTEGER NOT NULL REFERENCES social_media_posts(id) ON DELETE CASCADE,
    snapshot_date DATE NOT NULL, snapshot_hour INTEGER,
    likes_count BIGINT DEFAULT 0, comments_count BIGINT DEFAULT 0, views_count BIGINT DEFAULT 0,
    shares_count BIGINT DEFAULT 0, saves_count BIGINT DEFAULT 0, retweets_count BIGINT DEFAULT 0,
    reactions_count BIGINT DEFAULT 0, repins_count BIGINT DEFAULT 0, impressions BIGINT DEFAULT 0,
    reach BIGINT DEFAULT 0, watch_time_seconds BIGINT, avg_watch_percentage DECIMAL(5,2),
    completion_rate DECIMAL(5,2), engagement_rate DECIMAL(5,2), viral_score DECIMAL(10,2),
    created_at TIMESTAMP DEFAULT NOW(), UNIQUE(post_id, snapshot_date, snapshot_hour)
);
CREATE TABLE social_media_hashtags (
    id SERIAL PRIMARY KEY, hashtag VARCHAR(255) NOT NULL UNIQUE, platform VARCHAR(50),
    total_uses BIGINT DEFAULT 0, total_views BIGINT DEFAULT 0, avg_engagement_rate DECIMAL(5,2),
    created_at TIMESTAMP DEFAULT NOW(), updated_at TIMESTAMP DEFAULT NOW()
);
CREATE TABLE social_media_comments (
    id SERIAL PRIMARY KEY,
    post_id INTEGER NOT NULL REFERENCES social_media_posts(id) ON DELETE CASCADE,
    platform VARCHAR(50) NOT NULL, external_comment_id VARCHAR(255) NOT NULL, comment_text TEXT,
    author_username VARCHAR(255), author_id VARCHAR(255),
    parent_comment_id INTEGER REFERENCES social_media_comments(id), is_reply BOOLEAN DEFAULT FALSE,
    likes_count INTEGER DEFAULT 0, replies_count INTEGER DEFAULT 0, is_creator_reply BOOLEAN DEFAULT FALSE,
    sentiment VARCHAR(20), sentiment_score DECIMAL(3,2), commented_at TIMESTAMP,
    created_at TIMESTAMP DEFAULT NOW(), UNIQUE(platform, external_comment_id)
);
CREATE TABLE api_usage_tracking (
    id SERIAL PRIMARY KEY, provider_name VARCHAR(100) NOT NULL, platform VARCHAR(50) NOT NULL,
    endpoint VARCHAR(255) NOT NULL, request_count INTEGER DEFAULT 1, success BOOLEAN DEFAULT TRUE,
    latency_ms INTEGER, error_message TEXT, date DATE DEFAULT CURRENT_DATE,
    requested_at TIMESTAMP DEFAULT NOW()
);

INSERT INTO social_media_accounts (platform, username, display_name) VALUES ('tiktok', 'oldtimer', 'Old Timer');
INSERT INTO social_media_posts (account_id, platform, external_post_id, post_url, caption, posted_at)
VALUES (1, 'tiktok', '7000000000000000001', 'https://www.tiktok.com/@oldtimer/video/7000000000000000001',
        'from before', '2024-01-02 03:04:05');
INSERT INTO social_media_post_analytics (post_id, snapshot_date, snapshot_hour, views_count, likes_count)
VALUES (1, '2024-01-02', 4, 1000, 50), (1, '2024-01-03', 4, 5000, 120);
INSERT INTO social_media_comments (post_id, platform, external_comment_id, comment_text)
VALUES (1, 'tiktok', 'c1', 'first!');
INSERT INTO api_usage_tracking (provider_name, platform, endpoint) VALUES ('tiktok-scraper7', 'tiktok', '/');
