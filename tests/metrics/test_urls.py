"""parse_video_url: the links people paste are accepted and made canonical; anything else is refused."""

from __future__ import annotations

import pytest

from bot.errors import InvalidTikTokUrl
from bot.metrics import parse_video_url

ID = "7400000000000000001"
CANONICAL = f"https://www.tiktok.com/@maker_jo/video/{ID}"


@pytest.mark.parametrize(
    "text",
    [
        CANONICAL,
        f"https://tiktok.com/@maker_jo/video/{ID}",
        f"https://m.tiktok.com/@maker_jo/video/{ID}",
        f"http://www.tiktok.com/@maker_jo/video/{ID}",
        f"www.tiktok.com/@maker_jo/video/{ID}",
        f"tiktok.com/@maker_jo/video/{ID}/",
        f"  {CANONICAL}?is_from_webapp=1&sender_device=pc#comments \n",
        f"<{CANONICAL}>",
        f"HTTPS://WWW.TIKTOK.COM/@maker_jo/video/{ID}",
        f"https://www.tiktok.com:443/@maker_jo/video/{ID}",
        f"//www.tiktok.com/@maker_jo/video/{ID}",
    ],
)
def test_full_links_become_the_canonical_form(text: str) -> None:
    ref = parse_video_url(text)
    assert ref.url == CANONICAL
    assert (ref.video_id, ref.username, ref.kind) == (ID, "maker_jo", "video")


def test_photo_posts_are_accepted_under_the_video_form() -> None:
    ref = parse_video_url(f"https://www.tiktok.com/@a.b_c/photo/{ID}?lang=en")
    assert ref.kind == "photo"
    assert ref.url == f"https://www.tiktok.com/@a.b_c/video/{ID}"


@pytest.mark.parametrize(
    ("text", "url"),
    [
        ("https://vm.tiktok.com/ZMabc123/", "https://vm.tiktok.com/ZMabc123/"),
        ("vm.tiktok.com/ZMabc123", "https://vm.tiktok.com/ZMabc123/"),
        ("http://vt.tiktok.com/ZSx1y2z3/?k=1", "https://vt.tiktok.com/ZSx1y2z3/"),
    ],
)
def test_short_links_are_kept_for_the_api_to_resolve(text: str, url: str) -> None:
    ref = parse_video_url(text)
    assert ref.is_short
    assert ref.url == url
    assert ref.video_id is None


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "empty"),
        ("   ", "empty"),
        (f"https://example.com/@maker_jo/video/{ID}", "not on tiktok.com"),
        (f"https://tiktok.com.evil.com/@maker_jo/video/{ID}", "not on tiktok.com"),
        (f"https://eviltiktok.com/@maker_jo/video/{ID}", "not on tiktok.com"),
        (f"https://www.tiktok.com@evil.com/@maker_jo/video/{ID}", "plain tiktok.com"),
        (f"https://www.tiktok.com:8080/@maker_jo/video/{ID}", "plain tiktok.com"),
        ("javascript:alert(document.cookie)", "not a web link"),
        (f"ftp://www.tiktok.com/@maker_jo/video/{ID}", "not a web link"),
        ("https://www.tiktok.com/@maker_jo", "one TikTok post"),
        ("https://www.tiktok.com/@maker_jo/video/12ab", "one TikTok post"),
        ("https://www.tiktok.com/tag/arduino", "one TikTok post"),
        ("https://vm.tiktok.com/", "short link"),
        (f"look at {CANONICAL}", "single link"),
        (ID, "not on tiktok.com"),
    ],
)
def test_everything_else_is_refused_with_a_clear_message(text: str, says: str) -> None:
    with pytest.raises(InvalidTikTokUrl) as caught:
        parse_video_url(text)
    assert says in str(caught.value)
    assert caught.value.user_message.startswith("That is not a TikTok video link")
