-- The functions and the trigger that keep each post's span and series (0090's columns) up to date, and
-- their rebuild from the snapshots. 0090 made them until issue 13 (and 0030 before it); they are made here
-- so that both rebuilds read one definition of a post's series, the view below. Every database ends the
-- same: this file replaces what either earlier text made and rebuilds every post's row.

-- Each post's row of post_snapshot_spans as its snapshots make it, its columns in the table's order: the
-- one definition both rebuilds below read. A condition on post_id reaches the snapshots' index through the
-- window and the grouping, so the rebuild of one post reads only that post's snapshots. It names the
-- snapshot columns it reads (no *): a view depends on each column it reads, so a later migration that drops
-- or retypes another snapshot column is not refused because of it.
CREATE OR REPLACE VIEW post_snapshot_spans_rebuilt AS
SELECT post_id, c[1] AS first_check, t[1] AS first_at, v[1] AS first_views, l[1] AS first_likes,
       cm[1] AS first_comments, sh[1] AS first_shares, c[n] AS last_check, t[n] AS last_at,
       v[n] AS last_views, l[n] AS last_likes, cm[n] AS last_comments, sh[n] AS last_shares,
       ordered AS series_in_order, t AS series_at, v AS series_views, l AS series_likes,
       cm AS series_comments, sh AS series_shares
  FROM (SELECT post_id, count(*)::int AS n, bool_and(coalesce(captured_at >= before, true)) AS ordered,
               array_agg(check_index ORDER BY check_index) AS c,
               array_agg(captured_at ORDER BY check_index) AS t,
               array_agg(coalesce(views_count, 0)::bigint ORDER BY check_index) AS v,
               array_agg(coalesce(likes_count, 0)::bigint ORDER BY check_index) AS l,
               array_agg(coalesce(comments_count, 0)::bigint ORDER BY check_index) AS cm,
               array_agg(coalesce(shares_count, 0)::bigint ORDER BY check_index) AS sh
          FROM (SELECT post_id, check_index, captured_at, views_count, likes_count, comments_count, shares_count,
                       lag(captured_at) OVER (PARTITION BY post_id ORDER BY check_index) AS before
                  FROM social_media_post_analytics
                 WHERE check_index IS NOT NULL AND captured_at IS NOT NULL) a
         GROUP BY post_id) x;

-- One post's span and series from its snapshots (after a delete, an update or an out-of-order insert).
-- An upsert, so two writers of one post's first snapshots cannot collide on the primary key.
CREATE OR REPLACE FUNCTION rebuild_post_snapshot_span(p_post_id integer) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    -- While a post is deleted, its snapshots go by cascade: the post is no longer visible, nothing to keep.
    IF NOT EXISTS (SELECT 1 FROM social_media_posts WHERE id = p_post_id) THEN
        DELETE FROM post_snapshot_spans WHERE post_id = p_post_id;
        RETURN;
    END IF;
    INSERT INTO post_snapshot_spans
    SELECT * FROM post_snapshot_spans_rebuilt WHERE post_id = p_post_id
    ON CONFLICT (post_id) DO UPDATE SET
        first_check = excluded.first_check, first_at = excluded.first_at, first_views = excluded.first_views,
        first_likes = excluded.first_likes, first_comments = excluded.first_comments,
        first_shares = excluded.first_shares, last_check = excluded.last_check, last_at = excluded.last_at,
        last_views = excluded.last_views, last_likes = excluded.last_likes,
        last_comments = excluded.last_comments, last_shares = excluded.last_shares,
        series_in_order = excluded.series_in_order, series_at = excluded.series_at, series_views = excluded.series_views,
        series_likes = excluded.series_likes, series_comments = excluded.series_comments,
        series_shares = excluded.series_shares;
    IF NOT FOUND THEN
        DELETE FROM post_snapshot_spans WHERE post_id = p_post_id;
    END IF;
END;
$$;

-- Every post's span and series in one pass (the backfill, and after a bulk load done with triggers off).
CREATE OR REPLACE FUNCTION rebuild_post_snapshot_spans() RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    v_rows bigint;
BEGIN
    TRUNCATE post_snapshot_spans;
    INSERT INTO post_snapshot_spans SELECT * FROM post_snapshot_spans_rebuilt ORDER BY post_id;
    GET DIAGNOSTICS v_rows = ROW_COUNT;
    RETURN v_rows;
END;
$$;

-- A snapshot written: the common case (the post's next check) appends to its series; a first snapshot, an
-- out-of-order one (an import), an update or a delete rebuilds the post's row.
CREATE OR REPLACE FUNCTION post_snapshot_span_trigger() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.check_index IS NULL OR NEW.captured_at IS NULL THEN
            RETURN NULL;
        END IF;
        UPDATE post_snapshot_spans
           SET last_check = NEW.check_index, last_at = NEW.captured_at,
               last_views = coalesce(NEW.views_count, 0), last_likes = coalesce(NEW.likes_count, 0),
               last_comments = coalesce(NEW.comments_count, 0), last_shares = coalesce(NEW.shares_count, 0),
               series_in_order = series_in_order AND NEW.captured_at >= series_at[cardinality(series_at)],
               series_at = series_at || NEW.captured_at,
               series_views = series_views || coalesce(NEW.views_count, 0)::bigint,
               series_likes = series_likes || coalesce(NEW.likes_count, 0)::bigint,
               series_comments = series_comments || coalesce(NEW.comments_count, 0)::bigint,
               series_shares = series_shares || coalesce(NEW.shares_count, 0)::bigint
         WHERE post_id = NEW.post_id AND last_check < NEW.check_index AND series_at IS NOT NULL;
        IF NOT FOUND THEN
            PERFORM rebuild_post_snapshot_span(NEW.post_id);
        END IF;
        RETURN NULL;
    END IF;
    PERFORM rebuild_post_snapshot_span(OLD.post_id);
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

SELECT rebuild_post_snapshot_spans();
