-- The original scheduler's snapshots are history: they have no check index, and 0003 gave them the time of
-- that migration as captured_at (its default). Their capture time is their created_at (UTC since 0011), so
-- analytics, charts and exports place them in capture order before Checkback's own checks.
UPDATE social_media_post_analytics
   SET captured_at = created_at
 WHERE check_index IS NULL AND created_at IS NOT NULL AND captured_at IS DISTINCT FROM created_at;

-- Posts the original was tracking (from its command line) are tracked from Checkback's command line now:
-- their check-backs carry on from checks_completed and next_check_at, notified in NOTIFY_CHANNEL_ID, and a
-- guild that tracks one too and then untracks it does not stop them.
INSERT INTO guild_posts (guild_id, post_id, created_at)
SELECT NULL, p.id, coalesce(p.tracking_started_at, now())
  FROM social_media_posts p
 WHERE p.tracking_started_at IS NOT NULL
   AND jsonb_typeof(p.check_schedule) = 'array' AND jsonb_array_length(p.check_schedule) > 0
   AND NOT EXISTS (SELECT 1 FROM guild_posts g WHERE g.post_id = p.id)
ON CONFLICT DO NOTHING;
