"""What tiktok-scraper7 answers on each of its routes (same JSON shapes), computed from a SimWorld."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web

from bot.sandbox.metrics import comments as sim_comments
from bot.sandbox.metrics.world import SimAccount, SimComment, SimVideo, SimWorld, stable_int

URL_FAILED = "Url parsing is failed! Please check url."
PRIVATE_VIDEO = "This video is private or unavailable."
CDN = "https://cdn.sim.invalid"  # .invalid never resolves: nothing can fetch these by accident

_VIDEO_PATH_RE = re.compile(r"/(?:video|photo|v)/(\d{1,25})")
_USER_IN_URL_RE = re.compile(r"/@([A-Za-z0-9_.]{1,24})/")
_SHORT_RE = re.compile(r"^(?:https?://)?(?:vm|vt)\.tiktok\.com/([A-Za-z0-9]+)/?", re.IGNORECASE)


class Provider:
    """The provider's answers: HTTP 200 with `{"code", "msg", "data"}`; code -1 when it refuses."""

    def __init__(self, world: SimWorld) -> None:
        self.world = world
        self.routes: dict[str, Callable[[Any, datetime], web.Response]] = {
            "/": self.route_video,
            "/comment/list": self.route_comments,
            "/comment/reply": self.route_replies,
            "/user/info": self.route_user_info,
            "/user/posts": self.route_user_posts,
            "/user/search": self.route_user_search,
            "/feed/search": self.route_feed_search,
            "/challenge/search": self.route_challenge_search,
        }

    def answer(self, route: str, q: Any, now: datetime) -> web.Response:
        try:
            return self.routes[route](q, now)
        except ProviderError as err:
            return envelope(-1, str(err), [])

    @staticmethod
    def short_video_id(code: str) -> str:
        """The made-up video an unknown short code stands for (the same every time)."""
        return str(7_200_000_000_000_000_000 + stable_int("short", code) % 10**17)

    def resolve(self, url: str) -> SimVideo:
        """The video a `url` parameter names: a full link, a short link, or a bare id."""
        text = url.strip()
        if text.isdigit():
            return self.world.video(text)
        short = _SHORT_RE.match(text)
        if short:
            code = short.group(1)
            return self.world.video(self.world.short_link(code) or self.short_video_id(code))
        if "tiktok.com/" in text:
            found = _VIDEO_PATH_RE.search(text)
            if found:
                user = _USER_IN_URL_RE.search(text)
                return self.world.video(found.group(1), user.group(1) if user else None)
        raise ProviderError(URL_FAILED)

    def _public_video(self, url: str, now: datetime) -> SimVideo:
        video = self.resolve(url)
        if video.state == "deleted" or video.published_at > now:
            raise ProviderError(URL_FAILED)
        if video.state == "private":
            raise ProviderError(PRIVATE_VIDEO)
        return video

    def _video_json(
        self, video: SimVideo, now: datetime, *, listing: bool, hd: bool = False
    ) -> dict[str, Any]:
        m = video.metrics_at(now)
        account = self.world.account(video.username, implicit=False)
        vid = video.video_id
        body: dict[str, Any] = {
            "region": "US",
            "title": video.title,
            "cover": f"{CDN}/{vid}/cover.jpg",
            "origin_cover": f"{CDN}/{vid}/origin.jpg",
            "duration": video.duration,
            "play": f"{CDN}/{vid}/play.mp4",
            "wmplay": f"{CDN}/{vid}/wm.mp4",
            "size": 1_000_000 + stable_int("size", vid) % 9_000_000,
            "music": f"{CDN}/{vid}/music.mp3",
            "music_info": {
                "id": video.sound.music_id,
                "title": video.sound.title,
                "play": f"{CDN}/music/{video.sound.music_id}.mp3",
                "cover": f"{CDN}/music/{video.sound.music_id}.jpg",
                "author": video.sound.author,
                "original": video.sound.original,
                "duration": video.duration,
                "album": "",
            },
            "play_count": m.views,
            "digg_count": m.likes,
            "comment_count": m.comments,
            "share_count": m.shares,
            "download_count": m.downloads,
            "collect_count": m.saves,
            "create_time": int(video.published_at.timestamp()),
            "is_ad": False,
            "author": {
                "id": account.user_id,
                "unique_id": account.username,
                "nickname": account.nickname,
                "avatar": f"{CDN}/avatar/{account.username}.jpg",
            },
        }
        if listing:
            # List items carry video_id and aweme_id; the detail answer carries id (metrics-api.md §3).
            return {"video_id": vid, "aweme_id": vid, **body}
        if hd:
            body["hdplay"] = f"{CDN}/{vid}/hd.mp4"
        return {"id": vid, **body}

    def route_video(self, q: Any, now: datetime) -> web.Response:
        video = self._public_video(q.get("url", ""), now)
        return envelope(0, "success", self._video_json(video, now, listing=False, hd=q.get("hd") == "1"))

    def route_comments(self, q: Any, now: datetime) -> web.Response:
        video = self._public_video(q.get("url", ""), now)
        count = _bounded(q.get("count"), 20, 50)
        cursor = _bounded(q.get("cursor"), 0, 10**9, low=0)
        listed = sim_comments.listing(video, now)
        end = min(len(listed), cursor + count)
        page = [
            sim_comments.comment_json(
                video, item if isinstance(item, SimComment) else sim_comments.old_comment(video, item), now
            )
            for item in listed[cursor:end]
        ]
        data = {"comments": page, "total": len(listed), "cursor": end, "hasMore": end < len(listed)}
        return envelope(0, "success", data)

    def route_replies(self, q: Any, now: datetime) -> web.Response:
        found = sim_comments.find_comment(self.world, (q.get("comment_id") or "").strip())
        if found is None:
            raise ProviderError("comment not exist")
        video, comment = found
        if video.state != "public" or comment.at > now:
            raise ProviderError("comment not exist")
        replies = sim_comments.replies_json(video, comment, now)
        count = _bounded(q.get("count"), 20, 50)
        cursor = _bounded(q.get("cursor"), 0, 10**9, low=0)
        end = min(len(replies), cursor + count)
        data = {
            "comments": replies[cursor:end],
            "total": len(replies),
            "cursor": end,
            "hasMore": end < len(replies),
        }
        return envelope(0, "success", data)

    def _user_from(self, q: Any) -> SimAccount:
        name = (q.get("unique_id") or "").strip().removeprefix("@")
        if not name:
            user_id = (q.get("user_id") or "").strip()
            found = self.world.account_by_id(user_id)
            if found is None:
                raise ProviderError("user not exist")
            return found
        account = self.world.account(name, implicit=True)
        if not account.exists:
            raise ProviderError("user not exist")
        return account

    def route_user_info(self, q: Any, now: datetime) -> web.Response:
        account = self._user_from(q)
        videos = self.world.visible_videos(account, now)
        hearts = sum(v.metrics_at(now).likes for v in videos) + stable_int("hearts", account.username) % 5000
        # Followers grow slowly with time since the epoch, never shrink.
        days = max(0.0, (now - self.world.epoch).total_seconds() / 86400)
        followers = int(account.followers * (1 + 0.05 * math.log1p(days)))
        user = {
            "id": account.user_id,
            "uniqueId": account.username,
            "nickname": account.nickname,
            "signature": account.signature,
            "avatarThumb": f"{CDN}/avatar/{account.username}_t.jpg",
            "avatarMedium": f"{CDN}/avatar/{account.username}_m.jpg",
            "avatarLarger": f"{CDN}/avatar/{account.username}_l.jpg",
            "verified": account.verified,
            "secUid": f"MS4wLjABAAAA{stable_int('sec', account.username):016x}",
            "privateAccount": account.private,
        }
        stats = {
            "followerCount": followers,
            "followingCount": account.following,
            "heartCount": hearts,
            "heart": hearts,
            "videoCount": len(videos),
            "diggCount": stable_int("digg", account.username) % 10_000,
        }
        return envelope(0, "success", {"user": user, "stats": stats})

    def route_user_posts(self, q: Any, now: datetime) -> web.Response:
        account = self._user_from(q)
        if account.private:
            raise ProviderError("This account is private")
        videos = self.world.visible_videos(account, now)
        count = _bounded(q.get("count"), 30, 30)
        start = _bounded(q.get("cursor"), 0, 10**9, low=0)
        page = videos[start : start + count]
        end = start + len(page)
        data = {
            "videos": [self._video_json(v, now, listing=True) for v in page],
            "cursor": str(end),  # the real API sends a string cursor here
            "hasMore": end < len(videos),
        }
        return envelope(0, "success", data)

    def route_user_search(self, q: Any, now: datetime) -> web.Response:
        keywords = _keywords(q)
        slug = re.sub(r"[^a-z0-9_]", "", keywords.lower().replace(" ", "_"))[:16] or "user"
        total = 25
        start, end, count = _window(q, total)
        users = []
        for i in range(start, end):
            account = self.world.account(f"{slug}_{i}", implicit=False)
            users.append(
                {
                    "user_info": {
                        "uid": account.user_id,
                        "unique_id": account.username,
                        "nickname": account.nickname,
                        "signature": account.signature,
                        "avatar_thumb": f"{CDN}/avatar/{account.username}_t.jpg",
                        "follower_count": account.followers,
                        "following_count": account.following,
                    }
                }
            )
        return envelope(0, "success", {"user_list": users, "cursor": end, "hasMore": end < total})

    def route_feed_search(self, q: Any, now: datetime) -> web.Response:
        keywords = _keywords(q)
        total = 40
        start, end, count = _window(q, total)
        videos = []
        for i in range(start, end):
            vid = str(7_400_000_000_000_000_000 + stable_int("search", keywords.lower(), i) % 10**17)
            if vid.endswith(("403", "404")):
                vid = vid[:-1] + "7"
            if not self.world.knows(vid):
                published = self.world.epoch - timedelta(seconds=stable_int("search-age", vid) % (30 * 86400))
                self.world.add_video(vid, published)
            videos.append(self._video_json(self.world.video(vid), now, listing=True))
        return envelope(0, "success", {"videos": videos, "cursor": end, "hasMore": end < total})

    def route_challenge_search(self, q: Any, now: datetime) -> web.Response:
        keywords = _keywords(q)
        slug = re.sub(r"[^a-z0-9]", "", keywords.lower()) or "tag"
        total = 15
        start, end, count = _window(q, total)
        tags = []
        for i in range(start, end):
            h = stable_int("tag", slug, i)
            tags.append(
                {
                    "id": str(1_000 + h % 10**8),
                    "cha_name": slug
                    if i == 0
                    else f"{slug}{('tips', 'life', 'tok', 'daily', 'hack')[i % 5]}{i}",
                    "desc": f"Videos about {keywords}",
                    "user_count": h % 100_000,
                    "view_count": h % 10**9,
                    "cover": f"{CDN}/tag/{slug}{i}.jpg",
                }
            )
        return envelope(0, "success", {"challenge_list": tags, "cursor": end, "hasMore": end < total})


class ProviderError(Exception):
    """An answer of HTTP 200, code -1 and this message."""


def envelope(code: int, msg: str, data: Any) -> web.Response:
    return web.json_response({"code": code, "msg": msg, "processed_time": 0.1, "data": data})


def _bounded(value: str | None, default: int, most: int, *, low: int = 1) -> int:
    try:
        number = int(value) if value not in (None, "") else default
    except ValueError:
        number = default
    return max(low, min(most, number))


def _keywords(q: Any) -> str:
    keywords = (q.get("keywords") or "").strip()
    if not keywords:
        raise ProviderError("keywords is required")
    return keywords


def _window(q: Any, total: int) -> tuple[int, int, int]:
    count = _bounded(q.get("count"), 10, 30)
    start = _bounded(q.get("cursor"), 0, 10**9, low=0)
    return start, min(total, start + count), count
