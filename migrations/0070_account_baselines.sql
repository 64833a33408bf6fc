-- Against the account's typical, and where a post will end (bot/insight/).
-- An account's recent videos as one account-posts call saw them (their ages and views), fitted to the
-- account's growth curve when too few of its posts are tracked; fetched at most daily (fetched_at), and
-- not retried within the hour after an attempt (attempted_at), so several processes fetch it once.
CREATE TABLE IF NOT EXISTS account_growth_curves (
    account_id   INTEGER PRIMARY KEY REFERENCES social_media_accounts (id) ON DELETE CASCADE,
    attempted_at TIMESTAMPTZ,
    fetched_at   TIMESTAMPTZ,
    video_ids    TEXT[] NOT NULL DEFAULT '{}',
    ages_hours   DOUBLE PRECISION[] NOT NULL DEFAULT '{}',
    views        BIGINT[] NOT NULL DEFAULT '{}'
);

-- What was projected at each check from the second on, so /analytics can say, after 30 days, how far off
-- the early projections were.
CREATE TABLE IF NOT EXISTS post_projections (
    post_id     INTEGER NOT NULL REFERENCES social_media_posts (id) ON DELETE CASCADE,
    check_index INTEGER NOT NULL,
    made_at     TIMESTAMPTZ NOT NULL,
    age_hours   DOUBLE PRECISION NOT NULL,
    basis       TEXT NOT NULL,
    views_7d    BIGINT NOT NULL,
    low_7d      BIGINT NOT NULL,
    high_7d     BIGINT NOT NULL,
    views_30d   BIGINT NOT NULL,
    low_30d     BIGINT NOT NULL,
    high_30d    BIGINT NOT NULL,
    PRIMARY KEY (post_id, check_index)
);

-- The account's latest posts first: the tracked history at the same age reads the last 20 of them.
CREATE INDEX IF NOT EXISTS idx_posts_account_posted ON social_media_posts (account_id, posted_at DESC);
