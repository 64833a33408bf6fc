-- A tracked post's run of failed check answers since its last successful check (bot/metrics/evidence.py):
-- what proves a video gone (a "gone" wording confirmed later, or the same failure over a span) and what makes
-- a post a poison one (malformed answers, failures to record). Emptied by the next successful check.
CREATE TABLE IF NOT EXISTS post_check_faults (
    post_id        INTEGER PRIMARY KEY REFERENCES social_media_posts (id) ON DELETE CASCADE,
    first_at       TIMESTAMPTZ NOT NULL,
    last_at        TIMESTAMPTZ NOT NULL,
    answers        INTEGER NOT NULL DEFAULT 0,
    gone_answers   INTEGER NOT NULL DEFAULT 0,
    gone_first_at  TIMESTAMPTZ,
    bad_answers    INTEGER NOT NULL DEFAULT 0,
    last_reason    TEXT NOT NULL DEFAULT ''
);
