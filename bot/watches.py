"""The watch service: watch and unwatch TikTok accounts for a guild, list them, and an account's analytics.
The engine that polls them on a schedule is bot/polling.py."""

from __future__ import annotations

import logging
from dataclasses import KW_ONLY, dataclass

import asyncpg

from bot.alert_routes import check_ping_role
from bot.clock import Clock
from bot.errors import AccountNotFound, AccountUnavailable, InvalidInput
from bot.growth import account_snapshot_views, followers_per_day
from bot.metrics.urls import USERNAME_RE
from bot.polling import AccountPoller, AccountSource, store_account
from bot.watch_models import (
    AccountAnalytics,
    WatchAddResult,
    WatchRemoveResult,
    WatchSummary,
)
from db import account_snapshots as db_account_snapshots
from db import accounts as db_accounts
from db import alert_routes as db_alert_routes
from db import watches as db_watches

log = logging.getLogger(__name__)


def normalise_username(username: str) -> str:
    """ "@Maker_Jo" → "maker_jo"; anything that is not a TikTok handle is InvalidInput."""
    name = db_accounts.normalise_username(username or "")
    if not USERNAME_RE.fullmatch(name):
        raise InvalidInput(f"{username!r} is not a TikTok username (letters, digits, _ and ., at most 24)")
    return name


@dataclass(eq=False)
class WatchService:
    """Watches accounts for guilds (guild_id None: the CLI). Knows nothing of Discord. The first poll of a
    newly watched account (its baseline) runs at once, through `polling`, so the reply can say what exists.
    """

    pool: asyncpg.Pool
    metrics: AccountSource
    clock: Clock
    _: KW_ONLY
    polling: AccountPoller

    async def add(
        self,
        guild_id: int | None,
        username: str,
        *,
        channel_id: int | None = None,
        user_id: int | None = None,
        ping_role_id: int | None = None,
    ) -> WatchAddResult:
        """Watch the account for the guild: store its profile and numbers, and (when nobody watched it yet)
        record its existing videos without announcing them. AccountUnavailable (missing or private),
        InvalidInput and the API's errors are raised with nothing changed. `ping_role_id`: the role its
        new posts ping in this guild (None: nobody)."""
        check_ping_role(guild_id, ping_role_id)
        name = normalise_username(username)
        info = await self.metrics.user_info(name)
        if info.private:
            raise AccountUnavailable(f"@{name} is private", username=name)
        now = self.clock.now()
        async with self.pool.acquire() as conn, conn.transaction():
            account_id = await store_account(conn, name, info, now)
            watch = await db_watches.lock_watch(conn, account_id, now)
            new_watcher = await db_watches.add_watcher(
                conn, watch.id, guild_id, channel_id, now, user_id=user_id
            )
            if guild_id is not None:  # its new posts ping this role (None: nobody); bot/alert_routes.py
                await db_alert_routes.set_watch_ping(conn, watch.id, guild_id, ping_role_id, now)
            restarted = not watch.is_active
            if restarted:
                await db_watches.restart_claimed(conn, watch.id, now, self.polling.lease)
            claimed = await db_watches.get_watch_by_id(conn, watch.id)
        assert claimed is not None
        baseline = 0
        if restarted:
            # We hold the claim: the first poll (the baseline) runs now, so the reply can say what exists.
            outcome = await self.polling.poll(claimed, info=info)
            baseline = outcome.new_videos
            if outcome.status == "stopped":
                raise AccountUnavailable(f"@{name} is {outcome.error}", username=name)
        log.info("guild %s watches @%s (%d existing videos recorded)", guild_id, name, baseline)
        summary = await self._summary(guild_id, name)
        return WatchAddResult(watch=summary, already_watching=not new_watcher, baseline_videos=baseline)

    async def remove(self, guild_id: int | None, username: str) -> WatchRemoveResult:
        """The guild stops watching; with no watcher left, polling stops (tracked posts stay tracked)."""
        name = normalise_username(username)
        now = self.clock.now()
        async with self.pool.acquire() as conn, conn.transaction():
            watch = await db_watches.get_watch(conn, name)
            if watch is None:
                raise AccountNotFound(f"@{name} being watched here")
            await db_watches.lock_watch(conn, watch.account_id, now)
            if not await db_watches.remove_watcher(conn, watch.id, guild_id):
                raise AccountNotFound(f"@{name} being watched here")
            stopped = False
            if not await db_watches.watchers(conn, watch.id):
                stopped = await db_watches.stop(conn, watch.id, "unwatched", now)
        return WatchRemoveResult(username=name, polling_stopped=stopped)

    async def list_watches(self, guild_id: int | None, *, all_guilds: bool = False) -> list[WatchSummary]:
        """The guild's watched accounts (all_guilds: every watched account, for the CLI), by username."""
        async with self.pool.acquire() as conn:
            rows = await db_watches.list_watches(conn, guild_id, all_guilds=all_guilds)
        return [
            WatchSummary.of(r.watch, channel_id=r.channel_id, latest=r.latest, announced=r.announced)
            for r in rows
        ]

    async def find(self, guild_id: int | None, prefix: str, *, limit: int = 25) -> list[str]:
        """Usernames the guild watches starting with `prefix` (autocomplete)."""
        prefix = (prefix or "").strip().lstrip("@")
        async with self.pool.acquire() as conn:
            return await db_watches.find_watched(conn, guild_id, prefix, max(1, min(limit, 25)))

    async def _summary(self, guild_id: int | None, name: str) -> WatchSummary:
        for item in await self.list_watches(guild_id):
            if item.username == name:
                return item
        raise AccountNotFound(f"@{name} being watched here")

    async def account_analytics(self, username: str, guild_id: int | None = None) -> AccountAnalytics:
        """The account's snapshots (followers, following, hearts, videos) with growth since the previous
        and the first, and followers gained per day. AccountNotFound for an account never stored, or, with
        `guild_id` (a Discord server asking), one that server does not watch: one server never sees
        what another watches."""
        name = normalise_username(username)
        async with self.pool.acquire() as conn:
            account = await db_accounts.get_account_by_username(conn, name)
            if account is None:
                raise AccountNotFound(f"@{name}")
            watch = await db_watches.get_watch(conn, name)
            if guild_id is not None and (
                watch is None or not await db_watches.is_watched_by(conn, watch.id, guild_id)
            ):
                raise AccountNotFound(f"@{name}")
            snaps = await db_account_snapshots.list_snapshots(conn, account.id)
        views = account_snapshot_views(snaps)
        return AccountAnalytics(
            username=name,
            display_name=account.display_name,
            watch=WatchSummary.of(watch, latest=snaps[-1] if snaps else None) if watch else None,
            snapshots=views,
            since_first=views[-1].numbers.minus(views[0].numbers) if len(views) >= 2 else None,
            followers_per_day=followers_per_day(snaps),
        )
