"""SQL about watched accounts: the watch and its watchers, the poll schedule (claim, complete, release,
stop). Seen videos are db/seen_videos.py, account snapshots db/account_snapshots.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from db.account_snapshots import SNAPSHOT_COLUMNS, AccountSnapshot, snapshot_of
from db.rows import record_of, record_where

# Columns every WatchRecord is read from; `w` is the watch, `a` its account.
_WATCH_COLUMNS = """
    w.id, w.account_id, a.username, a.display_name, w.next_poll_at, w.claimed_until, w.claim_count,
    w.baseline_at, w.last_polled_at, w.posts_checked_at, w.last_video_count, w.last_new_post_at,
    w.poll_failures, w.last_error, w.stopped_reason, w.stopped_at, w.generation, w.created_at
"""


@dataclass(frozen=True, slots=True)
class WatchRecord:
    """One account's polling state. `claim_count` is the fencing token of the current claim."""

    id: int
    account_id: int
    username: str
    display_name: str | None
    next_poll_at: datetime | None
    claimed_until: datetime | None
    claim_count: int
    baseline_at: datetime | None
    last_polled_at: datetime | None
    posts_checked_at: datetime | None
    last_video_count: int | None
    last_new_post_at: datetime | None
    poll_failures: int
    last_error: str | None
    stopped_reason: str | None
    stopped_at: datetime | None
    generation: int
    created_at: datetime

    @property
    def is_active(self) -> bool:
        return self.next_poll_at is not None

    @classmethod
    def from_row(cls, row: Any) -> WatchRecord:
        return record_of(cls, row)


@dataclass(frozen=True, slots=True)
class Watcher:
    """A guild (None: the CLI) that watches an account, and where its announcements go (None: the
    guild's notification channel)."""

    guild_id: int | None
    channel_id: int | None


@dataclass(frozen=True, slots=True)
class WatchListRow:
    """A guild's watch with its channel and the account's latest numbers."""

    watch: WatchRecord
    channel_id: int | None
    latest: AccountSnapshot | None
    announced: int  # new posts announced since the watch began


# The watch that a condition finds, with its account (see db.rows.record_where).
_WATCH_SOURCE = f"""
    SELECT {_WATCH_COLUMNS}
      FROM account_watches w JOIN social_media_accounts a ON a.id = w.account_id
"""  # noqa: S608 - a constant column list


async def lock_watch(conn: Any, account_id: int, now: datetime) -> WatchRecord:
    """The account's watch, created (not scheduled) when missing, locked FOR UPDATE for this transaction."""
    await conn.execute(
        """
        INSERT INTO account_watches (account_id, created_at, updated_at) VALUES ($1, $2, $2)
        ON CONFLICT (account_id) DO NOTHING
        """,
        account_id,
        now,
    )
    watch = await record_where(
        conn, WatchRecord.from_row, _WATCH_SOURCE, "w.account_id = $1 FOR UPDATE OF w", account_id
    )
    assert watch is not None  # inserted above when missing
    return watch


async def get_watch(conn: Any, username: str, platform: str = "tiktok") -> WatchRecord | None:
    where = "a.platform = $1 AND a.username = $2"
    return await record_where(conn, WatchRecord.from_row, _WATCH_SOURCE, where, platform, username)


async def get_watch_by_id(conn: Any, watch_id: int) -> WatchRecord | None:
    return await record_where(conn, WatchRecord.from_row, _WATCH_SOURCE, "w.id = $1", watch_id)


async def restart_claimed(conn: Any, watch_id: int, now: datetime, lease: timedelta) -> int:
    """(Re)starts a watch that is new or stopped, claimed by the caller for its first poll (a baseline);
    returns the claim token. A caller that dies before polling leaves the lease to expire, and the
    scheduler takes the baseline instead."""
    return int(
        await conn.fetchval(
            """
            UPDATE account_watches
               SET next_poll_at = $2, claimed_until = $2::timestamptz + $3::interval, claim_count = claim_count + 1,
                   baseline_at = NULL, stopped_reason = NULL, stopped_at = NULL, poll_failures = 0,
                   last_error = NULL, last_video_count = NULL, posts_checked_at = NULL,
                   generation = generation + (CASE WHEN stopped_at IS NULL THEN 0 ELSE 1 END),
                   updated_at = $2
             WHERE id = $1
            RETURNING claim_count
            """,
            watch_id,
            now,
            lease,
        )
    )


async def add_watcher(
    conn: Any,
    watch_id: int,
    guild_id: int | None,
    channel_id: int | None,
    now: datetime,
    *,
    user_id: int | None = None,
) -> bool:
    """Adds the guild as a watcher (or moves its announcements to `channel_id`); True when it is new."""
    row = await conn.fetchrow(
        """
        INSERT INTO account_watch_guilds AS g (watch_id, guild_id, channel_id, added_by_user_id, created_at)
        VALUES ($1, $2, $3, $4, $5)
        ON CONFLICT (watch_id, guild_id) DO UPDATE SET channel_id = EXCLUDED.channel_id
        RETURNING (xmax = 0) AS inserted
        """,
        watch_id,
        guild_id,
        channel_id,
        user_id,
        now,
    )
    return bool(row["inserted"])


async def remove_watcher(conn: Any, watch_id: int, guild_id: int | None) -> bool:
    status = await conn.execute(
        "DELETE FROM account_watch_guilds WHERE watch_id = $1 AND guild_id IS NOT DISTINCT FROM $2",
        watch_id,
        guild_id,
    )
    return status != "DELETE 0"


async def watchers(conn: Any, watch_id: int) -> list[Watcher]:
    rows = await conn.fetch(
        "SELECT guild_id, channel_id FROM account_watch_guilds WHERE watch_id = $1 ORDER BY id", watch_id
    )
    return [record_of(Watcher, r) for r in rows]


async def is_watched_by(conn: Any, watch_id: int, guild_id: int | None) -> bool:
    return bool(
        await conn.fetchval(
            """
            SELECT EXISTS (SELECT 1 FROM account_watch_guilds
                            WHERE watch_id = $1 AND guild_id IS NOT DISTINCT FROM $2)
            """,
            watch_id,
            guild_id,
        )
    )


async def list_watches(conn: Any, guild_id: int | None, *, all_guilds: bool = False) -> list[WatchListRow]:
    """The guild's watches (all_guilds: every watch with any watcher), by username."""
    rows = await conn.fetch(
        f"""
        SELECT {_WATCH_COLUMNS}, g.channel_id AS watch_channel_id,
               s.captured_at AS s_captured_at, s.followers_count AS s_followers_count,
               s.following_count AS s_following_count, s.hearts_count AS s_hearts_count,
               s.videos_count AS s_videos_count,
               (SELECT count(*) FROM account_watch_seen_videos v
                 WHERE v.account_id = w.account_id AND v.announced) AS announced
          FROM account_watches w
          JOIN social_media_accounts a ON a.id = w.account_id
          JOIN LATERAL (
                SELECT min(channel_id) AS channel_id FROM account_watch_guilds g
                 WHERE g.watch_id = w.id AND ($2 OR g.guild_id IS NOT DISTINCT FROM $1)
                HAVING count(*) > 0
          ) g ON true
          LEFT JOIN LATERAL (
                SELECT {SNAPSHOT_COLUMNS} FROM social_media_analytics_snapshots s
                 WHERE s.account_id = w.account_id ORDER BY s.snapshot_date DESC LIMIT 1
          ) s ON true
         ORDER BY a.username
        """,  # noqa: S608 - constant column lists
        guild_id,
        all_guilds,
    )
    return [
        WatchListRow(
            watch=WatchRecord.from_row(r),
            channel_id=r["watch_channel_id"],
            latest=snapshot_of(r, "s_"),
            announced=r["announced"],
        )
        for r in rows
    ]


async def find_watched(conn: Any, guild_id: int | None, prefix: str, limit: int) -> list[str]:
    """Usernames the guild watches that start with `prefix` (autocomplete)."""
    rows = await conn.fetch(
        """
        SELECT a.username
          FROM account_watch_guilds g
          JOIN account_watches w ON w.id = g.watch_id
          JOIN social_media_accounts a ON a.id = w.account_id
         WHERE g.guild_id IS NOT DISTINCT FROM $1 AND lower(a.username) LIKE $2 || '%'
         ORDER BY a.username
         LIMIT $3
        """,
        guild_id,
        prefix.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_"),
        limit,
    )
    return [r["username"] for r in rows]


async def claim_due(conn: Any, now: datetime, limit: int, lease: timedelta) -> list[WatchRecord]:
    """Claims up to `limit` watches due now, oldest due first, for `lease` (SKIP LOCKED: two pollers never
    claim one watch; an expired lease can be claimed again). Each claim bumps the fencing token."""
    rows = await conn.fetch(
        f"""
        WITH due AS (
            SELECT id FROM account_watches
             WHERE next_poll_at IS NOT NULL AND next_poll_at <= $1
               AND (claimed_until IS NULL OR claimed_until <= $1)
             ORDER BY next_poll_at
             LIMIT $2
             FOR UPDATE SKIP LOCKED
        ), claimed AS (
            UPDATE account_watches w
               SET claimed_until = $1::timestamptz + $3::interval, claim_count = w.claim_count + 1
              FROM due
             WHERE w.id = due.id
            RETURNING w.*
        )
        SELECT {_WATCH_COLUMNS.replace("w.", "c.")}
          FROM claimed c JOIN social_media_accounts a ON a.id = c.account_id
         ORDER BY c.next_poll_at
        """,  # noqa: S608 - a constant column list
        now,
        limit,
        lease,
    )
    return [WatchRecord.from_row(r) for r in rows]


async def complete_poll(
    conn: Any,
    watch_id: int,
    claim: int,
    *,
    now: datetime,
    next_poll_at: datetime,
    video_count: int | None,
    posts_checked: bool,
    baseline: bool,
    new_post_at: datetime | None,
) -> bool:
    """Records a finished poll and schedules the next one; False when the claim was superseded (the lease
    expired and another poller claimed the watch) or the watch was stopped meanwhile."""
    status = await conn.execute(
        """
        UPDATE account_watches
           SET next_poll_at = $3, claimed_until = NULL, last_polled_at = $4,
               last_video_count = coalesce($5, last_video_count),
               posts_checked_at = CASE WHEN $6 THEN $4 ELSE posts_checked_at END,
               baseline_at = CASE WHEN $7 THEN $4 ELSE baseline_at END,
               last_new_post_at = greatest(last_new_post_at, $8),
               poll_failures = 0, last_error = NULL, updated_at = $4
         WHERE id = $1 AND claim_count = $2 AND next_poll_at IS NOT NULL
        """,
        watch_id,
        claim,
        next_poll_at,
        now,
        video_count,
        posts_checked,
        baseline,
        new_post_at,
    )
    return status == "UPDATE 1"


async def release(
    conn: Any, watch_id: int, claim: int, *, retry_at: datetime, error: str | None, now: datetime
) -> bool:
    """Gives the claim back with the next poll at `retry_at`; `error` set counts as one more failure."""
    status = await conn.execute(
        """
        UPDATE account_watches
           SET claimed_until = NULL, next_poll_at = $3,
               poll_failures = poll_failures + (CASE WHEN $4::text IS NULL THEN 0 ELSE 1 END),
               last_error = coalesce($4, last_error), updated_at = $5
         WHERE id = $1 AND claim_count = $2 AND next_poll_at IS NOT NULL
        """,
        watch_id,
        claim,
        retry_at,
        error[:1000] if error else None,
        now,
    )
    return status == "UPDATE 1"


async def stop(conn: Any, watch_id: int, reason: str, now: datetime, *, claim: int | None = None) -> bool:
    """Stops polling (next_poll_at NULL); with `claim`, only if that claim is still current. True when this
    call stopped it (so exactly one caller reports the stop)."""
    status = await conn.execute(
        """
        UPDATE account_watches
           SET next_poll_at = NULL, claimed_until = NULL, stopped_reason = $3, stopped_at = $4,
               updated_at = $4
         WHERE id = $1 AND next_poll_at IS NOT NULL AND ($2::bigint IS NULL OR claim_count = $2)
        """,
        watch_id,
        claim,
        reason[:200],
        now,
    )
    return status == "UPDATE 1"


async def next_due_at(conn: Any) -> datetime | None:
    """When the next poll can be claimed: the soonest next_poll_at, or a lease's end if later."""
    return await conn.fetchval(
        "SELECT min(greatest(next_poll_at, coalesce(claimed_until, next_poll_at)))"
        " FROM account_watches WHERE next_poll_at IS NOT NULL"
    )
