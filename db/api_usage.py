"""SQL about api_usage_tracking: one row per metrics API call, and the counts the budget and /usage read."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

PROVIDER = "tiktok-scraper7"
PLATFORM = "tiktok"

# Column order of the COPY in insert_usage; UsageRow.record() yields values in this order.
COLUMNS = (
    "provider_name",
    "platform",
    "endpoint",
    "request_count",
    "success",
    "latency_ms",
    "error_message",
    "status_code",
    "date",
    "requested_at",
)


@dataclass(frozen=True, slots=True)
class UsageRow:
    """One call to the metrics API, success or not."""

    endpoint: str
    success: bool
    requested_at: datetime
    latency_ms: int | None = None
    status_code: int | None = None
    error_message: str | None = None
    provider_name: str = PROVIDER
    platform: str = PLATFORM
    request_count: int = 1

    def record(self) -> tuple[Any, ...]:
        when = self.requested_at.astimezone(UTC)
        return (
            self.provider_name,
            self.platform,
            self.endpoint[:255],
            self.request_count,
            self.success,
            self.latency_ms,
            self.error_message,
            self.status_code,
            when.date(),  # the day in UTC, not the server's current_date
            when,
        )


@dataclass(frozen=True, slots=True)
class UsageSummary:
    """What `/usage` shows: calls today and this month, and the month's error rate and median latency."""

    calls_today: int
    calls_month: int
    errors_today: int = 0
    errors_month: int = 0
    median_latency_ms: float | None = None

    @property
    def error_rate(self) -> float | None:
        """Failed calls as a fraction of this month's calls; None when there were none."""
        return self.errors_month / self.calls_month if self.calls_month else None


def as_utc_date(when: date | datetime) -> date:
    """A date as is; an aware datetime as its UTC date (the `date` column holds UTC days)."""
    if isinstance(when, datetime):
        if when.tzinfo is None:
            raise ValueError("a naive datetime has no UTC date")
        return when.astimezone(UTC).date()
    return when


def month_bounds(month_start: date | datetime) -> tuple[date, date]:
    """The first day of `month_start`'s month and the first day of the next one."""
    first = as_utc_date(month_start).replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following


async def insert_usage(conn: Any, rows: Sequence[UsageRow], *, command_timeout: float | None = None) -> int:
    """Write `rows` in one COPY; returns how many were written."""
    if not rows:
        return 0
    await conn.copy_records_to_table(
        "api_usage_tracking",
        records=[row.record() for row in rows],
        columns=list(COLUMNS),
        timeout=command_timeout,
    )
    return len(rows)


async def count_calls_in_month(conn: Any, month_start: date | datetime, provider: str = PROVIDER) -> int:
    """Calls recorded for `provider` in the UTC calendar month that contains `month_start`."""
    first, following = month_bounds(month_start)
    value = await conn.fetchval(
        """
        SELECT COALESCE(SUM(COALESCE(request_count, 1)), 0)
        FROM api_usage_tracking
        WHERE provider_name = $1 AND date >= $2 AND date < $3
        """,
        provider,
        first,
        following,
    )
    return int(value)


async def usage_summary(
    conn: Any, day_start: date | datetime, month_start: date | datetime, provider: str = PROVIDER
) -> UsageSummary:
    """Calls on `day_start` and in `month_start`'s month, with the month's errors and median latency."""
    first, following = month_bounds(month_start)
    day_start = as_utc_date(day_start)
    row = await conn.fetchrow(
        """
        SELECT
            COALESCE(SUM(COALESCE(request_count, 1)) FILTER (WHERE date = $2), 0) AS calls_today,
            COALESCE(SUM(COALESCE(request_count, 1)), 0) AS calls_month,
            COALESCE(SUM(COALESCE(request_count, 1)) FILTER (WHERE date = $2 AND NOT success), 0)
                AS errors_today,
            COALESCE(SUM(COALESCE(request_count, 1)) FILTER (WHERE NOT success), 0) AS errors_month,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY latency_ms) AS median_latency_ms
        FROM api_usage_tracking
        WHERE provider_name = $1 AND date >= $3 AND date < $4
        """,
        provider,
        day_start,
        first,
        following,
    )
    # A day outside the month is counted on its own, so /usage never shows 0 for today by mistake.
    calls_today, errors_today = int(row["calls_today"]), int(row["errors_today"])
    if not first <= day_start < following:
        day = await conn.fetchrow(
            """
            SELECT COALESCE(SUM(COALESCE(request_count, 1)), 0) AS calls,
                   COALESCE(SUM(COALESCE(request_count, 1)) FILTER (WHERE NOT success), 0) AS errors
            FROM api_usage_tracking
            WHERE provider_name = $1 AND date = $2
            """,
            provider,
            day_start,
        )
        calls_today, errors_today = int(day["calls"]), int(day["errors"])
    median = row["median_latency_ms"]
    return UsageSummary(
        calls_today=calls_today,
        calls_month=int(row["calls_month"]),
        errors_today=errors_today,
        errors_month=int(row["errors_month"]),
        median_latency_ms=float(median) if median is not None else None,
    )
