"""SQL of a post's run of failed check answers (migration 0040; judged by bot/metrics/evidence.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from db.rows import record_of

FaultKind = Literal["vague", "gone", "bad"]


@dataclass(frozen=True, slots=True)
class FaultRun:
    first_at: datetime
    answers: int
    gone_answers: int
    gone_first_at: datetime | None
    bad_answers: int
    last_reason: str


async def add_fault(conn: Any, post_id: int, kind: FaultKind, reason: str, now: datetime) -> FaultRun:
    """Counts one failed answer of `kind` into the post's run (started now if it had none); the run after."""
    row = await conn.fetchrow(
        """
        INSERT INTO post_check_faults AS f
            (post_id, first_at, last_at, answers, gone_answers, gone_first_at, bad_answers, last_reason)
        VALUES ($1, $3::timestamptz, $3::timestamptz, ($2::text <> 'bad')::int, ($2::text = 'gone')::int,
                CASE WHEN $2::text = 'gone' THEN $3::timestamptz END, ($2::text = 'bad')::int, $4::text)
        ON CONFLICT (post_id) DO UPDATE SET
            last_at = $3,
            answers = f.answers + ($2 <> 'bad')::int,
            gone_answers = f.gone_answers + ($2 = 'gone')::int,
            gone_first_at = coalesce(f.gone_first_at, CASE WHEN $2 = 'gone' THEN $3 END),
            bad_answers = f.bad_answers + ($2 = 'bad')::int,
            last_reason = $4
        RETURNING first_at, answers, gone_answers, gone_first_at, bad_answers, last_reason
        """,
        post_id,
        kind,
        now,
        reason[:500],
    )
    return record_of(FaultRun, row)


async def clear_faults(conn: Any, post_id: int) -> None:
    """A successful check ends the run."""
    await conn.execute("DELETE FROM post_check_faults WHERE post_id = $1", post_id)
