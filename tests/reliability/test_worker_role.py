"""`python -m bot run --role worker`: check-backs and notifications through REST, never the gateway."""

from __future__ import annotations

from pathlib import Path

import asyncpg

from db.snapshots import count_duplicates
from tests.conftest import Outside
from tests.reliability.helpers import (
    WORKER,
    BotProcess,
    all_done,
    assert_each_sent_once,
    due_for_workers,
    eventually,
)


async def test_two_workers_check_and_notify_through_rest_with_no_gateway_connection(
    outside: Outside, clean_db: asyncpg.Pool, dsn: str, tmp_path: Path
) -> None:
    emu = outside.emu
    teams, env = await due_for_workers(outside, clean_db, dsn, 5, 60)
    workers = [await BotProcess.start(env, tmp_path / f"worker{n}.log", *WORKER) for n in (1, 2)]
    try:
        await eventually(lambda: all_done(clean_db, 60), within=90, what="60 checks recorded and sent")
    finally:
        codes = [await w.stop() for w in workers]
    assert codes == [0, 0], [w.output()[-2000:] for w in workers]
    assert emu.identify_count == 0  # no gateway session was ever opened
    assert emu.gateway_log == []  # nor resumed one
    assert_each_sent_once(emu, teams, 60)
    async with clean_db.acquire() as conn:
        assert await count_duplicates(conn) == 0
    assert await clean_db.fetchval("SELECT count(*) FROM social_media_post_analytics") == 60
    emu.assert_no_violations()
