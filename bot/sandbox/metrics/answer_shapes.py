"""The answer shapes the metrics simulator can inject per request, as real scrapers give them.

Each shape is either a whole answer (`whole(shape)`) or a change to the real answer's `data`
(`mutate(shape, data)`), so "a count of 12.3M for this video" keeps every other field true. The evidence
each is taken for is in bot/metrics/evidence.py; tests/metrics/test_evidence.py goes through all of them.
"""

from __future__ import annotations

import copy
from typing import Any, Literal

from aiohttp import web

Shape = Literal[
    # whole answers
    "vague",  # code -1 "Something went wrong, please try again later"
    "parse_failed",  # code -1 "parse failed" (the provider failed to parse a page that exists)
    "url_failed",  # code -1 "Url parsing is failed! Please check url."
    "no_msg",  # code -1 without a msg
    "null",  # code 0, data null
    "no_data",  # code 0 without a data key
    "deleted",  # code -1 whose wording says the video is deleted
    "private",  # code -1 whose wording says the video is private
    "not_json",  # HTTP 200 with an HTML page
    "gateway_404",  # HTTP 404 from the gateway
    # changes to the real answer
    "count_text",  # play_count "12.3M"
    "count_huge",  # digg_count 1e30
    "count_negative",  # comment_count -5
    "no_counts",  # the video without any of its counts
]
SHAPES: tuple[Shape, ...] = (
    "vague",
    "parse_failed",
    "url_failed",
    "no_msg",
    "null",
    "no_data",
    "deleted",
    "private",
    "not_json",
    "gateway_404",
    "count_text",
    "count_huge",
    "count_negative",
    "no_counts",
)

SOMETHING_WRONG = "Something went wrong, please try again later"
DELETED_VIDEO = "Video has been deleted or does not exist."
PRIVATE_VIDEO = "This video is private or unavailable."

_WHOLE: dict[str, tuple[int, Any]] = {
    "vague": (200, {"code": -1, "msg": SOMETHING_WRONG, "processed_time": 0.1, "data": []}),
    "parse_failed": (200, {"code": -1, "msg": "parse failed", "processed_time": 0.1}),
    "url_failed": (200, {"code": -1, "msg": "Url parsing is failed! Please check url.", "data": []}),
    "no_msg": (200, {"code": -1}),
    "null": (200, {"code": 0, "msg": "success", "processed_time": 0.1, "data": None}),
    "no_data": (200, {"code": 0, "msg": "success", "processed_time": 0.1}),
    "deleted": (200, {"code": -1, "msg": DELETED_VIDEO, "processed_time": 0.1, "data": []}),
    "private": (200, {"code": -1, "msg": PRIVATE_VIDEO, "processed_time": 0.1, "data": []}),
    "gateway_404": (404, {"message": "Endpoint '/' does not exist"}),
}
_COUNTS = ("play_count", "digg_count", "comment_count", "share_count", "collect_count", "download_count")


def is_shape(kind: object) -> bool:
    return isinstance(kind, str) and kind in SHAPES


def whole(shape: str) -> web.Response | None:
    """The answer for a whole-answer shape; None for a shape that changes the real answer."""
    if shape == "not_json":
        return web.Response(text="<html><body>502 Bad Gateway</body></html>", content_type="text/html")
    if shape in _WHOLE:
        status, body = _WHOLE[shape]
        return web.json_response(body, status=status)
    return None


def mutate(shape: str, body: dict[str, Any]) -> dict[str, Any]:
    """The real answer's envelope with its data changed as `shape` says."""
    out = copy.deepcopy(body)
    data = out.get("data")
    if not isinstance(data, dict):
        return out
    if shape == "count_text":
        data["play_count"] = "12.3M"
    elif shape == "count_huge":
        data["digg_count"] = 1e30
    elif shape == "count_negative":
        data["comment_count"] = -5
    elif shape == "no_counts":
        for key in _COUNTS:
            data.pop(key, None)
    return out
