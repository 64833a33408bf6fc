"""Comment questions, what users ask: the per-server switch and keywords, /comments by filter, a drafted
reply from a template, and "Mark answered" (a `comment` action through try_record_action, so caps count it).

What runs at check-backs (fetching new comments and replies, flagging, announcing) is bot/comment_checks.py.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import KW_ONLY, dataclass
from typing import Literal

import asyncpg

from bot.caps import cap_reached
from bot.clock import Clock
from bot.comments import CommentService
from bot.errors import InvalidInput
from bot.templates import TemplateService
from bot.tracking import TrackingService
from db import actions as db_actions
from db import comment_questions as db_q
from db import comments as db_comments
from db.comment_questions import Question, QuestionSettings, QuestionTarget
from db.comments import StoredComment
from db.templates import Template

Filter = Literal["top", "newest", "questions", "unanswered"]
FILTERS: tuple[Filter, ...] = ("top", "newest", "questions", "unanswered")
# Besides a question mark, the words that make a comment a question until the admins edit the list.
DEFAULT_KEYWORDS: tuple[str, ...] = ("link", "price", "where to buy", "how much")
MAX_KEYWORDS = 50
MAX_KEYWORD = 40
QUESTION_MARKS = ("?", "？", "¿")
# /comments shows this many comments, each with up to this many of its replies.
SHOWN = 10
REPLIES_SHOWN = 3
# Fetched on demand when a post has no stored comments yet (a few API pages).
FETCH_ON_DEMAND = 200
# Attempts at recording an answer when a stale snapshot (REPEATABLE READ or SERIALIZABLE) refuses it.
ATTEMPTS = 5


def normalise_keyword(text: str) -> str:
    """A keyword as stored and matched: lower case, single spaces."""
    keyword = " ".join((text or "").lower().split())
    if not keyword or len(keyword) > MAX_KEYWORD or keyword in QUESTION_MARKS:
        raise InvalidInput(f"a keyword is 1-{MAX_KEYWORD} characters (a question mark always counts)")
    return keyword


def asks(text: str | None, keywords: Sequence[str]) -> str | None:
    """What makes the comment a question: "?" or the first keyword it contains (as whole words); None."""
    body = (text or "").lower()
    if any(mark in body for mark in QUESTION_MARKS):
        return "?"
    for keyword in keywords:
        if re.search(rf"(?<!\w){re.escape(keyword)}(?!\w)", body):
            return keyword
    return None


def keywords_of(settings: QuestionSettings) -> list[str]:
    return list(DEFAULT_KEYWORDS) if settings.keywords is None else list(settings.keywords)


@dataclass(frozen=True, slots=True)
class QuestionStatus:
    """A guild's switch and keywords (`default`: the list was never edited)."""

    enabled: bool
    keywords: list[str]
    default: bool


@dataclass(frozen=True, slots=True)
class ListedComment:
    comment: StoredComment
    replies: list[StoredComment]
    question: Question | None = None


@dataclass(frozen=True, slots=True)
class CommentListing:
    """What /comments shows: `fetched` comments were fetched now (None: read from storage)."""

    post_id: int
    filter: Filter
    comments: list[ListedComment]
    fetched: int | None
    questions_on: bool


@dataclass(frozen=True, slots=True)
class Draft:
    """A reply drafted from template `number` (0-based) of `of` usable ones, to copy."""

    question: QuestionTarget
    template: Template
    text: str
    number: int
    of: int


@dataclass(frozen=True, slots=True)
class Answered:
    question: QuestionTarget
    action_id: int


@dataclass(eq=False)
class CommentQuestionService:
    pool: asyncpg.Pool
    clock: Clock
    _: KW_ONLY
    tracking: TrackingService
    comments: CommentService
    templates: TemplateService

    # --- the switch and the keywords ----------------------------------------------------------------
    async def status(self, guild_id: int) -> QuestionStatus:
        async with self.pool.acquire() as conn:
            settings = await db_q.get_settings(conn, guild_id)
        return QuestionStatus(settings.enabled, keywords_of(settings), settings.keywords is None)

    async def switch(self, guild_id: int, on: bool) -> QuestionStatus:
        async with self.pool.acquire() as conn:
            await db_q.set_enabled(conn, guild_id, on, self.clock.now())
        return await self.status(guild_id)

    async def add_keyword(self, guild_id: int, keyword: str) -> QuestionStatus:
        word = normalise_keyword(keyword)
        return await self._edit_keywords(
            guild_id, lambda words: [*words, word] if word not in words else words
        )

    async def remove_keyword(self, guild_id: int, keyword: str) -> QuestionStatus:
        word = normalise_keyword(keyword)

        def without(words: list[str]) -> list[str]:
            if word not in words:
                raise InvalidInput(f"{word!r} is not one of the keywords ({', '.join(words) or 'none'})")
            return [w for w in words if w != word]

        return await self._edit_keywords(guild_id, without)

    async def _edit_keywords(self, guild_id: int, edit: Callable[[list[str]], list[str]]) -> QuestionStatus:
        now = self.clock.now()
        async with self.pool.acquire() as conn, conn.transaction():
            settings = await db_q.lock_settings(conn, guild_id, now)
            words = edit(keywords_of(settings))
            if len(words) > MAX_KEYWORDS:
                raise InvalidInput(f"at most {MAX_KEYWORDS} keywords; remove one first")
            await db_q.set_keywords(conn, guild_id, words, now)
        return await self.status(guild_id)

    # --- /comments ------------------------------------------------------------------------------
    async def listing(
        self, guild_id: int, post_id: int, filter: str, *, limit: int = SHOWN
    ) -> CommentListing:
        """The post's comments by `filter`, each with its stored replies. "top" and "newest" read the stored
        comments, fetching them through the API only when none are stored yet; the question filters read
        the guild's flagged questions (no API call)."""
        if filter not in FILTERS:
            raise InvalidInput(f"filter comments by {', '.join(FILTERS)}, not {filter!r}")
        post = await self.tracking.get_post(guild_id, post_id)
        fetched: int | None = None
        async with self.pool.acquire() as conn:
            on = (await db_q.get_settings(conn, guild_id)).enabled
            stored = await db_comments.count_comments(conn, post.id)
        if filter in ("questions", "unanswered"):
            async with self.pool.acquire() as conn:
                found = await db_q.questions(
                    conn, guild_id, post.id, unanswered=filter == "unanswered", limit=limit
                )
            pairs: list[tuple[StoredComment, Question | None]] = [(q.comment, q) for q in found]
        else:
            order: db_comments.CommentOrder = "likes" if filter == "top" else "newest"
            if stored == 0:
                refresh = await self.comments.refresh(post.id, limit=FETCH_ON_DEMAND, order=order, top=limit)
                fetched, top = refresh.fetched, refresh.top
            else:
                top = await self.comments.top(post.id, order=order, limit=limit)
            pairs = [(c, None) for c in top]
        async with self.pool.acquire() as conn:
            replies = await db_comments.replies_of(conn, [c.id for c, _ in pairs])
        listed = [ListedComment(c, replies.get(c.id, [])[:REPLIES_SHOWN], q) for c, q in pairs]
        return CommentListing(post.id, filter, listed, fetched, on)  # type: ignore[arg-type]

    # --- the buttons ----------------------------------------------------------------------------
    async def _target(self, guild_id: int, comment_id: int) -> QuestionTarget:
        async with self.pool.acquire() as conn:
            found = await db_q.target(conn, guild_id, comment_id)
        if found is None:
            raise InvalidInput("That question is not one of this server's (was the post untracked?).")
        return found

    async def draft(self, guild_id: int, comment_id: int, number: int = 0) -> Draft:
        """A reply to the question from the post account's template `number` (its own templates, then the
        global ones, in /templates list order; one per name), filled with the commenter and the video."""
        question = await self._target(guild_id, comment_id)
        if question.account is None:
            raise InvalidInput("The post has no account to reply as.")
        usable: list[Template] = []
        for template in await self.templates.list(question.account):
            if all(t.name.lower() != template.name.lower() for t in usable):
                usable.append(template)
        if not usable:
            raise InvalidInput(
                "There is no message template to draft from: an admin adds one with /templates add "
                "(placeholders {username}, {display_name}, {video_title}, {account})."
            )
        chosen = usable[number % len(usable)]
        text = await self.templates.render(
            chosen.name,
            account=question.account,
            username=question.author_username or "there",
            video_title=question.caption or question.post_url,
        )
        return Draft(question, chosen, text, number % len(usable), len(usable))

    async def mark_answered(self, guild_id: int, comment_id: int, *, user_id: int | None) -> Answered:
        """Records a `comment` action of the post's account through try_record_action and answers the
        question (in every guild that flagged it), in one transaction: at a cap, or when it is answered
        already, nothing is recorded."""
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return await self._answer(guild_id, comment_id, user_id)
            except asyncpg.SerializationError:
                if attempt == ATTEMPTS:
                    raise
        raise AssertionError("unreachable")

    async def _answer(self, guild_id: int, comment_id: int, user_id: int | None) -> Answered:
        now = self.clock.now()
        async with self.pool.acquire() as conn, conn.transaction():
            question = await db_q.target(conn, guild_id, comment_id, lock=True)
            if question is None:
                raise InvalidInput("That question is not one of this server's (was the post untracked?).")
            if question.answered_at is not None:
                raise InvalidInput("That question is answered already; nothing was recorded.")
            if question.account_id is None or question.account is None:
                raise InvalidInput("The post has no account to record the answer for.")
            who = f"@{question.author_username}" if question.author_username else "a comment"
            action_id = await db_actions.try_record_action(
                conn,
                question.account_id,
                "comment",
                target_type="video",
                target_id=question.video_id,
                content_text=f"answered {who} (comment {question.external_comment_id})",
                triggered_by="manual",
                at=now,
            )
            if action_id is None:
                raise await cap_reached(conn, question.account_id, question.account, "comment", now)
            await db_q.mark_answered(conn, comment_id, action_id=action_id, user_id=user_id, now=now)
        return Answered(question, action_id)
