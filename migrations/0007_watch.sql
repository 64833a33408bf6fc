-- Watched accounts: every new post of an account is tracked and announced once. One polling state per
-- account (however many guilds watch it, it is polled once), the guilds that watch it, the videos already
-- seen, and account-level snapshots over time (the original schema has no account metrics table).

CREATE TABLE IF NOT EXISTS account_watches (
    id               SERIAL PRIMARY KEY,
    account_id       INTEGER NOT NULL UNIQUE REFERENCES social_media_accounts (id) ON DELETE CASCADE,
    -- The durable poll schedule; NULL: not polled (stopped, or no guild watches any more).
    next_poll_at     TIMESTAMPTZ,
    -- A poller's lease, and a fencing token bumped by every claim: a poller whose lease expired and was
    -- claimed again cannot advance the schedule over the newer claim.
    claimed_until    TIMESTAMPTZ,
    claim_count      BIGINT NOT NULL DEFAULT 0,
    -- When the first poll recorded the back catalogue (NULL: not yet). Videos published before it are
    -- recorded silently, so a watch never floods the channel with old posts.
    baseline_at      TIMESTAMPTZ,
    last_polled_at   TIMESTAMPTZ,
    posts_checked_at TIMESTAMPTZ,
    last_video_count INTEGER,
    last_new_post_at TIMESTAMPTZ,
    poll_failures    INTEGER NOT NULL DEFAULT 0,
    last_error       TEXT,
    stopped_reason   TEXT,
    stopped_at       TIMESTAMPTZ,
    -- Bumped when a stopped watch is started again, so a second stop is reported again.
    generation       INTEGER NOT NULL DEFAULT 1,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS idx_account_watches_due
    ON account_watches (next_poll_at) WHERE next_poll_at IS NOT NULL;

-- Who watches: guild_id NULL is the CLI (notified in NOTIFY_CHANNEL_ID); channel_id NULL means the
-- guild's notification channel.
CREATE TABLE IF NOT EXISTS account_watch_guilds (
    id               SERIAL PRIMARY KEY,
    watch_id         INTEGER NOT NULL REFERENCES account_watches (id) ON DELETE CASCADE,
    guild_id         BIGINT,
    channel_id       BIGINT,
    added_by_user_id BIGINT,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE NULLS NOT DISTINCT (watch_id, guild_id)
);
CREATE INDEX IF NOT EXISTS idx_account_watch_guilds_guild ON account_watch_guilds (guild_id);

-- Videos a poll has seen. The key makes "new" a fact recorded once: the announcement's outbox rows are
-- written in the transaction that inserts the row, so a video is announced once or not at all.
CREATE TABLE IF NOT EXISTS account_watch_seen_videos (
    account_id    INTEGER NOT NULL REFERENCES social_media_accounts (id) ON DELETE CASCADE,
    video_id      VARCHAR(255) NOT NULL,
    posted_at     TIMESTAMPTZ,
    first_seen_at TIMESTAMPTZ NOT NULL,
    announced     BOOLEAN NOT NULL DEFAULT false,
    PRIMARY KEY (account_id, video_id)
);
CREATE INDEX IF NOT EXISTS idx_watch_seen_posted ON account_watch_seen_videos (account_id, posted_at);

-- An account's numbers at one poll (the accounts table keeps only the profile).
CREATE TABLE IF NOT EXISTS social_media_account_snapshots (
    id              BIGSERIAL PRIMARY KEY,
    account_id      INTEGER NOT NULL REFERENCES social_media_accounts (id) ON DELETE CASCADE,
    captured_at     TIMESTAMPTZ NOT NULL,
    followers_count BIGINT,
    following_count BIGINT,
    hearts_count    BIGINT,
    videos_count    INTEGER,
    likes_given     BIGINT,
    UNIQUE (account_id, captured_at)
);
