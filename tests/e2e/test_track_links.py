"""/track takes links as people paste them (every form TikTok's apps and site produce, several at once), and
the "Track TikTok links" message context menu tracks a chat message's links: through the real bot, the
Discord emulator and the simulator (which answers short links with their redirect)."""

from __future__ import annotations

import asyncpg
import pytest

from bot.sandbox.discord.commands import InvalidInvocation
from bot.sandbox.stack import Stack

USER = "demo"


def _id(n: int) -> str:
    return str(7_301_234_567_890_000_000 + n)


# Each form, with the video id it must be tracked under.
FORMS = [
    (f"https://www.tiktok.com/@{USER}/video/{_id(1)}", _id(1)),
    (f"https://tiktok.com/@{USER}/video/{_id(2)}", _id(2)),
    (f"https://m.tiktok.com/@{USER}/video/{_id(3)}", _id(3)),
    (f"https://m.tiktok.com/v/{_id(4)}.html", _id(4)),
    (f"https://www.tiktok.com/@{USER}/photo/{_id(5)}", _id(5)),
    (f"https://www.tiktok.com/@{USER}/video/{_id(6)}?is_from_webapp=1&sender_device=pc&web_id=75", _id(6)),
    (f"<https://www.tiktok.com/@{USER}/video/{_id(7)}>", _id(7)),
    (_id(8), _id(8)),
    ("https://vm.tiktok.com/ZMvm1234/", _id(9)),
    ("https://vt.tiktok.com/ZSvt5678/", _id(10)),
    ("https://www.tiktok.com/t/ZTweb9012/", _id(11)),
]


def _short_links(stack: Stack) -> None:
    sim = stack.simulator
    for code, n in (("ZMvm1234", 9), ("ZSvt5678", 10), ("ZTweb9012", 11)):
        sim.add_video(_id(n), username=USER)
        sim.add_short_link(code, _id(n))


@pytest.mark.parametrize(("link", "video_id"), FORMS, ids=[f"form{n}" for n in range(len(FORMS))])
async def test_every_link_form_is_tracked_under_its_video(
    stack: Stack, clean_db: asyncpg.Pool, link: str, video_id: str
) -> None:
    _short_links(stack)
    w = stack.world
    api_before = stack.simulator.calls
    final = await (await stack.emulator.invoke(w.member, "track", channel=w.channel, url=link)).final(
        timeout=10
    )
    assert not final.ephemeral, final.content
    assert video_id in final.embeds[0]["title"]
    row = await clean_db.fetchrow("SELECT external_post_id, post_url FROM social_media_posts")
    assert row["external_post_id"] == video_id
    assert row["post_url"].startswith("https://www.tiktok.com/@")  # stored canonical, whatever the form
    assert row["post_url"].endswith(f"/video/{video_id}")
    assert stack.simulator.calls - api_before == 1  # a short link's redirect is no API call
    stack.emulator.assert_no_violations()


async def test_short_links_are_resolved_by_their_redirect_not_by_the_api(stack: Stack) -> None:
    _short_links(stack)
    w = stack.world
    hits = stack.simulator.short_link_hits
    await (
        await stack.emulator.invoke(w.member, "track", channel=w.channel, url="vm.tiktok.com/ZMvm1234")
    ).final(timeout=10)
    assert stack.simulator.short_link_hits == hits + 1
    assert all("vm.tiktok.com" not in r for r in stack.simulator.calls_by_route)


async def test_an_unresolvable_short_link_is_one_clear_error(stack: Stack, clean_db: asyncpg.Pool) -> None:
    w = stack.world
    api_before = stack.simulator.calls
    final = await (
        await stack.emulator.invoke(
            w.member, "track", channel=w.channel, url="https://vm.tiktok.com/ZMgone404/"
        )
    ).final(timeout=10)
    # Resolving it takes a request, so it happens after the deferral, like the API's own errors.
    assert "That is not a TikTok video link: the short link https://vm.tiktok.com/ZMgone404/ leads to no" in (
        final.content
    )
    assert stack.simulator.calls == api_before
    assert await clean_db.fetchval("SELECT count(*) FROM social_media_posts") == 0


async def test_one_track_with_several_links_answers_one_line_each(
    stack: Stack, clean_db: asyncpg.Pool
) -> None:
    _short_links(stack)
    w = stack.world
    first = FORMS[0][0]
    await (await stack.emulator.invoke(w.member, "track", channel=w.channel, url=first)).final(timeout=10)
    text = (
        "\n".join(
            [
                first,
                f"https://m.tiktok.com/v/{_id(4)}.html",
                "https://www.tiktok.com/t/ZTweb9012/",
                "https://example.com/x",
            ]
        )
        + f"  {_id(8)}"
    )
    final = await (await stack.emulator.invoke(w.member, "track", channel=w.channel, url=text)).final(
        timeout=10
    )
    embed = final.embeds[0]
    lines = embed["description"].splitlines()
    assert len(lines) == 5
    assert "already tracked" in lines[0]
    assert "— tracked: #" in lines[1] and "— tracked: #" in lines[2] and "— tracked: #" in lines[4]
    assert "error:" in lines[3] and "not on tiktok.com" in lines[3]
    assert embed["title"] == "5 links: 3 tracked, 1 failed"
    ids = {
        r["external_post_id"] for r in await clean_db.fetch("SELECT external_post_id FROM social_media_posts")
    }
    assert ids == {_id(1), _id(4), _id(11), _id(8)}


async def test_three_forms_in_one_track_are_all_tracked(stack: Stack, clean_db: asyncpg.Pool) -> None:
    _short_links(stack)
    w = stack.world
    text = f"{FORMS[1][0]} vm.tiktok.com/ZMvm1234 {_id(8)}"
    final = await (await stack.emulator.invoke(w.member, "track", channel=w.channel, url=text)).final(
        timeout=10
    )
    assert final.embeds[0]["title"] == "3 links: 3 tracked, 0 failed"
    assert await clean_db.fetchval("SELECT count(*) FROM social_media_posts") == 3


async def test_more_than_ten_links_is_refused_before_anything(stack: Stack, clean_db: asyncpg.Pool) -> None:
    w = stack.world
    text = " ".join(_id(n) for n in range(20, 31))
    final = await (await stack.emulator.invoke(w.member, "track", channel=w.channel, url=text)).final(
        timeout=10
    )
    assert final.ephemeral and "up to 10 links" in final.content
    assert await clean_db.fetchval("SELECT count(*) FROM social_media_posts") == 0


async def test_the_context_menu_tracks_every_link_of_a_message(stack: Stack, clean_db: asyncpg.Pool) -> None:
    _short_links(stack)
    w = stack.world
    menus = [c for c in stack.emulator.visible_commands(w.guild) if c.get("type") == 3]
    assert [c["name"] for c in menus] == ["Track TikTok links"]
    message = stack.emulator.post_as(
        w.admin,
        f"new ones! https://www.tiktok.com/@{USER}/video/{_id(1)}?lang=en and <https://vm.tiktok.com/ZMvm1234/>,"
        f" also m.tiktok.com/v/{_id(4)}.html (not https://example.com/@a/video/1)",
        w.channel,
    )
    i = await stack.emulator.invoke_message_menu(w.member, "Track TikTok links", message)
    assert (await i.response()).type == 5
    final = await i.final(timeout=10)
    embed = final.embeds[0]
    assert embed["title"] == "3 links: 3 tracked, 0 failed"
    assert len(embed["description"].splitlines()) == 3
    ids = {
        r["external_post_id"] for r in await clean_db.fetch("SELECT external_post_id FROM social_media_posts")
    }
    assert ids == {_id(1), _id(9), _id(4)}
    stack.emulator.assert_no_violations()


async def test_the_context_menu_on_a_message_without_links_is_an_ephemeral_error(stack: Stack) -> None:
    w = stack.world
    message = stack.emulator.post_as(w.admin, "no links here, just https://example.com", w.channel)
    final = await (await stack.emulator.invoke_message_menu(w.member, "Track TikTok links", message)).final(
        timeout=10
    )
    assert final.ephemeral and "no TikTok link" in final.content


async def test_the_emulator_refuses_an_unknown_context_menu(stack: Stack) -> None:
    w = stack.world
    message = stack.emulator.post_as(w.admin, "hi", w.channel)
    with pytest.raises(InvalidInvocation, match="never registered a context menu"):
        await stack.emulator.invoke_message_menu(w.member, "Nope", message)
