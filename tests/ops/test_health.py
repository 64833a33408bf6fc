"""HEALTH_PORT: /healthz and Prometheus /metrics on a real `python -m bot run` process, in each role."""

from __future__ import annotations

import json
from pathlib import Path

import asyncpg

from db.pool import create_pool
from tests.ops.conftest import Outside, free_port, get
from tests.private_postgres import PrivatePostgres
from tests.reliability.helpers import (
    WORKER,
    BotProcess,
    all_done,
    bot_env,
    eventually,
    teams_with_due_posts,
)

WORKER_METRICS = (
    "checkback_checkbacks_done_total",
    "checkback_checkbacks_failed_total",
    "checkback_checkbacks_late_total",
    "checkback_oldest_due_check_age_seconds",
    "checkback_outbox_backlog",
    "checkback_api_calls_total",
    "checkback_api_budget_left",
    "checkback_interaction_seconds",
    "checkback_database_up",
)


def sample(text: str, name: str) -> float | None:
    """The value of the first sample line named exactly `name` (labels included) in a /metrics text."""
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[-1])
    return None


async def test_a_worker_serves_metrics_and_its_health_follows_postgres(
    outside: Outside, private_pg: PrivatePostgres, tmp_path: Path
) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = bot_env(
        private_pg.dsn, outside.emu, outside.sim, HEALTH_PORT=str(port), METRICS_API_MONTHLY_BUDGET="1000"
    )
    worker = await BotProcess.start(env, tmp_path / "worker.log", *WORKER)
    try:
        healthy = await eventually(lambda: _status(f"{base}/healthz", 200), within=60, what="/healthz 200")
        assert json.loads(healthy) == {"status": "ok", "problems": []}

        pool = await create_pool(private_pg.dsn, max_size=2)
        try:
            await teams_with_due_posts(outside.emu, pool, 2, 6)
            await eventually(lambda: all_done(pool, 6), within=60, what="6 checks recorded and sent")
        finally:
            await pool.close()

        status, text = await get(f"{base}/metrics") or (0, "")
        assert status == 200
        for name in WORKER_METRICS:
            assert f"# TYPE {name.removesuffix('_total')}" in text, name
        assert sample(text, "checkback_checkbacks_done_total") == 6
        # Six check-backs, and one account-posts call for their account's baseline (bot/insight/).
        assert sample(text, 'checkback_api_calls_total{status="200"}') == 6 + 1
        assert sample(text, "checkback_outbox_backlog") == 0
        assert sample(text, "checkback_oldest_due_check_age_seconds") == 0
        assert sample(text, "checkback_api_budget_left") == 1000 - 6 - 1
        assert sample(text, "checkback_database_up") == 1

        await private_pg.astop()
        down = await eventually(lambda: _status(f"{base}/healthz", 503), within=30, what="/healthz 503")
        problems = json.loads(down)["problems"]
        assert len(problems) == 1 and problems[0].startswith("postgres: "), problems
        status, text = await get(f"{base}/metrics") or (0, "")
        assert status == 200 and sample(text, "checkback_database_up") == 0

        await private_pg.astart()
        await eventually(lambda: _status(f"{base}/healthz", 200), within=30, what="/healthz 200 again")
    finally:
        code = await worker.stop()
    assert code == 0, worker.output()[-3000:]


async def test_a_gateway_is_healthy_once_connected_and_times_commands(
    outside: Outside, clean_db: asyncpg.Pool, dsn: str, tmp_path: Path
) -> None:
    emu = outside.emu
    guild = emu.add_guild("Ops team")
    channel = guild.add_channel("checkbacks")
    member = guild.add_member("member")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = bot_env(dsn, emu, outside.sim, HEALTH_PORT=str(port))
    gateway = await BotProcess.start(env, tmp_path / "gateway.log", "run", "--role", "gateway")
    try:
        await eventually(lambda: _status(f"{base}/healthz", 200), within=60, what="/healthz 200")
        await emu.wait_for_commands(timeout=30)
        reply = await (await emu.invoke(member, "tracked", channel=channel)).final(timeout=30)
        assert reply.embeds or reply.content
        status, text = await get(f"{base}/metrics") or (0, "")
        assert status == 200
        assert sample(text, 'checkback_gateway_connected{shard="0"}') == 1
        assert sample(text, 'checkback_interaction_seconds_count{command="tracked"}') == 1
    finally:
        code = await gateway.stop()
    assert code == 0, gateway.output()[-3000:]


async def _status(url: str, want: int) -> str | None:
    got = await get(url)
    return got[1] if got is not None and got[0] == want else None
