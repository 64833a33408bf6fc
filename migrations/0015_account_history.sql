-- An account's followers, hearts and videos over time live in the original's account-level daily table,
-- social_media_analytics_snapshots (one row per account and UTC day, as its unique key says), instead of a
-- table of Checkback's own (0007's social_media_account_snapshots). Mapping: followers_count,
-- following_count as named; hearts -> total_likes; videos -> posts_count; the capture time -> created_at;
-- follower_growth = followers minus the day before's. The latest capture of a day wins. likes_given (the
-- likes the account itself gave) has no column in the original: it is added.
ALTER TABLE social_media_analytics_snapshots ADD COLUMN IF NOT EXISTS likes_given BIGINT;

-- Rows of the earlier table move here (the latest of each UTC day; a row the original wrote for that day
-- stays unless ours was captured later), then the earlier table goes.
DO $$
BEGIN
    IF to_regclass('social_media_account_snapshots') IS NULL THEN
        RETURN;
    END IF;
    INSERT INTO social_media_analytics_snapshots AS s
        (account_id, snapshot_date, followers_count, following_count, posts_count, total_likes, likes_given,
         follower_growth, created_at)
    SELECT account_id, day, followers_count, following_count, videos_count, hearts_count, likes_given,
           followers_count - lag(followers_count) OVER (PARTITION BY account_id ORDER BY day), captured_at
      FROM (SELECT DISTINCT ON (account_id, (captured_at AT TIME ZONE 'UTC')::date)
                   account_id, (captured_at AT TIME ZONE 'UTC')::date AS day,
                   least(followers_count, 2147483647)::integer AS followers_count,
                   least(following_count, 2147483647)::integer AS following_count,
                   videos_count, hearts_count, likes_given, captured_at
              FROM social_media_account_snapshots
             ORDER BY account_id, (captured_at AT TIME ZONE 'UTC')::date, captured_at DESC) AS latest
    ON CONFLICT (account_id, snapshot_date) DO UPDATE
       SET followers_count = EXCLUDED.followers_count, following_count = EXCLUDED.following_count,
           posts_count = EXCLUDED.posts_count, total_likes = EXCLUDED.total_likes,
           likes_given = EXCLUDED.likes_given, follower_growth = EXCLUDED.follower_growth,
           created_at = EXCLUDED.created_at
     WHERE s.created_at IS NULL OR s.created_at <= EXCLUDED.created_at;
    DROP TABLE social_media_account_snapshots;
END;
$$;
