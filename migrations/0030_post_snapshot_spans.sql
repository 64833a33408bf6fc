-- /top at scale: one row per post with its first and latest check-back snapshot (by check_index), kept up
-- to date by a trigger on every snapshot written, so ranking a window no longer reads every snapshot in it.
-- A post whose first snapshot is inside the window grew (latest - first); only the posts whose snapshots
-- straddle the window's start need their snapshot just before it, found through a GiST index on the range
-- of their first and latest times. The snapshots table itself is unchanged.
-- The trigger, the functions that rebuild a span, the backfill and the index of straddling spans are
-- 0090's: this file once made earlier ones, which 0090 replaces and no migration between them uses
-- (issue 13; that text's checksum is accepted too, db/migrate.py EARLIER_CHECKSUMS).
CREATE TABLE IF NOT EXISTS post_snapshot_spans (
    post_id        INTEGER PRIMARY KEY REFERENCES social_media_posts (id) ON DELETE CASCADE,
    first_check    INTEGER NOT NULL,
    first_at       TIMESTAMPTZ NOT NULL,
    first_views    BIGINT NOT NULL,
    first_likes    BIGINT NOT NULL,
    first_comments BIGINT NOT NULL,
    first_shares   BIGINT NOT NULL,
    last_check     INTEGER NOT NULL,
    last_at        TIMESTAMPTZ NOT NULL,
    last_views     BIGINT NOT NULL,
    last_likes     BIGINT NOT NULL,
    last_comments  BIGINT NOT NULL,
    last_shares    BIGINT NOT NULL
);

-- Posts entirely inside a window, ranked by their whole growth.
CREATE INDEX IF NOT EXISTS idx_spans_first_at ON post_snapshot_spans (first_at);
CREATE INDEX IF NOT EXISTS idx_spans_views ON post_snapshot_spans ((last_views - first_views) DESC, post_id DESC);
CREATE INDEX IF NOT EXISTS idx_spans_likes ON post_snapshot_spans ((last_likes - first_likes) DESC, post_id DESC);
CREATE INDEX IF NOT EXISTS idx_spans_comments
    ON post_snapshot_spans ((last_comments - first_comments) DESC, post_id DESC);
CREATE INDEX IF NOT EXISTS idx_spans_shares
    ON post_snapshot_spans ((last_shares - first_shares) DESC, post_id DESC);
