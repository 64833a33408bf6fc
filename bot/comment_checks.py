"""Comment questions at check-backs: after a post's check-back is recorded, when a guild tracking it has the
switch on, fetch its new comments, flag those that ask something, fetch the replies of unanswered questions
(a question the post's own account answered in a reply counts as answered), and announce the new questions
in one outbox notice per guild and check-back.

Calls are optional work, so they come after everything else the budget owes: a comment call is made only
when the month's budget (bot/budget.py) leaves room for it beside the check-backs promised to tracked posts
and a reserve for new posts (Budget.outlook, as account polls do); a call it cannot afford is skipped, never
made. Comment calls are not planned in the month's plan (bot/budget_plan.py) for that reason: they never
make a check-back wait or be shed.

"New" comments: the API lists comments newest first (the simulator does; TikTok mostly does), so pages are
read until one holds a comment already stored, or MAX_PAGES. A crash between the check-back and this step
loses nothing for good: the next check-back's fetch finds the same comments still new.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Literal

import asyncpg

from bot import notices
from bot.budget import Budget
from bot.clock import Clock
from bot.comment_questions import asks, keywords_of
from bot.comments import comment_rows
from bot.errors import MetricsApiError, QuotaExhausted
from bot.growth import check_offset
from bot.metrics import MetricsClient
from bot.notices import AskedQuestion, CommentQuestionsNotice
from bot.shedding import NEW_POST_RESERVE
from db import comment_questions as db_q
from db import comments as db_comments
from db import posts as db_posts
from db.claims import ClaimedPost
from db.comments import StoredId
from db.pool import DATABASE_AWAY

log = logging.getLogger(__name__)

MAX_PAGES = 2  # comment pages (50 each) per check-back
MAX_REPLY_FETCHES = 5  # reply threads per check-back, the most replied unanswered questions first
ANNOUNCED = 10  # questions listed, each with its buttons, in one announcement (5 rows of 4 buttons)

Skipped = Literal["off", "budget", "api"]


@dataclass(slots=True)
class CommentCheckReport:
    """What one post's comment step did (`skipped`: why it stopped early, if it did)."""

    post_id: int
    calls: int = 0
    new_comments: int = 0
    flagged: dict[int, list[int]] = field(default_factory=dict)  # guild -> comment ids
    replies_fetched: int = 0
    answered_by_reply: int = 0
    announced: int = 0
    skipped: Skipped | None = None


class CommentChecker:
    """The hook the check-back runner calls after recording a check (CheckbackRunner's `after_check`)."""

    def __init__(self, pool: asyncpg.Pool, metrics: MetricsClient, clock: Clock, *, budget: Budget) -> None:
        self.pool = pool
        self.metrics = metrics
        self.clock = clock
        self.budget = budget
        self.reports: list[CommentCheckReport] = []  # the latest, for tests and logs (bounded)

    async def after_check(self, post: ClaimedPost, check_index: int | None) -> None:
        """Never fails the check-back: a failure here is logged, and the next check-back tries again."""
        try:
            report = await self.run(post, check_index)
        except DATABASE_AWAY as exc:
            # The check-back is recorded; the run notices the outage at its next statement and waits for
            # it. Not a bug: one line, no traceback.
            log.warning(
                "comment questions of post %s skipped: the database went away (%s: %s)",
                post.id,
                type(exc).__name__,
                str(exc).strip().split("\n")[0][:120],
            )
            return
        except Exception:
            log.exception("comment questions of post %s failed", post.id)
            return
        self.reports = [*self.reports[-99:], report]

    async def run(self, post: ClaimedPost, check_index: int | None) -> CommentCheckReport:
        report = CommentCheckReport(post.id)
        async with self.pool.acquire() as conn:
            guilds = await db_q.enabled_guilds_of_post(conn, post.id)
        if not guilds:
            report.skipped = "off"
            return report
        allowance = await self._allowance()
        try:
            new, texts = await self._new_comments(post, report, allowance)
        except QuotaExhausted:
            report.skipped = "budget"
            return report
        except MetricsApiError as exc:
            log.warning("comments of post %s not fetched (%s)", post.id, exc)
            report.skipped = "api"
            return report
        now = self.clock.now()
        async with self.pool.acquire() as conn, conn.transaction():
            for guild in guilds:
                words = keywords_of(guild)
                flagged = [
                    (s.id, matched) for s in new if (matched := asks(texts.get(s.external_comment_id), words))
                ]
                ids = await db_q.flag(
                    conn, guild.guild_id, post.id, flagged, check_index=check_index, now=now
                )
                if ids:
                    report.flagged[guild.guild_id] = ids
        await self._replies(post, report, allowance)
        await self._announce(post, check_index, report)
        return report

    async def _allowance(self) -> int | None:
        """Calls this step may make now (None: no budget)."""
        monthly = self.budget.monthly
        if monthly is None:
            return None
        used, promised = await self.budget.outlook(self.pool, self.clock.now())
        reserve = min(NEW_POST_RESERVE, max(1, monthly // 20))
        return max(0, monthly - used - promised - reserve)

    def _afford(self, report: CommentCheckReport, allowance: int | None) -> bool:
        if allowance is not None and report.calls >= allowance:
            report.skipped = "budget"
            return False
        return True

    async def _new_comments(
        self, post: ClaimedPost, report: CommentCheckReport, allowance: int | None
    ) -> tuple[list[StoredId], dict[str, str | None]]:
        new: list[StoredId] = []
        texts: dict[str, str | None] = {}
        cursor = "0"
        for _ in range(MAX_PAGES):
            if not self._afford(report, allowance):
                break
            report.calls += 1
            page = await self.metrics.comments(post.post_url, cursor=cursor)
            rows = comment_rows(page.items)
            texts.update((r.external_comment_id, r.comment_text) for r in rows)
            async with self.pool.acquire() as conn, conn.transaction():
                known = await db_q.known_comment_ids(conn, [r.external_comment_id for r in rows])
                stored = await db_comments.store_comments(conn, post.id, rows)
            new.extend(s for s in stored if s.inserted)
            if known or page.at_end or page.cursor == cursor:
                break
            cursor = page.cursor
        report.new_comments = len(new)
        return new, texts

    async def _replies(self, post: ClaimedPost, report: CommentCheckReport, allowance: int | None) -> None:
        """Replies of unanswered questions whose reply total grew; the account's own reply answers one."""
        async with self.pool.acquire() as conn:
            waiting = await db_q.awaiting_replies(conn, post.id, MAX_REPLY_FETCHES)
            account, _, _ = await db_posts.author_and_caption(conn, post.id)
        for comment_id, external_id, total in waiting:
            if not self._afford(report, allowance):
                return
            report.calls += 1
            try:
                page = await self.metrics.comment_replies(external_id)
            except MetricsApiError as exc:
                log.warning("replies of comment %s not fetched (%s)", external_id, exc)
                report.skipped = "budget" if isinstance(exc, QuotaExhausted) else "api"
                return
            rows = comment_rows(page.items)
            mine = account is not None and any(r.author_username == account for r in rows)
            async with self.pool.acquire() as conn, conn.transaction():
                await db_comments.store_comments(conn, post.id, rows, parent_id=comment_id, creator=account)
                await db_q.replies_fetched(conn, comment_id, total, answered=mine, now=self.clock.now())
            report.replies_fetched += 1
            report.answered_by_reply += int(mine)

    async def _announce(self, post: ClaimedPost, check_index: int | None, report: CommentCheckReport) -> None:
        """One notice per guild for the questions this check-back found that are still unanswered."""
        if not report.flagged:
            return
        now = self.clock.now()
        async with self.pool.acquire() as conn, conn.transaction():
            author, caption, _ = await db_posts.author_and_caption(conn, post.id)
            for guild_id, ids in report.flagged.items():
                found = await db_q.questions(
                    conn, guild_id, post.id, unanswered=True, limit=len(ids), ids=ids
                )
                if not found:
                    continue
                notice = CommentQuestionsNotice(
                    **notices.about_post(post, author, caption),
                    check_index=check_index,
                    offset=_offset(post, check_index),
                    questions=[
                        AskedQuestion(
                            comment_id=q.comment.id,
                            author=q.comment.author_username,
                            text=(q.comment.comment_text or "")[:300],
                            likes=q.comment.likes_count,
                            matched=q.matched,
                        )
                        for q in found[:ANNOUNCED]
                    ],
                    more=max(0, len(found) - ANNOUNCED),
                )
                report.announced += await notices.tell_guilds(
                    conn,
                    notice,
                    [guild_id],
                    key=f"comment_questions:{post.id}:{check_index}",
                    now=now,
                    post_id=post.id,
                )


def _offset(post: ClaimedPost, check_index: int | None) -> str | None:
    if check_index is None:
        return None
    return check_offset(post.check_schedule, post.posted_at, check_index)
