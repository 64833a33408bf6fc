-- The digest (bot/digest/): each guild may have one, sent to a channel every day or every week at a local
-- time of its zone (guild_timezones). last_period_start is the start of the period last enqueued: the engine
-- moves it forward in the transaction that writes the digest's outbox row, only if it is earlier, so two
-- workers or a restart never send one period twice, and a bot down for several periods sends one digest.
CREATE TABLE IF NOT EXISTS digest_settings (
    guild_id          BIGINT PRIMARY KEY,
    channel_id        BIGINT NOT NULL,
    every             VARCHAR(10) NOT NULL CHECK (every IN ('daily', 'weekly')),
    -- Minutes after local midnight: 540 is 09:00.
    at_minute         INTEGER NOT NULL CHECK (at_minute BETWEEN 0 AND 1439),
    last_period_start TIMESTAMPTZ,
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at        TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Files that travel with an outbox row (a digest's chart): sent as attachments of the row's message.
CREATE TABLE IF NOT EXISTS outbox_files (
    outbox_id  BIGINT NOT NULL REFERENCES notification_outbox (id) ON DELETE CASCADE,
    filename   TEXT NOT NULL,
    content    BYTEA NOT NULL,
    PRIMARY KEY (outbox_id, filename)
);

-- A digest reads what its guild was told in its period (milestones, new posts, finished schedules).
CREATE INDEX IF NOT EXISTS idx_outbox_guild_created ON notification_outbox (guild_id, created_at);
