"""Short links (vm.tiktok.com/CODE/, vt.tiktok.com/CODE/, www.tiktok.com/t/CODE/) resolved by reading their
redirect: one plain GET to TikTok's web server, never an API call, and never the post's page itself.

`base_url` points the resolver somewhere else for tests and the sandbox (setting TIKTOK_SHORT_LINK_BASE_URL):
a short link's path is then asked of `{base_url}{path}` (the metrics simulator answers `/shortlinks/...`).
"""

from __future__ import annotations

import asyncio
import logging
from urllib.parse import urljoin, urlsplit

import aiohttp

from bot.errors import InvalidTikTokUrl
from bot.metrics.urls import VideoRef, parse_video_url

log = logging.getLogger(__name__)

MAX_REDIRECTS = 5
REDIRECTS = frozenset({301, 302, 303, 307, 308})
# TikTok answers a browser; a bare client gets a redirect to the home page.
_HEADERS = {"User-Agent": "Mozilla/5.0 (compatible; Checkback link resolver)"}


class ShortLinkResolver:
    """Turns a short link into the post link it redirects to."""

    def __init__(self, base_url: str | None = None, *, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/") if base_url else None
        self.timeout = timeout
        self.resolved = 0  # counters, for tests and /metrics
        self.failed = 0

    def _request_url(self, link: str) -> str:
        if self.base_url is None:
            return link
        parts = urlsplit(link)
        return f"{self.base_url}{parts.path}"

    async def resolve(self, ref: VideoRef) -> VideoRef:
        """The post `ref` leads to; `ref` itself when it is no short link. InvalidTikTokUrl when the link
        leads nowhere (no redirect, a redirect off TikTok's posts, too many hops, or no answer)."""
        if not ref.is_short:
            return ref
        link = ref.url
        try:
            found = await asyncio.wait_for(self._follow(link), self.timeout)
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            self.failed += 1
            log.info("short link %s: no answer (%s)", link, type(exc).__name__)
            raise InvalidTikTokUrl(f"the short link {link} could not be opened; try the full link") from None
        if found is None:
            self.failed += 1
            raise InvalidTikTokUrl(f"the short link {link} leads to no TikTok post; try the full link")
        self.resolved += 1
        return found

    async def _follow(self, link: str) -> VideoRef | None:
        current = link
        timeout = aiohttp.ClientTimeout(total=self.timeout)
        async with aiohttp.ClientSession(timeout=timeout, headers=_HEADERS) as session:
            for _ in range(MAX_REDIRECTS):
                async with session.get(self._request_url(current), allow_redirects=False) as response:
                    location = response.headers.get("Location")
                    if response.status not in REDIRECTS or not location:
                        return None
                target = urljoin(current, location)
                try:
                    ref = parse_video_url(target)
                except InvalidTikTokUrl:
                    return None
                if not ref.is_short:
                    return ref
                current = ref.url
        return None
