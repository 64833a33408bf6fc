-- /top at ten million snapshots: each post's check-back series (times and counts, in check order) is kept
-- on its post_snapshot_spans row, so a post whose snapshots straddle a window's start finds its value just
-- before the window in its own row. Before, each such post probed the snapshots table (an index walk back
-- from its latest check, ~14 buffers a post: 6,600 posts straddle a 24 h window at 500,000 posts).
-- When the series' times rise with the checks (they do unless snapshots were written out of order, e.g. by
-- an import), series_in_order is set and that value is found by a binary search (width_bucket).
-- The snapshots table is unchanged; 0092 makes the functions and the trigger that keep the series and
-- rebuilds them (since issue 13: this file once made them itself, as 0030 did before it; those texts'
-- checksums are accepted).
ALTER TABLE post_snapshot_spans
    ADD COLUMN IF NOT EXISTS series_in_order BOOLEAN NOT NULL DEFAULT false,
    ADD COLUMN IF NOT EXISTS series_at       TIMESTAMPTZ[],
    ADD COLUMN IF NOT EXISTS series_views    BIGINT[],
    ADD COLUMN IF NOT EXISTS series_likes    BIGINT[],
    ADD COLUMN IF NOT EXISTS series_comments BIGINT[],
    ADD COLUMN IF NOT EXISTS series_shares   BIGINT[];

-- Posts straddling a window's start, found by the range of their first and latest snapshots' times. The
-- range of 0030, (first_at, last_at], could not be built for a post whose latest check was taken before its
-- first (an import writing times that go back): the snapshot's insert failed. Bounds in either order now.
CREATE INDEX IF NOT EXISTS idx_spans_straddle_either
    ON post_snapshot_spans USING gist (tstzrange(least(first_at, last_at), greatest(first_at, last_at), '(]'));
DROP INDEX IF EXISTS idx_spans_straddle;
