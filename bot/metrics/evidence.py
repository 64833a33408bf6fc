"""What an answer of the metrics API proves: the one table of evidence, and when a video counts as gone.

The provider answers `code: -1` both when a video was removed and when it merely failed to fetch or parse a
page that exists, and `code: 0` with `data: null` is no better (metrics-api.md, "An answer that proves
nothing"). So one answer never ends a post's schedule, except through the rules of `judge`:

- an answer whose wording says the video is gone (deleted, private, removed, does not exist), confirmed by a
  second such answer at least CONFIRM_AFTER later; or
- the same failure (vague or gone answers, no success between) VAGUE_ANSWERS times over at least VAGUE_SPAN.

Anything else is transient: the check stays due, is retried with backoff and is done late, not never. An
answer that is malformed (a count that is not a count, a required field missing) is a failed call; a post
whose checks fail that way MAX_BAD_ANSWERS times in a row stops ("poison"), with its reason stored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

# What one answer is evidence of.
#   ok         the answer carries the data asked for
#   gone       the wording says the video (or account) is deleted, private, removed or does not exist
#   vague      a failure that proves nothing by itself: "Something went wrong", "parse failed", data null
#   throttled  the provider's or the gateway's rate limit: retried by the client, after Retry-After
#   quota      the plan's monthly quota is used up
#   rejected   the gateway refuses the key or subscription (401/403) or the request (other 4xx)
#   transient  5xx, 408, a timeout, a dropped connection, a body that is not JSON
Evidence = Literal["ok", "gone", "vague", "throttled", "quota", "rejected", "transient"]

# Wording that says a video or account is gone, in a code != 0 answer's msg.
GONE_WORDING = re.compile(
    r"delet|remov|privat|not exist|doesn'?t exist|does not exist|no longer (available|exists)|"
    r"not available|unavailable|banned|not found",
    re.IGNORECASE,
)
THROTTLE_WORDING = re.compile(r"limit", re.IGNORECASE)
QUOTA_WORDING = re.compile(r"quota", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Rule:
    """One row of the table: which answers it covers, and what they are evidence of."""

    answer: str
    evidence: Evidence


# The table, in the order `read_answer` applies it (first match wins). Tested row by row in
# tests/metrics/test_evidence.py with each answer shape.
TABLE: tuple[Rule, ...] = (
    Rule("HTTP 200, body not JSON or not an object", "transient"),
    Rule("HTTP 200, code 0, data present (an endpoint may still find it short: see MalformedAnswer)", "ok"),
    Rule("HTTP 200, code 0, data null or absent", "vague"),
    Rule("HTTP 200, code != 0, msg mentions a limit", "throttled"),
    Rule("HTTP 200, code != 0, msg says deleted / private / removed / not exist / not found", "gone"),
    Rule("HTTP 200, code != 0, any other msg ('Something went wrong', 'parse failed', none)", "vague"),
    Rule("HTTP 429, message mentions the quota", "quota"),
    Rule("HTTP 429", "throttled"),
    Rule("HTTP 401 or 403", "rejected"),
    Rule("HTTP 404 (the gateway's, not the video's)", "vague"),
    Rule("HTTP 408 or 5xx", "transient"),
    Rule("any other HTTP status", "rejected"),
    Rule("no answer: timeout or connection error", "transient"),
)


@dataclass(frozen=True, slots=True)
class Reading:
    """What one answer is evidence of, the reason in a few words, and its `data` when ok."""

    evidence: Evidence
    reason: str
    data: Any = None
    rule: int = -1  # the index of the TABLE row that matched


def read_answer(status: int, payload: Any) -> Reading:
    """The TABLE applied to one HTTP answer: status and the body parsed as JSON (None if not JSON)."""
    gateway_msg = _text(payload.get("message")) if isinstance(payload, dict) else ""
    if status == 200:
        if not isinstance(payload, dict):
            return Reading("transient", "HTTP 200 with a body that is not a JSON object", rule=0)
        code, msg = payload.get("code"), _text(payload.get("msg"))
        if code in (0, "0"):
            if payload.get("data") is not None:
                return Reading("ok", "", data=payload["data"], rule=1)
            return Reading("vague", f"code 0 with data {'null' if 'data' in payload else 'absent'}", rule=2)
        said = f"code {code}: {msg}" if msg else f"code {code}"
        if THROTTLE_WORDING.search(msg):
            return Reading("throttled", said, rule=3)
        if GONE_WORDING.search(msg):
            return Reading("gone", said, rule=4)
        return Reading("vague", said, rule=5)
    if status == 429:
        if QUOTA_WORDING.search(gateway_msg):
            return Reading("quota", f"the API plan's quota is used up ({gateway_msg})", rule=6)
        return Reading("throttled", "HTTP 429 rate limited", rule=7)
    if status in (401, 403):
        why = gateway_msg or ("unauthorized" if status == 401 else "forbidden")
        return Reading(
            "rejected", f"HTTP {status} ({why}); check RAPIDAPI_KEY and the API subscription", rule=8
        )
    if status == 404:
        return Reading("vague", "HTTP 404 not found", rule=9)
    if status >= 500 or status == 408:
        return Reading("transient", f"HTTP {status}", rule=10)
    return Reading("rejected", f"HTTP {status}{f' ({gateway_msg})' if gateway_msg else ''}", rule=11)


def no_answer(reason: str) -> Reading:
    """A timeout or a connection error: the last row of the TABLE."""
    return Reading("transient", reason, rule=12)


# --- judging a post's run of failed answers ---------------------------------------------------------
CONFIRM_AFTER = timedelta(minutes=30)  # a "gone" answer is believed when a second one comes this much later
VAGUE_ANSWERS = 3  # ... or when this many failed answers (vague or gone), no success between,
VAGUE_SPAN = timedelta(hours=6)  # span at least this long
MAX_BAD_ANSWERS = 5  # malformed answers (or failures to record) in a row before a post stops

Verdict = Literal["gone", "poison", "retry"]


@dataclass(frozen=True, slots=True)
class Streak:
    """A post's failed answers since its last successful check (db/check_faults.py stores it)."""

    first_at: datetime
    answers: int = 0  # vague and gone answers
    gone_answers: int = 0
    gone_first_at: datetime | None = None
    bad_answers: int = 0  # malformed answers and failures to record the check
    last_reason: str = ""


def judge(streak: Streak, now: datetime) -> Verdict:
    """Whether the run of failures proves the video gone, makes the post a poison one, or says nothing yet."""
    if (
        streak.gone_answers >= 2
        and streak.gone_first_at is not None
        and now - streak.gone_first_at >= CONFIRM_AFTER
    ):
        return "gone"
    if streak.answers >= VAGUE_ANSWERS and now - streak.first_at >= VAGUE_SPAN:
        return "gone"
    if streak.bad_answers >= MAX_BAD_ANSWERS:
        return "poison"
    return "retry"


def next_look(streak: Streak, now: datetime, backoff: timedelta) -> datetime:
    """When to ask again: a first "gone" answer is confirmed CONFIRM_AFTER later; otherwise the backoff,
    but no earlier than needed for a vague streak to be judged (so its answers are not wasted)."""
    if streak.gone_answers == 1 and streak.gone_first_at is not None:
        return max(now + backoff, streak.gone_first_at + CONFIRM_AFTER)
    return now + backoff


def _text(value: Any) -> str:
    return value.strip()[:300] if isinstance(value, str) else ""
