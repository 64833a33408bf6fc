"""The process's Prometheus metrics: counted where things happen, read from Postgres when scraped.

Counters and the histogram live in this process (Prometheus sums them over processes); the gauges that
describe shared state (oldest due check, outbox backlog, budget left) are read from Postgres at each
scrape by `bot.ops.server`, so every process reports the same truth.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

# Checkback's own registry (not the library's global one): the server exposes exactly these, and a test
# process holding several bots still has one set.
REGISTRY = CollectorRegistry(auto_describe=True)

CHECKBACKS_DONE = Counter(
    "checkback_checkbacks_done", "Check-backs recorded (a snapshot written).", registry=REGISTRY
)
CHECKBACKS_FAILED = Counter(
    "checkback_checkbacks_failed",
    "Check-backs that did not record: retry (kept due, tried again later) or unavailable (stopped).",
    ["reason"],
    registry=REGISTRY,
)
CHECKBACKS_LATE = Counter(
    "checkback_checkbacks_late",
    "Check-backs recorded more than 10 minutes after their time (LATE_AFTER; also counted as done).",
    registry=REGISTRY,
)
API_CALLS = Counter(
    "checkback_api_calls",
    "Metrics API calls by HTTP status ('error': no answer, e.g. a timeout).",
    ["status"],
    registry=REGISTRY,
)
INTERACTION_SECONDS = Histogram(
    "checkback_interaction_seconds",
    "From receiving a slash command to its callback returning, by command.",
    ["command"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=REGISTRY,
)
GATEWAY_CONNECTED = Gauge(
    "checkback_gateway_connected",
    "1 while this shard's gateway connection is open and ready (gateway roles only).",
    ["shard"],
    registry=REGISTRY,
)
OLDEST_DUE_SECONDS = Gauge(
    "checkback_oldest_due_check_age_seconds",
    "How long the oldest due check-back has waited (0: none is due).",
    registry=REGISTRY,
)
DUE_CHECKS = Gauge("checkback_due_checks", "Check-backs due now and not yet recorded.", registry=REGISTRY)
OUTBOX_BACKLOG = Gauge(
    "checkback_outbox_backlog", "Notifications written and not yet sent.", registry=REGISTRY
)
BUDGET_LEFT = Gauge(
    "checkback_api_budget_left",
    "Metrics API calls left this month under METRICS_API_MONTHLY_BUDGET (+Inf when no budget is set).",
    registry=REGISTRY,
)
API_CALLS_MONTH = Gauge(
    "checkback_api_calls_this_month", "Metrics API calls recorded this month (UTC).", registry=REGISTRY
)
DATABASE_UP = Gauge(
    "checkback_database_up", "1 when the last scrape could read Postgres, else 0.", registry=REGISTRY
)


def count_checkback(status: str, *, late: bool = False) -> None:
    """Count one check-back outcome (bot.checkbacks.Status); `late`: recorded past LATE_AFTER."""
    if status == "recorded":
        CHECKBACKS_DONE.inc()
        if late:
            CHECKBACKS_LATE.inc()
    elif status in ("retry", "unavailable"):
        CHECKBACKS_FAILED.labels(status).inc()


def count_api_call(status_code: int | None) -> None:
    API_CALLS.labels(str(status_code) if status_code else "error").inc()


def observe_interaction(command: str, seconds: float) -> None:
    INTERACTION_SECONDS.labels(command).observe(seconds)
