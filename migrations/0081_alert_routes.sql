-- Alerts where they belong (bot/alert_routes.py): each guild may send one kind of alert (checkback,
-- milestone, viral, new_post, cap, budget) to a channel of its own and ping one role with it. A route whose
-- channel Discord refused is marked broken, and its alerts wait, as the guild's channel's do.
CREATE TABLE IF NOT EXISTS alert_routes (
    guild_id      BIGINT NOT NULL,
    alert_kind    VARCHAR(20) NOT NULL,
    -- NULL: the guild's notification channel (the route only adds a ping).
    channel_id    BIGINT,
    ping_role_id  BIGINT,
    broken_at     TIMESTAMPTZ,
    broken_reason TEXT,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (guild_id, alert_kind),
    CHECK (channel_id IS NOT NULL OR ping_role_id IS NOT NULL)
);

-- The role a guild pings with a watched account's new posts (`/watch add ping:`).
CREATE TABLE IF NOT EXISTS alert_watch_pings (
    watch_id     INTEGER NOT NULL REFERENCES account_watches (id) ON DELETE CASCADE,
    guild_id     BIGINT NOT NULL,
    ping_role_id BIGINT NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (watch_id, guild_id)
);
