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
_SCHEME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")

EXAMPLE = "https://www.tiktok.com/@user/video/1234567890123456789"


@dataclass(frozen=True, slots=True)
class VideoRef:
    """A parsed TikTok post link.

    `url` is what we store and send to the API: the canonical `https://www.tiktok.com/@user/video/ID` for
    full links, or the short link itself (the API resolves it; we never fetch it).
    """

    url: str
    kind: Literal["video", "photo", "short"]
    video_id: str | None = None
    username: str | None = None

    @property
    def is_short(self) -> bool:
        return self.kind == "short"


def canonical_url(username: str, video_id: str) -> str:
    # Photo posts get the /video/ form too: TikTok serves both ids under it, and one form keeps ids unique.
    return f"https://{CANONICAL_HOST}/@{username}/video/{video_id}"


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


def _looks_like_host_port(candidate: str) -> bool:
    # "tiktok.com:443/@u/video/1" parses as scheme "tiktok.com"; a dot before the colon means a host.
    head = candidate.split(":", 1)[0]
    return "." in head and "/" not in head


def _shown(text: str, limit: int = 80) -> str:
    """The user's text, quoted and cut short, for an error line."""
    cut = text if len(text) <= limit else text[: limit - 1] + "…"
    return repr(cut)
