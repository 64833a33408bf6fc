"""What the metrics API's answers mean: each HTTP attempt classified (by the evidence table of
bot/metrics/evidence.py) as ok, throttled, transient, rejected, not found or quota used up, with its reason,
its evidence and any Retry-After."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Literal

from bot.metrics.evidence import Evidence, read_answer

Outcome = Literal["ok", "throttled", "transient", "rejected", "not_found", "quota"]


@dataclass(slots=True)
class Attempt:
    """What one HTTP attempt gave: the `data` on success, else the kind of failure and its reason."""

    outcome: Outcome
    data: Any = None
    status: int | None = None
    reason: str = ""
    retry_after: float | None = None
    evidence: Evidence = "transient"


def classify(status: int, headers: Any, body: bytes, now: datetime) -> Attempt:
    """What an HTTP answer means, by the evidence table (bot/metrics/evidence.py): ok (with its `data`), or
    the kind of failure, its reason and the evidence it is ("gone" and "vague" both raise at once)."""
    try:
        payload = json.loads(body) if body else None
    except (ValueError, RecursionError):
        payload = None
    reading = read_answer(status, payload)
    outcome = _OUTCOMES[reading.evidence]
    retry_after = None
    if reading.evidence == "throttled" and status == 429:
        retry_after = retry_after_seconds(headers.get("Retry-After"), now)
    reason = f"the API answered: {reading.reason}" if outcome == "not_found" else reading.reason
    return Attempt(
        outcome,
        data=reading.data,
        status=status,
        reason=reason,
        retry_after=retry_after,
        evidence=reading.evidence,
    )


# Evidence -> what the client does: return, retry, or raise at once.
_OUTCOMES: dict[Evidence, Outcome] = {
    "ok": "ok",
    "gone": "not_found",
    "vague": "not_found",
    "throttled": "throttled",
    "quota": "quota",
    "rejected": "rejected",
    "transient": "transient",
}


def text_of(value: Any) -> str:
    """A message field of the answer, trimmed ('' when it is not a string)."""
    return value.strip()[:300] if isinstance(value, str) else ""


def first_line(exc: BaseException) -> str:
    """An exception's first line, for a reason that fits in a log line."""
    text = str(exc).strip()
    return text.splitlines()[0][:200] if text else "no detail"


def retry_after_seconds(value: str | None, now: datetime) -> float | None:
    """Retry-After in seconds: either delta-seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())
