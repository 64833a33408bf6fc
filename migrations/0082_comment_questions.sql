-- Comment questions (issue 20): per guild, a switch (off by default, since it spends API calls) that fetches
-- each tracked post's new comments at its check-backs, and the words besides "?" that flag a question;
-- the comments flagged, per guild (keywords differ), with how each was answered. Comments and their replies
-- themselves stay in the original's social_media_comments (parent_comment_id, is_reply, is_creator_reply).
CREATE TABLE IF NOT EXISTS comment_question_settings (
    guild_id   BIGINT PRIMARY KEY,
    enabled    BOOLEAN NOT NULL DEFAULT false,
    keywords   TEXT[],  -- NULL: the defaults (bot/comment_questions.py DEFAULT_KEYWORDS)
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS comment_questions (
    guild_id            BIGINT NOT NULL,
    comment_id          INTEGER NOT NULL REFERENCES social_media_comments (id) ON DELETE CASCADE,
    post_id             INTEGER NOT NULL REFERENCES social_media_posts (id) ON DELETE CASCADE,
    matched             TEXT NOT NULL,  -- "?" or the keyword that flagged it
    check_index         INTEGER,        -- the check-back that found it
    flagged_at          TIMESTAMPTZ NOT NULL,
    -- the comment's reply total (the API's) when its replies were last fetched
    replies_seen        INTEGER NOT NULL DEFAULT 0,
    answered_at         TIMESTAMPTZ,
    answered_via        TEXT CHECK (answered_via IN ('button', 'reply')),
    action_id           INTEGER REFERENCES automation_actions (id) ON DELETE SET NULL,
    answered_by_user_id BIGINT,
    PRIMARY KEY (guild_id, comment_id)
);
CREATE INDEX IF NOT EXISTS idx_comment_questions_post ON comment_questions (post_id, guild_id);
CREATE INDEX IF NOT EXISTS idx_comment_questions_comment ON comment_questions (comment_id);
CREATE INDEX IF NOT EXISTS idx_comments_parent ON social_media_comments (parent_comment_id)
    WHERE parent_comment_id IS NOT NULL;
