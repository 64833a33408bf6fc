-- /top at scale: one row per post with its first and latest check-back snapshot (by check_index), kept up
-- to date by a trigger on every snapshot written, so ranking a window no longer reads every snapshot in it.
-- A post whose first snapshot is inside the window grew (latest - first); only the posts whose snapshots
-- straddle the window's start need their snapshot just before it, found through the GiST index on
-- (first_at, last_at]. The snapshots table itself is unchanged.
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

-- Posts entirely inside a window, ranked by their whole growth; and those straddling its start.
CREATE INDEX IF NOT EXISTS idx_spans_first_at ON post_snapshot_spans (first_at);
CREATE INDEX IF NOT EXISTS idx_spans_views ON post_snapshot_spans ((last_views - first_views) DESC, post_id DESC);
CREATE INDEX IF NOT EXISTS idx_spans_likes ON post_snapshot_spans ((last_likes - first_likes) DESC, post_id DESC);
CREATE INDEX IF NOT EXISTS idx_spans_comments
    ON post_snapshot_spans ((last_comments - first_comments) DESC, post_id DESC);
CREATE INDEX IF NOT EXISTS idx_spans_shares
    ON post_snapshot_spans ((last_shares - first_shares) DESC, post_id DESC);
CREATE INDEX IF NOT EXISTS idx_spans_straddle
    ON post_snapshot_spans USING gist (tstzrange(first_at, last_at, '(]'));

-- The span of one post, from its snapshots (after a delete or an update, and for the backfill).
CREATE OR REPLACE FUNCTION rebuild_post_snapshot_span(p_post_id integer) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM post_snapshot_spans WHERE post_id = p_post_id;
    -- While a post is deleted, its snapshots go by cascade: the post is no longer visible, nothing to keep.
    IF NOT EXISTS (SELECT 1 FROM social_media_posts WHERE id = p_post_id) THEN
        RETURN;
    END IF;
    INSERT INTO post_snapshot_spans
    SELECT f.post_id, f.check_index, f.captured_at, coalesce(f.views_count, 0), coalesce(f.likes_count, 0),
           coalesce(f.comments_count, 0), coalesce(f.shares_count, 0),
           l.check_index, l.captured_at, coalesce(l.views_count, 0), coalesce(l.likes_count, 0),
           coalesce(l.comments_count, 0), coalesce(l.shares_count, 0)
      FROM (SELECT * FROM social_media_post_analytics
             WHERE post_id = p_post_id AND check_index IS NOT NULL AND captured_at IS NOT NULL
             ORDER BY check_index LIMIT 1) f,
           (SELECT * FROM social_media_post_analytics
             WHERE post_id = p_post_id AND check_index IS NOT NULL AND captured_at IS NOT NULL
             ORDER BY check_index DESC LIMIT 1) l;
END;
$$;

-- Every post's span in one pass (the backfill, and after a bulk load done with triggers off).
CREATE OR REPLACE FUNCTION rebuild_post_snapshot_spans() RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    v_rows bigint;
BEGIN
    TRUNCATE post_snapshot_spans;
    INSERT INTO post_snapshot_spans
    SELECT DISTINCT ON (f.post_id)
           f.post_id, f.check_index, f.captured_at, coalesce(f.views_count, 0), coalesce(f.likes_count, 0),
           coalesce(f.comments_count, 0), coalesce(f.shares_count, 0),
           l.check_index, l.captured_at, coalesce(l.views_count, 0), coalesce(l.likes_count, 0),
           coalesce(l.comments_count, 0), coalesce(l.shares_count, 0)
      FROM (SELECT DISTINCT ON (post_id) * FROM social_media_post_analytics
             WHERE check_index IS NOT NULL AND captured_at IS NOT NULL
             ORDER BY post_id, check_index) f
      JOIN (SELECT DISTINCT ON (post_id) * FROM social_media_post_analytics
             WHERE check_index IS NOT NULL AND captured_at IS NOT NULL
             ORDER BY post_id, check_index DESC) l ON l.post_id = f.post_id
     ORDER BY f.post_id;
    GET DIAGNOSTICS v_rows = ROW_COUNT;
    RETURN v_rows;
END;
$$;

CREATE OR REPLACE FUNCTION post_snapshot_span_trigger() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.check_index IS NULL OR NEW.captured_at IS NULL THEN
            RETURN NULL;
        END IF;
        INSERT INTO post_snapshot_spans AS s
        VALUES (NEW.post_id, NEW.check_index, NEW.captured_at, coalesce(NEW.views_count, 0),
                coalesce(NEW.likes_count, 0), coalesce(NEW.comments_count, 0), coalesce(NEW.shares_count, 0),
                NEW.check_index, NEW.captured_at, coalesce(NEW.views_count, 0),
                coalesce(NEW.likes_count, 0), coalesce(NEW.comments_count, 0), coalesce(NEW.shares_count, 0))
        ON CONFLICT (post_id) DO UPDATE SET
            first_check = CASE WHEN excluded.first_check < s.first_check THEN excluded.first_check ELSE s.first_check END,
            first_at = CASE WHEN excluded.first_check < s.first_check THEN excluded.first_at ELSE s.first_at END,
            first_views = CASE WHEN excluded.first_check < s.first_check THEN excluded.first_views ELSE s.first_views END,
            first_likes = CASE WHEN excluded.first_check < s.first_check THEN excluded.first_likes ELSE s.first_likes END,
            first_comments = CASE WHEN excluded.first_check < s.first_check THEN excluded.first_comments ELSE s.first_comments END,
            first_shares = CASE WHEN excluded.first_check < s.first_check THEN excluded.first_shares ELSE s.first_shares END,
            last_check = CASE WHEN excluded.last_check > s.last_check THEN excluded.last_check ELSE s.last_check END,
            last_at = CASE WHEN excluded.last_check > s.last_check THEN excluded.last_at ELSE s.last_at END,
            last_views = CASE WHEN excluded.last_check > s.last_check THEN excluded.last_views ELSE s.last_views END,
            last_likes = CASE WHEN excluded.last_check > s.last_check THEN excluded.last_likes ELSE s.last_likes END,
            last_comments = CASE WHEN excluded.last_check > s.last_check THEN excluded.last_comments ELSE s.last_comments END,
            last_shares = CASE WHEN excluded.last_check > s.last_check THEN excluded.last_shares ELSE s.last_shares END;
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM rebuild_post_snapshot_span(OLD.post_id);
    END IF;
    IF TG_OP = 'UPDATE' AND NEW.post_id IS DISTINCT FROM OLD.post_id THEN
        PERFORM rebuild_post_snapshot_span(NEW.post_id);
    END IF;
    RETURN NULL;
END;
$$;

DROP TRIGGER IF EXISTS trg_post_snapshot_span ON social_media_post_analytics;
CREATE TRIGGER trg_post_snapshot_span
    AFTER INSERT OR UPDATE OR DELETE ON social_media_post_analytics
    FOR EACH ROW EXECUTE FUNCTION post_snapshot_span_trigger();

-- Posts tracked before this migration: their spans from the snapshots already there.
SELECT rebuild_post_snapshot_spans();
