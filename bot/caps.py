"""Automation caps: show and set them, take an atomic action slot, record how an action went."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Unpack

import asyncpg

from bot.clock import Clock
from bot.errors import AccountNotFound, CapReached, InvalidAction, InvalidInput
from db import accounts as db_accounts
from db import actions as db_actions
from db.actions import ACTION_TYPES, TARGET_TYPES, TRIGGERS, ActionDetails, ActionRecord, Cap

# Caps beyond this are surely a typo (no TikTok account acts a million times a day).
MAX_CAP = 1_000_000
# Attempts at a slot when stale snapshots (REPEATABLE READ or SERIALIZABLE defaults) make it fail: each
# failure means another caller was granted a slot meanwhile, so this bounds only pathological contention.
SLOT_ATTEMPTS = 100


@dataclass(frozen=True, slots=True)
class LimitLine:
    """One action type's cap in force and, for an account, its usage in the current UTC day and hour."""

    action_type: str
    daily_limit: int | None
    hourly_limit: int | None
    is_default: bool
    today: int | None = None
    this_hour: int | None = None


@dataclass(frozen=True, slots=True)
class LimitsReport:
    """What `limits show` prints: account None means the defaults every account without its own cap uses."""

    account: str | None
    account_id: int | None
    day: date
    hour: int
    lines: list[LimitLine]


class LimitsService:
    """Caps and usage per account and action type.

    Days and hours are UTC ones of `clock` (the sandbox's clock there), passed to the SQL that counts them;
    without a clock, of Postgres's now(), the clock try_record_action counts by for callers that give it
    no time of their own.
    """

    def __init__(self, pool: asyncpg.Pool, clock: Clock | None = None) -> None:
        self._pool = pool
        self._clock = clock

    def _now(self) -> datetime | None:
        return self._clock.now() if self._clock is not None else None

    async def show(self, account: str | int | None = None) -> LimitsReport:
        async with self._pool.acquire() as conn:
            account_id, name = await _resolve(conn, account) if account is not None else (None, None)
            at = self._now()
            day, hour = await db_actions.utc_day_and_hour(conn, at)
            caps = {c.action_type: c for c in await db_actions.caps_in_force(conn, account_id)}
            used = await db_actions.usage(conn, account_id, at) if account_id is not None else {}
        lines = []
        # Action types used today without any cap are listed too, so nothing done goes unseen.
        for action in sorted(caps.keys() | used.keys(), key=_action_order):
            cap = caps.get(action)
            use = used.get(action)
            lines.append(
                LimitLine(
                    action_type=action,
                    daily_limit=cap.daily_limit if cap else None,
                    hourly_limit=cap.hourly_limit if cap else None,
                    is_default=cap.is_default if cap else True,
                    today=(use.today if use else 0) if account_id is not None else None,
                    this_hour=(use.this_hour if use else 0) if account_id is not None else None,
                )
            )
        return LimitsReport(account=name, account_id=account_id, day=day, hour=hour, lines=lines)

    async def set_cap(
        self,
        action: str,
        daily: int,
        hourly: int | None = None,
        account: str | int | None = None,
        *,
        by: str | None = None,
    ) -> Cap:
        """Sets the daily (and hourly) cap of one action type, for one account or the default for all.

        hourly None keeps the hourly cap now in force for that account and action, lowered to the daily
        cap when it is higher (an hourly cap above the daily one could never bind).
        """
        action = _check_action(action)
        for label, value in (("daily", daily), ("hourly", hourly)):
            if value is not None and not (0 <= value <= MAX_CAP):
                raise InvalidAction(f"the {label} cap must be between 0 and {MAX_CAP} (got {value})")
        if hourly is not None and hourly > daily:
            raise InvalidAction(f"the hourly cap ({hourly}) cannot exceed the daily cap ({daily})")
        async with self._pool.acquire() as conn, conn.transaction():
            account_id = (await _resolve(conn, account))[0] if account is not None else None
            if hourly is None:
                current = await db_actions.cap_in_force(conn, account_id, action)
                if current is not None and current.hourly_limit is not None:
                    hourly = min(current.hourly_limit, daily)
            return await db_actions.set_cap(
                conn,
                account_id=account_id,
                action_type=action,
                daily_limit=daily,
                hourly_limit=hourly,
                updated_by=by,
            )

    async def try_record_action(
        self, account: str | int, action: str, **details: Unpack[ActionDetails]
    ) -> int | None:
        """Records the action if the caps allow and returns its id; None (nothing recorded) at a cap.

        `at` (default: the service's clock, else the database's now()) picks the UTC day and hour the slot
        counts in. Each attempt
        is its own transaction, so when the database's default isolation is REPEATABLE READ or
        SERIALIZABLE and another caller's grant makes this one's snapshot stale, it is simply retried:
        the caps hold exactly whatever the isolation level.
        """
        if account is None:
            raise InvalidInput("an account is required to take an action slot")
        action = _check_action(action)
        target_type, at = details.get("target_type"), details.get("at")
        triggered_by = details.get("triggered_by", "workflow")
        if target_type is not None and target_type not in TARGET_TYPES:
            raise InvalidInput(f"unknown target type {target_type!r}; one of {', '.join(TARGET_TYPES)}")
        if triggered_by not in TRIGGERS:
            raise InvalidInput(f"unknown trigger {triggered_by!r}; one of {', '.join(TRIGGERS)}")
        if at is not None and at.tzinfo is None:
            raise InvalidInput("the time of an action must be timezone-aware (UTC)")
        details["at"] = at if at is not None else self._now()  # the service's clock (the sandbox's), if any
        async with self._pool.acquire() as conn:
            account_id, _ = await _resolve(conn, account)
            for attempt in range(1, SLOT_ATTEMPTS + 1):
                try:
                    return await db_actions.try_record_action(conn, account_id, action, **details)
                except asyncpg.SerializationError:
                    if attempt == SLOT_ATTEMPTS:
                        raise
        raise AssertionError("unreachable")  # the loop returns or raises

    async def take_slot(self, account: str | int, action: str, **details: Unpack[ActionDetails]) -> int:
        """Like try_record_action, but a reached cap raises CapReached saying which cap and the counts."""
        at = details.get("at") or self._now()
        details["at"] = at
        action_id = await self.try_record_action(account, action, **details)
        if action_id is not None:
            return action_id
        async with self._pool.acquire() as conn:
            account_id, name = await _resolve(conn, account)
            raise await cap_reached(conn, account_id, name, action, at)

    async def record_failure(
        self,
        action_id: int,
        error_message: str,
        error_code: str | None = None,
        *,
        execution_time_ms: int | None = None,
    ) -> None:
        """Marks a recorded action as failed. It keeps its slot: the attempt counted against the cap."""
        async with self._pool.acquire() as conn:
            found = await db_actions.record_outcome(
                conn,
                action_id,
                success=False,
                error_message=error_message,
                error_code=error_code,
                execution_time_ms=execution_time_ms,
            )
        if not found:
            raise InvalidInput(f"no recorded action has id {action_id}")

    async def recent_actions(
        self, account: str | int | None = None, action: str | None = None, limit: int = 20
    ) -> list[ActionRecord]:
        if not 1 <= limit <= 500:
            raise InvalidInput("limit must be between 1 and 500")
        if action is not None:
            action = _check_action(action)
        async with self._pool.acquire() as conn:
            account_id = (await _resolve(conn, account))[0] if account is not None else None
            return await db_actions.recent_actions(
                conn, account_id=account_id, action_type=action, limit=limit
            )


async def cap_reached(
    conn: asyncpg.Connection, account_id: int, name: str, action: str, at: datetime | None
) -> CapReached:
    """The error for a slot refused at `at`: which cap (the hour's or the day's) and the counts."""
    cap = await db_actions.cap_in_force(conn, account_id, action)
    use = (await db_actions.usage(conn, account_id, at)).get(action)  # counted as the slot was
    today = use.today if use else 0
    this_hour = use.this_hour if use else 0
    if cap is not None and cap.hourly_limit is not None and today < cap.daily_limit:
        detail = f"{action} for {name}: {this_hour}/{cap.hourly_limit} this hour (UTC)"
    else:
        daily = cap.daily_limit if cap else 0
        detail = f"{action} for {name}: {today}/{daily} today (UTC)"
    return CapReached(detail, account=name, action_type=action)


def _check_action(action: str) -> str:
    name = action.strip().lower()
    if name not in ACTION_TYPES:
        raise InvalidAction(f"unknown action type {action!r}; one of {', '.join(ACTION_TYPES)}")
    return name


def _action_order(action: str) -> tuple[int, str]:
    return (ACTION_TYPES.index(action) if action in ACTION_TYPES else len(ACTION_TYPES), action)


async def _resolve(conn: asyncpg.Connection, account: str | int) -> tuple[int, str]:
    """(id, username) of an account named by username or given by id; AccountNotFound otherwise."""
    if isinstance(account, int):
        found = await db_accounts.get_account(conn, account)
        if found is None:
            raise AccountNotFound(f"#{account}")
    else:
        found = await db_accounts.get_account_by_username(conn, account)
        if found is None:
            raise AccountNotFound(account.strip() or "(empty)")
    return found.id, found.username
