"""What the metrics client sends: checked usernames and keywords, page sizes within the provider's limits."""

from __future__ import annotations

from bot.errors import InvalidInput
from bot.metrics.urls import USERNAME_RE

# The provider's own page-size limits (metrics-api.md §2); larger counts are clamped, not refused.
MAX_COMMENTS_PER_PAGE = 50
MAX_ITEMS_PER_PAGE = 30


def username_param(username: str) -> str:
    name = (username or "").strip().removeprefix("@")
    if not USERNAME_RE.fullmatch(name):
        raise InvalidInput(f"{username!r} is not a TikTok username (letters, digits, _ and ., at most 24)")
    return name


def keywords_param(keywords: str) -> str:
    text = (keywords or "").strip()
    if not text:
        raise InvalidInput("search keywords are empty")
    return text[:200]


def page_size(count: int, most: int = MAX_ITEMS_PER_PAGE) -> int:
    return max(1, min(most, int(count)))


def search_params(keywords: str, cursor: str | int, count: int, **extra: str | int | None) -> dict[str, str]:
    """A search's query: its keywords, page and size, and the `extra` parameters given (not None)."""
    params = {"keywords": keywords_param(keywords), "count": str(page_size(count)), "cursor": str(cursor)}
    return params | {key: str(value) for key, value in extra.items() if value is not None}
