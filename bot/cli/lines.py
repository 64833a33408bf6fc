"""Wording the CLI's commands share: a time, and what a check-back or an account poll that recorded nothing says."""

from __future__ import annotations

from datetime import UTC, datetime

# After the post ("check") or the account ("poll"); `{error}` and `{next}` (the next try) are filled in.
UNRECORDED: dict[tuple[str, str], str] = {
    ("check", "unavailable"): "video deleted or private; tracking stopped",
    ("check", "failing"): "checks keep failing ({error}); tracking stopped",
    ("poll", "stopped"): "account {error}; no longer watched",
    ("check", "retry"): "API failed ({error}); retry at {next}",
    ("poll", "retry"): "API failed ({error}); again at {next}",
    ("check", "postponed"): "API budget used up; postponed to {next}",
    ("poll", "postponed"): "API budget nearly used; postponed to {next}",
    ("check", "superseded"): "already checked by another worker",
    ("poll", "superseded"): "already polled by another worker",
    ("check", "finished"): "every check-back already recorded; tracking complete",
}


def when(value: datetime | None) -> str:
    """A time for a terminal: UTC, to the minute."""
    return "—" if value is None else value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def unrecorded(head: str, engine: str, status: str, error: str | None, next_at: datetime | None) -> str:
    """`head`, then the wording of an outcome that recorded nothing (`engine` is "check" or "poll")."""
    return f"{head} " + UNRECORDED[engine, status].format(error=error, next=when(next_at))
