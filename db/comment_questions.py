"""SQL about comment questions: each guild's switch and keywords, the comments flagged, how each was answered."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from db.comments import StoredComment
from db.rows import record_of, set_guild_value


@dataclass(frozen=True, slots=True)
class QuestionSettings:
    """A guild's switch and keyword list (None: the defaults)."""

    guild_id: int
    enabled: bool = False
    keywords: list[str] | None = None


@dataclass(frozen=True, slots=True)
class Question:
    """A flagged comment as one guild sees it: the comment, what flagged it, whether it is answered."""

    comment: StoredComment
    matched: str
    check_index: int | None
    answered_at: datetime | None
    answered_via: str | None
    action_id: int | None


@dataclass(frozen=True, slots=True)
class QuestionTarget:
    """What answering or drafting a question needs: the comment, its post and the post's account."""

    comment_id: int
    external_comment_id: str
    comment_text: str | None
    author_username: str | None
    post_id: int
    video_id: str
    post_url: str
    caption: str | None
    account_id: int | None
    account: str | None
    answered_at: datetime | None


async def get_settings(conn: Any, guild_id: int) -> QuestionSettings:
    row = await conn.fetchrow(
        "SELECT enabled, keywords FROM comment_question_settings WHERE guild_id = $1", guild_id
    )
    if row is None:
        return QuestionSettings(guild_id)
    keywords = list(row["keywords"]) if row["keywords"] is not None else None
    return QuestionSettings(guild_id, row["enabled"], keywords)


async def set_enabled(conn: Any, guild_id: int, enabled: bool, now: datetime) -> None:
    await set_guild_value(conn, "comment_question_settings", "enabled", guild_id, enabled, now)


async def set_keywords(conn: Any, guild_id: int, keywords: Sequence[str], now: datetime) -> None:
    await set_guild_value(conn, "comment_question_settings", "keywords", guild_id, list(keywords), now)


async def lock_settings(conn: Any, guild_id: int, now: datetime) -> QuestionSettings:
    """The guild's settings, its row created and locked (FOR UPDATE) so a keyword edit is not lost."""
    await conn.execute(
        "INSERT INTO comment_question_settings (guild_id, updated_at) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        guild_id,
        now,
    )
    row = await conn.fetchrow(
        "SELECT enabled, keywords FROM comment_question_settings WHERE guild_id = $1 FOR UPDATE", guild_id
    )
    keywords = list(row["keywords"]) if row["keywords"] is not None else None
    return QuestionSettings(guild_id, row["enabled"], keywords)


async def enabled_guilds_of_post(conn: Any, post_id: int) -> list[QuestionSettings]:
    """The guilds that track the post and have comment questions switched on."""
    rows = await conn.fetch(
        """
        SELECT s.guild_id, s.keywords
        FROM guild_posts g JOIN comment_question_settings s ON s.guild_id = g.guild_id
        WHERE g.post_id = $1 AND s.enabled
        ORDER BY g.id
        """,
        post_id,
    )
    return [
        QuestionSettings(r["guild_id"], True, list(r["keywords"]) if r["keywords"] is not None else None)
        for r in rows
    ]


async def known_comment_ids(conn: Any, external_ids: Sequence[str]) -> set[str]:
    """Which of these comment ids are stored already."""
    rows = await conn.fetch(
        "SELECT external_comment_id FROM social_media_comments WHERE platform = 'tiktok'"
        " AND external_comment_id = ANY($1::text[])",
        list(external_ids),
    )
    return {r["external_comment_id"] for r in rows}


async def flag(
    conn: Any,
    guild_id: int,
    post_id: int,
    flagged: Sequence[tuple[int, str]],
    *,
    check_index: int | None,
    now: datetime,
) -> list[int]:
    """Flags comments (row id, what matched) as the guild's questions; returns the ids newly flagged."""
    if not flagged:
        return []
    rows = await conn.fetch(
        """
        INSERT INTO comment_questions (guild_id, comment_id, post_id, matched, check_index, flagged_at)
        SELECT $1, t.cid, $2, t.matched, $3, $4
        FROM unnest($5::int[], $6::text[]) AS t(cid, matched)
        ON CONFLICT (guild_id, comment_id) DO NOTHING
        RETURNING comment_id
        """,
        guild_id,
        post_id,
        check_index,
        now,
        [c for c, _ in flagged],
        [m for _, m in flagged],
    )
    return [r["comment_id"] for r in rows]


async def awaiting_replies(conn: Any, post_id: int, limit: int) -> list[tuple[int, str, int]]:
    """Unanswered questions of the post (in any guild) whose reply total grew since their replies were
    last fetched: (row id, API id, reply total), the most replied first."""
    rows = await conn.fetch(
        """
        SELECT c.id, c.external_comment_id, coalesce(c.api_reply_count, 0) AS replies
        FROM social_media_comments c
        JOIN comment_questions q ON q.comment_id = c.id
        WHERE q.post_id = $1
        GROUP BY c.id
        HAVING bool_or(q.answered_at IS NULL) AND coalesce(c.api_reply_count, 0) > max(q.replies_seen)
        ORDER BY coalesce(c.api_reply_count, 0) DESC, c.id
        LIMIT $2
        """,
        post_id,
        limit,
    )
    return [(r["id"], r["external_comment_id"], r["replies"]) for r in rows]


async def replies_fetched(conn: Any, comment_id: int, seen: int, *, answered: bool, now: datetime) -> None:
    """Notes the reply total fetched; `answered` (the account replied) answers the question everywhere."""
    await conn.execute(
        """
        UPDATE comment_questions SET replies_seen = $2,
            answered_via = CASE WHEN $3 AND answered_at IS NULL THEN 'reply' ELSE answered_via END,
            answered_at = CASE WHEN $3 AND answered_at IS NULL THEN $4 ELSE answered_at END
        WHERE comment_id = $1
        """,
        comment_id,
        seen,
        answered,
        now,
    )


_QUESTION_COLUMNS = """
    c.id, c.post_id, c.external_comment_id, c.comment_text, c.author_username, c.author_id,
    coalesce(c.likes_count, 0) AS likes_count, coalesce(c.api_reply_count, 0) AS api_reply_count,
    c.commented_at, q.matched, q.check_index, q.answered_at, q.answered_via, q.action_id
"""


def _question(r: Any) -> Question:
    return record_of(Question, r, comment=record_of(StoredComment, r, is_creator_reply=False))


async def questions(
    conn: Any,
    guild_id: int,
    post_id: int,
    *,
    unanswered: bool,
    limit: int,
    ids: Sequence[int] | None = None,
) -> list[Question]:
    """The guild's questions on the post (or those of `ids`), newest first; only unanswered ones if told."""
    rows = await conn.fetch(
        f"""
        SELECT {_QUESTION_COLUMNS}
        FROM comment_questions q JOIN social_media_comments c ON c.id = q.comment_id
        WHERE q.guild_id = $1 AND q.post_id = $2 AND (NOT $3 OR q.answered_at IS NULL)
          AND ($5::int[] IS NULL OR q.comment_id = ANY($5::int[]))
        ORDER BY c.commented_at DESC NULLS LAST, c.id DESC
        LIMIT $4
        """,  # noqa: S608 - the column list is a constant
        guild_id,
        post_id,
        unanswered,
        limit,
        list(ids) if ids is not None else None,
    )
    return [_question(r) for r in rows]


async def target(conn: Any, guild_id: int, comment_id: int, *, lock: bool = False) -> QuestionTarget | None:
    """A guild's question with its post and account; `lock` holds the comment's question rows (every
    guild's) until the transaction ends, so two presses in two guilds cannot both answer it."""
    if lock:
        await conn.execute("SELECT 1 FROM comment_questions WHERE comment_id = $1 FOR UPDATE", comment_id)
    row = await conn.fetchrow(
        """
        SELECT c.id AS comment_id, c.external_comment_id, c.comment_text, c.author_username,
               p.id AS post_id, p.external_post_id AS video_id, p.post_url, p.caption,
               a.id AS account_id, a.username AS account, q.answered_at
        FROM comment_questions q
        JOIN social_media_comments c ON c.id = q.comment_id
        JOIN social_media_posts p ON p.id = q.post_id
        LEFT JOIN social_media_accounts a ON a.id = p.account_id
        WHERE q.guild_id = $1 AND q.comment_id = $2
        """,
        guild_id,
        comment_id,
    )
    return record_of(QuestionTarget, row) if row is not None else None


async def mark_answered(
    conn: Any, comment_id: int, *, action_id: int, user_id: int | None, now: datetime
) -> int:
    """Answers the question in every guild that flagged it, with the recorded action; returns rows changed."""
    result = await conn.execute(
        """
        UPDATE comment_questions
           SET answered_at = $2, answered_via = 'button', action_id = $3, answered_by_user_id = $4
         WHERE comment_id = $1 AND answered_at IS NULL
        """,
        comment_id,
        now,
        action_id,
        user_id,
    )
    return int(result.split()[-1])
