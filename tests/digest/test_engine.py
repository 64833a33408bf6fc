"""The digest engine on real Postgres: two engines (two workers) at one due instant write one digest, and a
digest turned off or moved meanwhile writes none."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import asyncpg

from bot.clock import ManualClock
from bot.digest import DigestEngine, DigestService
from db import digests as db_digests

GUILD = 4242
CHANNEL = 555_000_000_000_000_009


async def digest_rows(pool: asyncpg.Pool) -> list[asyncpg.Record]:
    return await pool.fetch(
        "SELECT o.channel_id, o.guild_id, count(f.outbox_id) AS files FROM notification_outbox o"
        " LEFT JOIN outbox_files f ON f.outbox_id = o.id WHERE o.kind = 'digest' GROUP BY o.id"
    )


async def test_two_workers_at_the_same_instant_write_one_digest(
    clean_db: asyncpg.Pool, clock: ManualClock
) -> None:
    service = DigestService(clean_db, clock)
    view = await service.set(GUILD, channel_id=CHANNEL, every="daily", at="10:00")
    engines = [DigestEngine(clean_db, clock, service) for _ in range(2)]
    assert await engines[0].next_due_at() == view.next_at
    assert await engines[0].run_due() == 0  # set at 09:00: nothing due before 10:00

    clock.set(view.next_at + timedelta(minutes=1))
    assert await engines[1].next_due_at() == view.next_at  # due, since its instant
    written = await asyncio.gather(*(engine.run_due() for engine in engines))
    assert sorted(written) == [0, 1]
    assert [tuple(r) for r in await digest_rows(clean_db)] == [(CHANNEL, GUILD, 1)]
    assert await engines[0].next_due_at() == view.next_at + timedelta(days=1)
    assert await engines[1].run_due() == 0


async def test_a_digest_turned_off_or_moved_meanwhile_writes_nothing(
    clean_db: asyncpg.Pool, clock: ManualClock
) -> None:
    service = DigestService(clean_db, clock)
    view = await service.set(GUILD, channel_id=CHANNEL, every="daily", at="10:00")
    clock.set(view.next_at)
    # The engine read the setting, then an admin moved the digest before it wrote: the old setting's
    # period is not claimed.
    engine = DigestEngine(clean_db, clock, service)
    [setting] = await engine._settings()
    await service.set(GUILD, channel_id=CHANNEL + 1, every="daily", at="10:00")
    async with clean_db.acquire() as conn:
        assert not await db_digests.claim_period(
            conn, GUILD, view.next_at - timedelta(days=1), setting.channel_id
        )
    assert await service.off(GUILD)
    assert await engine.run_due() == 0 and await engine.next_due_at() is None
    assert await digest_rows(clean_db) == []
