"""The metrics API (RapidAPI tiktok-scraper7): client, models, link parsing, pacing and the call log."""

from bot.metrics.call_log import UsageRecorder
from bot.metrics.client import MetricsClient
from bot.metrics.models import Author, Comment, Hashtag, Page, UserInfo, UserSummary, Video
from bot.metrics.pacing import TokenBucket
from bot.metrics.urls import VideoRef, canonical_url, parse_video_url

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
