"""parse_video_url: the links people paste are accepted and made canonical; anything else is refused."""

from __future__ import annotations

import pytest

from bot.metrics import parse_video_url
from bot.metrics.urls import find_links, split_links

ID = "7400000000000000001"
CANONICAL = f"https://www.tiktok.com/@maker_jo/video/{ID}"


ID_URL = f"https://m.tiktok.com/v/{ID}.html"
# A link naming the post, and a post known by its id alone: what each text parses to.
AS_VIDEO = ("video", ID, "maker_jo", CANONICAL)
AS_ID = ("id", ID, None, ID_URL)


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        (CANONICAL, AS_VIDEO),
        (f"https://tiktok.com/@maker_jo/video/{ID}", AS_VIDEO),
        (f"https://m.tiktok.com/@maker_jo/video/{ID}", AS_VIDEO),
        (f"http://www.tiktok.com/@maker_jo/video/{ID}", AS_VIDEO),
        (f"www.tiktok.com/@maker_jo/video/{ID}", AS_VIDEO),
        (f"tiktok.com/@maker_jo/video/{ID}/", AS_VIDEO),
        (f"  {CANONICAL}?is_from_webapp=1&sender_device=pc#comments \n", AS_VIDEO),
        (f"<{CANONICAL}>", AS_VIDEO),
        (f"HTTPS://WWW.TIKTOK.COM/@maker_jo/video/{ID}", AS_VIDEO),
        (f"https://www.tiktok.com:443/@maker_jo/video/{ID}", AS_VIDEO),
        (f"//www.tiktok.com/@maker_jo/video/{ID}", AS_VIDEO),
        (ID, AS_ID),
        (f" {ID} ", AS_ID),
        (ID_URL, AS_ID),
        (f"m.tiktok.com/v/{ID}.html?u_code=abc&_r=1", AS_ID),
        (f"<https://m.tiktok.com/v/{ID}>", AS_ID),
    ],
)
def test_full_links_and_bare_ids_become_their_canonical_form(
    text: str, parsed: tuple[str, str, str | None, str]
) -> None:
    ref = parse_video_url(text)
    assert (ref.kind, ref.video_id, ref.username, ref.url) == parsed


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


# Text that is not a TikTok post link, each refused with its reason: one table with the other typed text,
# tests/fuzz/test_parsers.py.


@pytest.mark.parametrize(
    "text",
    [
        "https://www.tiktok.com/t/ZTRabc123/",
        "tiktok.com/t/ZTRabc123",
        "<https://www.tiktok.com/t/ZTRabc123/?k=1>",
    ],
)
def test_the_web_share_link_is_a_short_link(text: str) -> None:
    ref = parse_video_url(text)
    assert ref.is_short and ref.url == "https://www.tiktok.com/t/ZTRabc123/"


def test_links_are_found_in_chat_text_in_order_each_once() -> None:
    text = (
        f"look: {CANONICAL}?lang=en, and <https://vm.tiktok.com/ZMabc123/>!\n"
        f"(also www.tiktok.com/t/ZTRabc123/) {CANONICAL}?lang=en eviltiktok.com/@a/video/1 https://example.com"
    )
    assert find_links(text) == [
        f"{CANONICAL}?lang=en",
        "https://vm.tiktok.com/ZMabc123/",
        "www.tiktok.com/t/ZTRabc123/",
    ]


def test_one_track_splits_on_spaces_and_new_lines() -> None:
    assert split_links(f" {CANONICAL}\n\n{ID}\t vm.tiktok.com/ZMabc123 ") == [
        CANONICAL,
        ID,
        "vm.tiktok.com/ZMabc123",
    ]
