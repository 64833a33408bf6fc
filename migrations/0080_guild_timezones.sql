-- A server's time zone (/config timezone): an IANA name such as Europe/Berlin, checked by the bot with
-- zoneinfo before it is stored. A guild without a row is on UTC. Its own table, so the settings other
-- features add to guild_settings never collide with it.
CREATE TABLE IF NOT EXISTS guild_timezones (
    guild_id   BIGINT PRIMARY KEY,
    zone       TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
