-- The API budget's shedding (bot/shedding.py): a planned check-back the month could not afford is taken out
-- of its post's schedule and recorded here, with the value class that decided it, so /tracked can show
-- what was dropped and the channel is told once.
CREATE TABLE IF NOT EXISTS dropped_checks (
    post_id        INTEGER NOT NULL REFERENCES social_media_posts (id) ON DELETE CASCADE,
    due_at         TIMESTAMPTZ NOT NULL,
    offset_seconds INTEGER,
    value_class    TEXT NOT NULL,
    dropped_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (post_id, due_at)
);
CREATE INDEX IF NOT EXISTS idx_dropped_checks_at ON dropped_checks (dropped_at);
