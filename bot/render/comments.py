"""Comments and comment questions in Discord: /comments, the batched question notice with its buttons, a
drafted reply, "Mark answered", and the /questions settings."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.comment_questions import Answered as AnsweredQuestion
from bot.comment_questions import CommentListing, Draft, ListedComment, QuestionStatus
from bot.notices import CommentQuestionsNotice
from bot.render.text import BLUE, DESCRIPTION, GREEN, ORANGE, TITLE, Embed, clip, count, cut, cut_lines

# A button's whole state is in its custom_id, so it works after a restart (cogs/comments.py reads these).
DRAFT_ID = r"cb:q:draft:(?P<comment>\d+):(?P<number>\d+)"
ANSWERED_ID = r"cb:q:done:(?P<comment>\d+)"
DRAFT_LABEL = "Draft reply"
ANSWERED_LABEL = "Mark answered"
NEXT_TEMPLATE = "Next template"
# (label, custom_id, primary): one row a question pair; Discord allows 5 rows of 5 buttons a message.
ButtonSpec = tuple[str, str, bool]
PER_ROW = 2


def draft_id(comment_id: int, number: int = 0) -> str:
    return f"cb:q:draft:{comment_id}:{number}"


def answered_id(comment_id: int) -> str:
    return f"cb:q:done:{comment_id}"


def question_rows(numbered: Sequence[tuple[int, int]]) -> list[list[ButtonSpec]]:
    """ "Draft reply N" and "Mark answered N" for each (N, comment id), two questions a row."""
    rows: list[list[ButtonSpec]] = []
    for i, (n, comment_id) in enumerate(numbered):
        if i % PER_ROW == 0:
            rows.append([])
        rows[-1].append((f"{DRAFT_LABEL} {n}", draft_id(comment_id), False))
        rows[-1].append((f"{ANSWERED_LABEL} {n}", answered_id(comment_id), True))
    return rows


def components_json(rows: Sequence[Sequence[ButtonSpec]]) -> list[dict[str, Any]]:
    """Action rows of buttons as Discord's message JSON."""
    return [
        {
            "type": 1,
            "components": [
                {"type": 2, "style": 1 if primary else 2, "label": label, "custom_id": custom_id}
                for label, custom_id, primary in row
            ],
        }
        for row in rows
    ]


def _question_line(n: int, author: str | None, text: str | None, matched: str) -> str:
    why = "" if matched == "?" else f" · asks about “{matched}”"
    return f"**{n}. @{author or '?'}**{why}\n{cut(text, 300) or '—'}"


def questions_notice_embed(n: CommentQuestionsNotice) -> Embed:
    who = f"@{n.author}" if n.author else f"video {n.video_id or '?'}"
    label = f"{n.offset} check-back" if n.offset else "check-back"
    lines = [_question_line(i, q.author, q.text, q.matched) for i, q in enumerate(n.questions, start=1)]
    if n.more:
        lines.append(
            f"… and {count(n.more, 'more question')}: `/comments post:{n.post_id} filter:unanswered`"
        )
    return {
        "title": cut_lines(
            f"❓ {count(len(n.questions) + n.more, 'new question')} · #{n.post_id} {who}", TITLE
        ),
        "description": clip("\n\n".join(lines), DESCRIPTION),
        "url": n.url,
        "color": ORANGE,
        "footer": {"text": f"comments fetched at the {label}"},
    }


def _thread(item: ListedComment, n: int | None) -> str:
    c = item.comment
    head = f"**{f'{n}. ' if n else ''}@{c.author_username or '?'}** · {count(c.likes_count, 'like')}"
    if c.api_reply_count:
        head += f" · {count(c.api_reply_count, 'reply', 'replies')}"
    if item.question is not None:
        q = item.question
        head += " · ✅ answered" + (" (by the account's reply)" if q.answered_via == "reply" else "")
        if q.answered_at is None:
            head = head.replace(" · ✅ answered", " · ❓ unanswered")
    lines = [head, cut(c.comment_text, 300) or "—"]
    for r in item.replies:
        mark = " (the account)" if r.is_creator_reply else ""
        lines.append(f"↳ @{r.author_username or '?'}{mark}: {cut(r.comment_text, 200) or '—'}")
    return "\n".join(lines)


FILTER_TITLES = {
    "top": "most liked",
    "newest": "newest",
    "questions": "questions",
    "unanswered": "unanswered questions",
}


def comments_embed(listing: CommentListing) -> Embed:
    numbered = listing.filter in ("questions", "unanswered")
    blocks = [_thread(item, i if numbered else None) for i, item in enumerate(listing.comments, start=1)]
    if blocks:
        body = clip("\n\n".join(blocks), DESCRIPTION)
    elif numbered and not listing.questions_on:
        body = "No questions stored: an admin turns comment questions on with `/questions on`."
    else:
        body = "No unanswered questions." if listing.filter == "unanswered" else "No comments yet."
    if listing.fetched is not None:
        footer = f"{listing.fetched} comments fetched now and stored"
    else:
        footer = "from the stored comments" + ("" if listing.questions_on else " (fetched on demand)")
    return {
        "title": f"Comments on #{listing.post_id} ({FILTER_TITLES[listing.filter]})",
        "description": body,
        "color": BLUE,
        "footer": {"text": footer},
    }


def listing_rows(listing: CommentListing) -> list[list[ButtonSpec]]:
    """Buttons under /comments: each unanswered question's pair, numbered as the listing numbers them."""
    if listing.filter not in ("questions", "unanswered"):
        return []
    return question_rows(
        [
            (n, item.comment.id)
            for n, item in enumerate(listing.comments, start=1)
            if item.question is not None and item.question.answered_at is None
        ]
    )


def notice_rows(n: CommentQuestionsNotice) -> list[list[ButtonSpec]]:
    return question_rows([(i, q.comment_id) for i, q in enumerate(n.questions, start=1)])


def draft_embed(d: Draft) -> Embed:
    q = d.question
    return {
        "title": cut_lines(f"Draft reply to @{q.author_username or '?'}", TITLE),
        "description": clip(
            f"> {cut(q.comment_text, 300) or '—'}\n\nCopy this reply:\n```\n{d.text}\n```", DESCRIPTION
        ),
        "url": q.post_url,
        "color": BLUE,
        "footer": {"text": f"template “{d.template.name}” ({d.number + 1} of {d.of}) · post #{q.post_id}"},
    }


def answered_message(a: AnsweredQuestion) -> str:
    q = a.question
    return (
        f"Marked answered: @{q.author_username or '?'}'s question on post #{q.post_id}. Recorded as "
        f"`comment` action #{a.action_id} for @{q.account} (counted against its caps)."
    )


def status_embed(s: QuestionStatus) -> Embed:
    state = (
        "**on**: new comments of tracked posts are fetched at each check-back (API calls, within the budget)"
    )
    if not s.enabled:
        state = "**off**: no comment is fetched at check-backs (`/questions on` turns it on)"
    words = ", ".join(f"`{w}`" for w in s.keywords) or "none"
    return {
        "title": "Comment questions",
        "description": (
            f"Comment questions are {state}.\nA comment is a question when it has a question mark or one of "
            f"these keywords{' (the defaults)' if s.default else ''}: {words}."
        ),
        "color": GREEN if s.enabled else BLUE,
    }
