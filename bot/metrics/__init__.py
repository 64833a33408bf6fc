"""The metrics API (RapidAPI tiktok-scraper7): client, models, link parsing and usage recording."""

from bot.metrics.client import MetricsClient
from bot.metrics.limits import TokenBucket
from bot.metrics.models import Author, Comment, Hashtag, Page, UserInfo, UserSummary, Video
from bot.metrics.urls import VideoRef, canonical_url, parse_video_url
from bot.metrics.usage import UsageRecorder

__all__ = [
    "Author",
    "Comment",
    "Hashtag",
    "MetricsClient",
    "Page",
    "TokenBucket",
    "UsageRecorder",
    "UserInfo",
    "UserSummary",
    "Video",
    "VideoRef",
    "canonical_url",
    "parse_video_url",
]
