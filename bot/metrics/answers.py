"""What the metrics API's answers mean: each HTTP attempt classified as ok, throttled, transient, rejected,
not found or quota used up, with its reason and any Retry-After."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Literal

Outcome = Literal["ok", "throttled", "transient", "rejected", "not_found", "quota"]


@dataclass(slots=True)
class Attempt:
    """What one HTTP attempt gave: the `data` on success, else the kind of failure and its reason."""

    outcome: Outcome
    data: Any = None
    status: int | None = None
    reason: str = ""
    retry_after: float | None = None


def classify(status: int, headers: Any, body: bytes, now: datetime) -> Attempt:
    """What an HTTP answer means: ok (with its `data`), or the kind of failure and its reason."""
    try:
        payload = json.loads(body) if body else None
    except ValueError:
        payload = None
    gateway_msg = text_of(payload.get("message")) if isinstance(payload, dict) else ""
    if status == 200:
        if not isinstance(payload, dict):
            return Attempt("transient", status=status, reason="HTTP 200 with a body that is not JSON")
        code, msg = payload.get("code"), text_of(payload.get("msg"))
        if code in (0, "0"):
            if "data" not in payload:
                return Attempt("transient", status=status, reason="code 0 without data")
            return Attempt("ok", data=payload["data"], status=status)
        if "limit" in msg.lower():
            return Attempt("throttled", status=status, reason=f"code {code}: {msg}")
        return Attempt("not_found", status=status, reason=f"the API answered: {msg or f'code {code}'}")
    if status == 429:
        if "quota" in gateway_msg.lower():
            return Attempt("quota", status=status, reason=f"the API plan's quota is used up ({gateway_msg})")
        retry_after = retry_after_seconds(headers.get("Retry-After"), now)
        return Attempt("throttled", status=status, reason="HTTP 429 rate limited", retry_after=retry_after)
    if status in (401, 403):
        why = gateway_msg or ("unauthorized" if status == 401 else "forbidden")
        return Attempt(
            "rejected",
            status=status,
            reason=f"HTTP {status} ({why}); check RAPIDAPI_KEY and the API subscription",
        )
    if status == 404:
        return Attempt("not_found", status=status, reason="HTTP 404 not found")
    if status >= 500 or status == 408:
        return Attempt("transient", status=status, reason=f"HTTP {status}")
    return Attempt(
        "rejected", status=status, reason=f"HTTP {status}{f' ({gateway_msg})' if gateway_msg else ''}"
    )


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
