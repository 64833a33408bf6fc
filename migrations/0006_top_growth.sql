-- /top: the snapshots a guild's posts took inside a window (24h, 7d, 30d) are found by capture time,
-- without reading every snapshot of every post. check_index is carried so the first and the latest
-- snapshot of each post in the window come from the index alone.
CREATE INDEX IF NOT EXISTS idx_analytics_captured_at
    ON social_media_post_analytics (captured_at, post_id, check_index)
    WHERE check_index IS NOT NULL;
