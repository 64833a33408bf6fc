"""Caps that hold for every caller (issue 15): 50 racing callers against a cap of 10 at every isolation
level, in and out of a transaction, across an hour and a day boundary placed with an injected time (p_at),
and NULL or unknown accounts and action types refused with errors."""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest

from bot.caps import LimitsService
from bot.errors import AccountNotFound, DatabaseUnavailable, InvalidAction, InvalidInput
from db import actions as db_actions
from db.accounts import upsert_account
from db.pool import create_pool

from .conftest import clear_of_hour_boundary, open_connections

LEVELS = ["read_committed", "repeatable_read", "serializable"]
CALLERS = 50
CAP = 10
# A moment far from the real clock, so injected-time races never meet the real now().
BOUNDARY = datetime(2031, 3, 4, 11, 0, tzinfo=UTC)
REFUSED = "refused"
FAILED = "serialization error"


async def _account(pool: asyncpg.Pool, name: str = "racer") -> int:
    async with pool.acquire() as conn:
        return await upsert_account(conn, username=name)


async def _cap(pool: asyncpg.Pool, account: int, action: str, daily: int, hourly: int | None) -> None:
    await pool.execute(
        "INSERT INTO action_caps (account_id, action_type, daily_limit, hourly_limit, updated_by) "
        "VALUES ($1, $2, $3, $4, 'test')",
        account,
        action,
        daily,
        hourly,
    )


@asynccontextmanager
async def _connections(dsn: str, level: str, n: int = CALLERS) -> AsyncIterator[list[asyncpg.Connection]]:
    """n separate connections (not a pool's few) whose sessions default to `level`, so autocommit
    callers run at it too."""
    settings = {"default_transaction_isolation": level.replace("_", " ")}
    conns = await open_connections(dsn, n, server_settings=settings)
    try:
        yield conns
    finally:
        await asyncio.gather(*(c.close() for c in conns))


async def _call(
    conn: asyncpg.Connection,
    account: int,
    action: str,
    *,
    level: str,
    in_transaction: bool,
    barrier: asyncio.Barrier,
    at: datetime | None = None,
    retry: bool = False,
) -> int | str:
    """One caller: the id granted, REFUSED (NULL) or FAILED (a serialization error, nothing granted).

    In a transaction, the caller first reads the action log, so its snapshot is taken before anyone's
    grant, the case where counting rows under a lock used to hand out 50 slots of 10. Then all callers
    ask at once (the barrier). With `retry`, a serialization failure is retried as a new transaction.
    """
    first = True
    while True:
        try:
            if in_transaction:
                async with conn.transaction(isolation=level):  # type: ignore[arg-type]
                    await conn.fetchval(
                        "SELECT count(*) FROM automation_actions WHERE account_id = $1", account
                    )
                    if first:
                        first = False
                        await barrier.wait()
                    granted = await db_actions.try_record_action(conn, account, action, at=at)
            else:
                if first:
                    first = False
                    await barrier.wait()
                granted = await db_actions.try_record_action(conn, account, action, at=at)
        except asyncpg.SerializationError as exc:
            # The error says what happened and what to do, and is the retryable SQLSTATE 40001.
            # Either try_record_action's own (a grant since this snapshot), or, under SERIALIZABLE,
            # Postgres's at commit (a read/write dependency cycle); both hint at retrying.
            assert exc.sqlstate == "40001"
            ours = "another caller took a" in str(exc) and "nothing was recorded" in str(exc)
            assert ours or (level == "serializable" and "read/write dependencies" in str(exc)), str(exc)
            assert exc.hint is not None and "retr" in exc.hint.lower()
            if retry:
                continue
            return FAILED
        return REFUSED if granted is None else granted


async def _race(
    conns: list[asyncpg.Connection],
    account: int,
    action: str,
    *,
    level: str,
    in_transaction: bool,
    at: list[datetime | None] | None = None,
    retry: bool = False,
) -> list[int | str]:
    barrier = asyncio.Barrier(len(conns))
    times = at or [None] * len(conns)
    return list(
        await asyncio.gather(
            *(
                _call(
                    c,
                    account,
                    action,
                    level=level,
                    in_transaction=in_transaction,
                    barrier=barrier,
                    at=t,
                    retry=retry,
                )
                for c, t in zip(conns, times, strict=True)
            )
        )
    )


def _tally(results: list[int | str]) -> Counter[str]:
    return Counter("granted" if isinstance(r, int) else r for r in results)


async def _stored(pool: asyncpg.Pool, account: int, action: str) -> int:
    return await pool.fetchval(
        "SELECT count(*) FROM automation_actions WHERE account_id = $1 AND action_type = $2", account, action
    )


@pytest.mark.parametrize("in_transaction", [True, False], ids=["in-transaction", "autocommit"])
@pytest.mark.parametrize("level", LEVELS)
async def test_fifty_callers_never_get_more_than_ten_and_retries_get_exactly_ten(
    clean_db: asyncpg.Pool, dsn: str, level: str, in_transaction: bool
) -> None:
    pool = clean_db
    account = await _account(pool)
    await _cap(pool, account, "like", CAP, CAP)
    how = f"{level}, {'in a transaction' if in_transaction else 'autocommit'}"

    async with _connections(dsn, level) as conns:
        await clear_of_hour_boundary(conns[0])
        once = _tally(await _race(conns, account, "like", level=level, in_transaction=in_transaction))
        print(f"{how}, one try each: {dict(once)}")
        assert 1 <= once["granted"] <= CAP
        assert once["granted"] + once[REFUSED] + once[FAILED] == CALLERS
        assert await _stored(pool, account, "like") == once["granted"]
        if level == "read_committed":
            # Read committed waits for the lock and then sees every commit: exact, and no errors.
            assert (once["granted"], once[REFUSED], once[FAILED]) == (CAP, CALLERS - CAP, 0)

        # Retrying every serialization failure as a new transaction fills the cap exactly, never more.
        await pool.execute("DELETE FROM automation_actions WHERE account_id = $1", account)
        await clear_of_hour_boundary(conns[0])
        again = _tally(
            await _race(conns, account, "like", level=level, in_transaction=in_transaction, retry=True)
        )
        print(f"{how}, retried: {dict(again)}")
    assert (again["granted"], again[REFUSED], again[FAILED]) == (CAP, CALLERS - CAP, 0)
    assert await _stored(pool, account, "like") == CAP


async def _race_across(
    pool: asyncpg.Pool,
    dsn: str,
    level: str,
    instant: datetime,
    action: str,
    *,
    daily: int,
    hourly: int | None,
    in_transaction: bool,
) -> tuple[int, list[int | str]]:
    """A new account capped at `daily` (and `hourly`) `action`s, and CALLERS callers racing for it, half a
    microsecond before `instant`, half at it; the account and each caller's result."""
    account = await _account(pool)
    await _cap(pool, account, action, daily, hourly)
    times: list[datetime | None] = [
        instant - timedelta(microseconds=1) if i % 2 else instant for i in range(CALLERS)
    ]
    async with _connections(dsn, level) as conns:
        results = await _race(
            conns, account, action, level=level, in_transaction=in_transaction, at=times, retry=True
        )
    return account, results


@pytest.mark.parametrize("level", LEVELS)
async def test_a_race_across_an_hour_boundary_fills_each_hour_exactly(
    clean_db: asyncpg.Pool, dsn: str, level: str
) -> None:
    pool = clean_db
    # Half the callers act a microsecond before the hour, half at it: two buckets in one race.
    account, results = await _race_across(
        pool, dsn, level, BOUNDARY, "comment", daily=100, hourly=CAP, in_transaction=True
    )
    granted = [r for r in results if isinstance(r, int)]
    assert len(granted) == 2 * CAP
    rows = await pool.fetch(
        "SELECT action_date, action_hour, count(*) AS n FROM automation_actions WHERE account_id = $1 "
        "GROUP BY 1, 2 ORDER BY 1, 2",
        account,
    )
    assert [(r["action_date"], r["action_hour"], r["n"]) for r in rows] == [
        (BOUNDARY.date(), 10, CAP),
        (BOUNDARY.date(), 11, CAP),
    ]


@pytest.mark.parametrize("level", LEVELS)
async def test_a_race_across_a_day_boundary_fills_each_utc_day_exactly(
    clean_db: asyncpg.Pool, dsn: str, level: str
) -> None:
    pool = clean_db
    midnight = datetime(2031, 3, 5, tzinfo=UTC)
    account, results = await _race_across(
        pool, dsn, level, midnight, "follow", daily=CAP, hourly=None, in_transaction=False
    )
    assert sum(isinstance(r, int) for r in results) == 2 * CAP
    rows = await pool.fetch(
        "SELECT action_date, count(*) AS n FROM automation_actions WHERE account_id = $1 GROUP BY 1 ORDER BY 1",
        account,
    )
    assert [(r["action_date"], r["n"]) for r in rows] == [
        (midnight.date() - timedelta(days=1), CAP),
        (midnight.date(), CAP),
    ]
    # The injected time is the action's time, and its alert is filed under that UTC day.
    assert await pool.fetchval(
        "SELECT min(created_at) FROM automation_actions WHERE account_id = $1", account
    ) == midnight - timedelta(microseconds=1)
    alerts = await pool.fetch(
        "SELECT payload ->> 'date' AS day, (payload ->> 'level')::int AS level FROM notification_outbox "
        "WHERE kind = 'cap_alert' ORDER BY 1, 2"
    )
    days = [(midnight.date() - timedelta(days=1)).isoformat(), midnight.date().isoformat()]
    assert [(r["day"], r["level"]) for r in alerts] == [(d, lvl) for d in days for lvl in (80, 100)]


async def test_null_or_unknown_account_or_action_type_is_an_error_never_a_grant(
    clean_db: asyncpg.Pool,
) -> None:
    pool = clean_db
    account = await _account(pool)
    cases = [
        (
            "SELECT try_record_action(NULL, 'like')",
            (),
            asyncpg.NullValueNotAllowedError,
            "account id is NULL",
        ),
        (
            "SELECT try_record_action($1, 'like')",
            (account + 1000,),
            asyncpg.ForeignKeyViolationError,
            f"no account has id {account + 1000}",
        ),
        (
            "SELECT try_record_action($1, 'poke')",
            (account,),
            asyncpg.InvalidParameterValueError,
            "unknown action type 'poke'",
        ),
        (
            "SELECT try_record_action($1, NULL)",
            (account,),
            asyncpg.InvalidParameterValueError,
            "unknown action type NULL",
        ),
        (
            "SELECT try_record_action($1, 'like', p_at => NULL)",
            (account,),
            asyncpg.NullValueNotAllowedError,
            "p_at is NULL",
        ),
    ]
    for sql, args, error, message in cases:
        with pytest.raises(error, match=message) as caught:
            await pool.fetchval(sql, *args)
        assert caught.value.hint, sql  # every refusal says what to pass instead
    async with pool.acquire() as conn:
        with pytest.raises(asyncpg.NullValueNotAllowedError):
            await db_actions.try_record_action(conn, None, "like")  # type: ignore[arg-type]
    limits = LimitsService(pool)
    with pytest.raises(InvalidInput, match="an account is required"):
        await limits.try_record_action(None, "like")  # type: ignore[arg-type]
    with pytest.raises(AccountNotFound):
        await limits.try_record_action(account + 1000, "like")
    with pytest.raises(InvalidAction):
        await limits.try_record_action(account, "poke")
    with pytest.raises(InvalidInput, match="timezone-aware"):
        await limits.try_record_action(account, "like", at=datetime(2031, 1, 1))  # noqa: DTZ001
    assert await pool.fetchval("SELECT count(*) FROM automation_actions") == 0


async def test_every_action_type_has_a_default_cap_and_view_is_capped(clean_db: asyncpg.Pool) -> None:
    pool = clean_db
    defaults = {
        r["action_type"]: (r["daily_limit"], r["hourly_limit"])
        for r in await pool.fetch(
            "SELECT action_type, daily_limit, hourly_limit FROM action_caps WHERE account_id IS NULL"
        )
    }
    assert set(defaults) == set(db_actions.ACTION_TYPES)
    assert defaults["view"] == (500, 100)
    account = await _account(pool)
    hour = [BOUNDARY + timedelta(minutes=i % 60) for i in range(101)]
    ids = [await pool.fetchval("SELECT try_record_action($1, 'view', p_at => $2)", account, t) for t in hour]
    assert sum(i is not None for i in ids) == 100 and ids[-1] is None


async def test_a_known_action_type_whose_caps_were_deleted_is_refused_not_unlimited(
    clean_db: asyncpg.Pool,
) -> None:
    pool = clean_db
    account = await _account(pool)
    await pool.execute("DELETE FROM action_caps WHERE action_type = 'search'")
    with pytest.raises(asyncpg.NoDataFoundError, match="no cap is set for search"):
        await pool.fetchval("SELECT try_record_action($1, 'search')", account)
    assert await pool.fetchval("SELECT count(*) FROM automation_actions") == 0


async def _pool_at(dsn: str, level: str, size: int = 10) -> asyncpg.Pool:
    """A real pool whose sessions default to `level`, its connections all opened now; while the shared
    test server is full, wait for room as open_connections does."""
    settings = {"default_transaction_isolation": level.replace("_", " ")}
    deadline = asyncio.get_running_loop().time() + 300
    while True:
        try:
            return await create_pool(dsn, min_size=size, max_size=size, server_settings=settings)
        except DatabaseUnavailable as exc:
            full = isinstance(exc.__cause__, asyncpg.TooManyConnectionsError)
            if not full or asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.5)


@pytest.mark.parametrize("level", LEVELS)
async def test_the_python_api_grants_exactly_the_cap_whatever_the_default_isolation(
    clean_db: asyncpg.Pool, dsn: str, level: str
) -> None:
    account = await _account(clean_db)
    await _cap(clean_db, account, "message", CAP, CAP)
    pool = await _pool_at(dsn, level)
    try:
        limits = LimitsService(pool)
        at = BOUNDARY + timedelta(minutes=30)
        results = await asyncio.gather(
            *(limits.try_record_action("racer", "message", at=at) for _ in range(CALLERS))
        )
        assert await pool.fetchval("SHOW transaction_isolation") == level.replace("_", " ")
    finally:
        await pool.close()
    assert sum(r is not None for r in results) == CAP
    assert await _stored(clean_db, account, "message") == CAP


async def test_check_rate_limit_still_answers_for_older_tools(clean_db: asyncpg.Pool) -> None:
    pool = clean_db
    account = await _account(pool)
    for _ in range(3):
        assert await pool.fetchval("SELECT try_record_action($1, 'unfollow')", account) is not None
    assert await pool.fetchval("SELECT check_rate_limit($1, 'unfollow', 4)", account) is True
    assert await pool.fetchval("SELECT check_rate_limit($1, 'unfollow', 3)", account) is False
    assert await pool.fetchval("SELECT check_rate_limit($1, 'unfollow')", account) is True  # default 100


README = Path(__file__).resolve().parents[2] / "README.md"


async def test_the_readme_lists_every_default_cap_as_the_database_has_it(clean_db: asyncpg.Pool) -> None:
    readme = await asyncio.to_thread(README.read_text, encoding="utf-8")
    table = re.findall(r"^\| `(\w+)` \| (\d+) \| (\d+) \|$", readme, re.MULTILINE)
    in_db = await clean_db.fetch(
        "SELECT action_type, daily_limit, hourly_limit FROM action_caps WHERE account_id IS NULL"
    )
    assert sorted((a, int(d), int(h)) for a, d, h in table) == sorted(tuple(r) for r in in_db)
