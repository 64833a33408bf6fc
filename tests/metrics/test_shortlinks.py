"""ShortLinkResolver: a short link becomes the post its redirect names, with no API call; otherwise one clear
InvalidTikTokUrl."""

from __future__ import annotations

import socket

import pytest

from bot.errors import InvalidTikTokUrl
from bot.metrics.shortlinks import ShortLinkResolver
from bot.metrics.urls import parse_video_url
from bot.sandbox.metrics import MetricsSimulator

VID = "7400000000000000777"


@pytest.mark.parametrize("link", ["https://vm.tiktok.com/ZMabc123/", "https://www.tiktok.com/t/ZMabc123/"])
async def test_a_short_link_resolves_to_its_post_without_an_api_call(
    sim: MetricsSimulator, link: str
) -> None:
    sim.add_video(VID, username="maker_jo")
    sim.add_short_link("ZMabc123", VID)
    resolver = ShortLinkResolver(f"{sim.base_url}/shortlinks", timeout=5)
    ref = await resolver.resolve(parse_video_url(link))
    assert (ref.kind, ref.video_id, ref.username) == ("video", VID, "maker_jo")
    assert ref.url == f"https://www.tiktok.com/@maker_jo/video/{VID}"
    assert sim.calls == 0 and sim.short_link_hits == 1 and resolver.resolved == 1


async def test_a_full_link_is_left_alone(sim: MetricsSimulator) -> None:
    ref = parse_video_url(f"https://www.tiktok.com/@a/video/{VID}")
    assert await ShortLinkResolver(f"{sim.base_url}/shortlinks").resolve(ref) is ref
    assert sim.short_link_hits == 0


async def test_a_link_to_the_home_page_is_a_clear_error(sim: MetricsSimulator) -> None:
    resolver = ShortLinkResolver(f"{sim.base_url}/shortlinks", timeout=5)
    with pytest.raises(InvalidTikTokUrl, match="leads to no TikTok post"):
        await resolver.resolve(parse_video_url("vt.tiktok.com/ZSnone404"))
    assert resolver.failed == 1


async def test_no_answer_is_a_clear_error() -> None:
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    resolver = ShortLinkResolver(f"http://127.0.0.1:{port}/shortlinks", timeout=5)
    with pytest.raises(InvalidTikTokUrl, match="could not be opened"):
        await resolver.resolve(parse_video_url("vm.tiktok.com/ZMabc123"))
