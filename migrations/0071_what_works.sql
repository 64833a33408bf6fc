-- What works and when to post (issue 19): each post's sound, and each post's figures at 24 hours.
--
-- Caption hashtags go in the original's social_media_hashtags / social_media_post_hashtags (0001). A sound
-- (the API's music_info: id, title, author, whether it is the creator's own) is a row of its own, shared by
-- the posts that use it; a post points at its sound.
CREATE TABLE IF NOT EXISTS social_media_sounds (
    id                SERIAL PRIMARY KEY,
    platform          VARCHAR(50) NOT NULL DEFAULT 'tiktok',
    external_sound_id VARCHAR(255) NOT NULL,
    title             TEXT,
    author            TEXT,
    is_original       BOOLEAN,
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (platform, external_sound_id)
);
ALTER TABLE social_media_posts
    ADD COLUMN IF NOT EXISTS sound_id INTEGER REFERENCES social_media_sounds (id) ON DELETE SET NULL;
CREATE INDEX IF NOT EXISTS idx_posts_sound ON social_media_posts (sound_id) WHERE sound_id IS NOT NULL;

-- A post's numbers at 24 hours: its first snapshot captured between 24 and 30 hours after publishing (the
-- 24 h check-back, on time or up to 6 h late; a post with no snapshot then has no figure, rather than a
-- guess). Kept by a trigger on every snapshot written, so /top by:hashtags|sounds and /besttime join one row
-- per post instead of searching each post's snapshots.
CREATE TABLE IF NOT EXISTS post_day_figures (
    post_id     INTEGER PRIMARY KEY REFERENCES social_media_posts (id) ON DELETE CASCADE,
    captured_at TIMESTAMPTZ NOT NULL,
    views       BIGINT NOT NULL,
    likes       BIGINT NOT NULL,
    comments    BIGINT NOT NULL,
    shares      BIGINT NOT NULL
);

CREATE OR REPLACE FUNCTION rebuild_post_day_figure(p_post_id integer) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM post_day_figures WHERE post_id = p_post_id;
    INSERT INTO post_day_figures
    SELECT a.post_id, a.captured_at, coalesce(a.views_count, 0), coalesce(a.likes_count, 0),
           coalesce(a.comments_count, 0), coalesce(a.shares_count, 0)
      FROM social_media_post_analytics a
      JOIN social_media_posts p ON p.id = a.post_id
     WHERE a.post_id = p_post_id
       AND a.captured_at >= p.posted_at + interval '24 hours'
       AND a.captured_at < p.posted_at + interval '30 hours'
     ORDER BY a.captured_at, a.id
     LIMIT 1;
END;
$$;

CREATE OR REPLACE FUNCTION post_day_figure_trigger() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.captured_at IS NULL THEN
            RETURN NULL;
        END IF;
        INSERT INTO post_day_figures AS f
        SELECT NEW.post_id, NEW.captured_at, coalesce(NEW.views_count, 0), coalesce(NEW.likes_count, 0),
               coalesce(NEW.comments_count, 0), coalesce(NEW.shares_count, 0)
          FROM social_media_posts p
         WHERE p.id = NEW.post_id
           AND NEW.captured_at >= p.posted_at + interval '24 hours'
           AND NEW.captured_at < p.posted_at + interval '30 hours'
        ON CONFLICT (post_id) DO UPDATE SET
            captured_at = excluded.captured_at, views = excluded.views, likes = excluded.likes,
            comments = excluded.comments, shares = excluded.shares
         WHERE excluded.captured_at < f.captured_at;
        RETURN NULL;
    END IF;
    PERFORM rebuild_post_day_figure(OLD.post_id);
    IF TG_OP = 'UPDATE' AND NEW.post_id IS DISTINCT FROM OLD.post_id THEN
        PERFORM rebuild_post_day_figure(NEW.post_id);
    END IF;
    RETURN NULL;
END;
$$;

DROP TRIGGER IF EXISTS trg_post_day_figure ON social_media_post_analytics;
CREATE TRIGGER trg_post_day_figure
    AFTER INSERT OR DELETE
       OR UPDATE OF post_id, captured_at, views_count, likes_count, comments_count, shares_count
    ON social_media_post_analytics
    FOR EACH ROW EXECUTE FUNCTION post_day_figure_trigger();

-- Every post's figure in one pass: the backfill below, and after a bulk load done with triggers off.
CREATE OR REPLACE FUNCTION rebuild_post_day_figures() RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    v_rows bigint;
BEGIN
    TRUNCATE post_day_figures;
    INSERT INTO post_day_figures
    SELECT DISTINCT ON (a.post_id)
           a.post_id, a.captured_at, coalesce(a.views_count, 0), coalesce(a.likes_count, 0),
           coalesce(a.comments_count, 0), coalesce(a.shares_count, 0)
      FROM social_media_post_analytics a
      JOIN social_media_posts p ON p.id = a.post_id
     WHERE a.captured_at >= p.posted_at + interval '24 hours'
       AND a.captured_at < p.posted_at + interval '30 hours'
     ORDER BY a.post_id, a.captured_at, a.id;
    GET DIAGNOSTICS v_rows = ROW_COUNT;
    RETURN v_rows;
END;
$$;

-- Posts tracked before (an original database's too): their figures from the snapshots already there.
SELECT rebuild_post_day_figures();
