-- Check-back engine: prefix indexes for autocomplete (post id, author, caption), so /analytics stays fast
-- at 100,000 tracked posts. text_pattern_ops makes LIKE 'prefix%' use the index whatever the collation.
CREATE INDEX IF NOT EXISTS idx_posts_external_id_prefix
    ON social_media_posts (external_post_id text_pattern_ops);
CREATE INDEX IF NOT EXISTS idx_posts_caption_prefix
    ON social_media_posts (lower(caption) text_pattern_ops);
CREATE INDEX IF NOT EXISTS idx_accounts_username_prefix
    ON social_media_accounts (lower(username) text_pattern_ops);
