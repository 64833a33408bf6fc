"""TikTok video links: what we accept from users, and the one canonical form we store and send."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from bot.errors import InvalidTikTokUrl

CANONICAL_HOST = "www.tiktok.com"
# Exact host names only: a suffix or prefix match would let "tiktok.com.evil.com" or "eviltiktok.com" through.
FULL_HOSTS = frozenset({"tiktok.com", "www.tiktok.com", "m.tiktok.com"})
SHORT_HOSTS = frozenset({"vm.tiktok.com", "vt.tiktok.com"})

# TikTok usernames: letters, digits, underscore and dot, at most 24 characters.
USERNAME_RE = re.compile(r"[A-Za-z0-9_.]{1,24}")
_POST_PATH_RE = re.compile(r"/@(?P<user>[A-Za-z0-9_.]{1,24})/(?P<kind>video|photo)/(?P<id>\d{1,25})/?")
_SHORT_CODE_RE = re.compile(r"[A-Za-z0-9]{4,32}")
# The mobile site's old form, still produced by some apps: m.tiktok.com/v/ID.html.
_MOBILE_PATH_RE = re.compile(r"/v/(?P<id>\d{1,25})(?:\.html)?/?")
# The web share link: www.tiktok.com/t/CODE/ (a redirect, like vm.tiktok.com/CODE/).
_WEB_SHORT_PATH_RE = re.compile(r"/t/(?P<code>[A-Za-z0-9]{4,32})/?")
BARE_ID_RE = re.compile(r"\d{10,25}")
_SCHEME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")

EXAMPLE = "https://www.tiktok.com/@user/video/1234567890123456789"


@dataclass(frozen=True, slots=True)
class VideoRef:
    """A parsed TikTok post link.

    `url` is what we store and send to the API: the canonical `https://www.tiktok.com/@user/video/ID` for
    full links; `https://m.tiktok.com/v/ID.html` for a post known by its id alone (kind "id": a bare id or
    that mobile form; the API's answer names the author); or the short link itself (kind "short":
    vm./vt.tiktok.com/CODE/ or www.tiktok.com/t/CODE/, which bot/metrics/shortlinks.py resolves by
    following its redirect).
    """

    url: str
    kind: Literal["video", "photo", "id", "short"]
    video_id: str | None = None
    username: str | None = None

    @property
    def is_short(self) -> bool:
        return self.kind == "short"


def canonical_url(username: str, video_id: str) -> str:
    # Photo posts get the /video/ form too: TikTok serves both ids under it, and one form keeps ids unique.
    return f"https://{CANONICAL_HOST}/@{username}/video/{video_id}"


def id_url(video_id: str) -> str:
    """The link for a post known by its id alone (TikTok redirects it to the post)."""
    return f"https://m.tiktok.com/v/{video_id}.html"


def parse_video_url(text: str) -> VideoRef:
    """Parse a TikTok post link typed by a person; anything else is InvalidTikTokUrl, before any API call."""
    if not isinstance(text, str) or not text.strip():
        raise InvalidTikTokUrl(f"the link is empty; paste one like {EXAMPLE}")
    candidate = text.strip()
    # Discord users wrap links in <...> to suppress the embed.
    if candidate.startswith("<") and candidate.endswith(">"):
        candidate = candidate[1:-1].strip()
    shown = _shown(candidate)
    if any(ch.isspace() for ch in candidate):
        raise InvalidTikTokUrl(f"{shown} is not a single link; paste one like {EXAMPLE}")
    if BARE_ID_RE.fullmatch(candidate):
        return VideoRef(url=id_url(candidate), kind="id", video_id=candidate)

    if candidate.startswith("//"):
        candidate = "https:" + candidate
    elif not _SCHEME_RE.match(candidate) or _looks_like_host_port(candidate):
        candidate = "https://" + candidate

    try:
        parts = urlsplit(candidate)
        port = parts.port
    except ValueError:
        raise InvalidTikTokUrl(f"{shown} is not a valid link") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise InvalidTikTokUrl(f"{shown} is not a web link (http or https); paste one like {EXAMPLE}")
    host = (parts.hostname or "").lower().rstrip(".")
    if parts.username is not None or parts.password is not None or port not in (None, 80, 443):
        raise InvalidTikTokUrl(f"{shown} is not a plain tiktok.com link")

    if host in FULL_HOSTS:
        match = _POST_PATH_RE.fullmatch(parts.path)
        mobile = _MOBILE_PATH_RE.fullmatch(parts.path)
        web_short = _WEB_SHORT_PATH_RE.fullmatch(parts.path)
        if mobile is not None:
            return VideoRef(url=id_url(mobile["id"]), kind="id", video_id=mobile["id"])
        if web_short is not None:
            return VideoRef(url=f"https://{CANONICAL_HOST}/t/{web_short['code']}/", kind="short")
        if match is None:
            raise InvalidTikTokUrl(f"{shown} is not a link to one TikTok post; expected {EXAMPLE}")
        user, kind, video_id = match["user"], match["kind"], match["id"]
        return VideoRef(url=canonical_url(user, video_id), kind=kind, video_id=video_id, username=user)  # type: ignore[arg-type]

    if host in SHORT_HOSTS:
        code = parts.path.strip("/")
        if not _SHORT_CODE_RE.fullmatch(code):
            raise InvalidTikTokUrl(
                f"{shown} is not a complete TikTok short link (like https://vm.tiktok.com/ZM1234abc/)"
            )
        return VideoRef(url=f"https://{host}/{code}/", kind="short")

    if not host:
        raise InvalidTikTokUrl(f"{shown} has no web address; paste one like {EXAMPLE}")
    raise InvalidTikTokUrl(
        f"{shown} is not on tiktok.com (host {_shown(host, 60)}); paste one like {EXAMPLE}"
    )


# A TikTok link inside chat text: any http(s) URL, or a bare tiktok host, up to whitespace or ">".
_LINK_IN_TEXT_RE = re.compile(
    r"(?<![A-Za-z0-9.@/-])(?:https?://)?(?:[A-Za-z0-9-]+\.)*tiktok\.com(?::\d+)?/[^\s<>]*", re.IGNORECASE
)


def find_links(text: str) -> list[str]:
    """The TikTok links in a chat message, in order, each once (for the "Track TikTok links" menu)."""
    seen: list[str] = []
    for match in _LINK_IN_TEXT_RE.finditer(text or ""):
        link = match.group(0).rstrip(".,;:!?)]}'\"")
        if link not in seen:
            seen.append(link)
    return seen


def split_links(text: str) -> list[str]:
    """What one /track was given: links (or ids) separated by spaces or new lines."""
    return [part for part in (text or "").split() if part]


def _looks_like_host_port(candidate: str) -> bool:
    # "tiktok.com:443/@u/video/1" parses as scheme "tiktok.com"; a dot before the colon means a host.
    head = candidate.split(":", 1)[0]
    return "." in head and "/" not in head


def _shown(text: str, limit: int = 80) -> str:
    """The user's text, quoted and cut short, for an error line."""
    cut = text if len(text) <= limit else text[: limit - 1] + "…"
    return repr(cut)
