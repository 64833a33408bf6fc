"""/search users|videos|hashtags through the real bot, the Discord emulator and the metrics simulator."""

from __future__ import annotations

import asyncpg
import pytest

from bot.sandbox.discord.commands import InvalidInvocation
from bot.sandbox.stack import Stack


async def test_search_users_lists_and_stores_them(stack: Stack, clean_db: asyncpg.Pool) -> None:
    w = stack.world
    i = await stack.emulator.invoke(w.member, "search users", channel=w.channel, query="cooking tips")
    final = await i.final(timeout=10)
    assert i.deferred
    embed = final.embeds[0]
    assert embed["title"] == "Search users: cooking tips"
    lines = embed["description"].splitlines()
    names = [
        r["username"] for r in await clean_db.fetch("SELECT username FROM social_media_accounts ORDER BY id")
    ]
    assert len(names) == 10 and all(f"**@{n}**" in embed["description"] for n in names)
    assert lines[0].startswith("1. **@")
    stack.emulator.assert_no_violations()


async def test_search_videos_links_each_and_stores_the_posts(stack: Stack, clean_db: asyncpg.Pool) -> None:
    w = stack.world
    final = await stack.reply(w.member, "search videos", query="diy")
    description = final.embeds[0]["description"]
    urls = [r["post_url"] for r in await clean_db.fetch("SELECT post_url FROM social_media_posts")]
    assert len(urls) == 10 and all(f"]({u})" in description for u in urls)
    stack.emulator.assert_no_violations()


async def test_search_hashtags_stores_them(stack: Stack, clean_db: asyncpg.Pool) -> None:
    w = stack.world
    final = await stack.reply(w.member, "search hashtags", query="food")
    tags = [
        r["hashtag"] for r in await clean_db.fetch("SELECT hashtag FROM social_media_hashtags ORDER BY id")
    ]
    assert tags and tags[0] == "food"
    assert "**#food**" in final.embeds[0]["description"]


async def test_a_blank_query_or_a_failing_api_is_a_clear_error(stack: Stack, clean_db: asyncpg.Pool) -> None:
    w = stack.world
    blank = await stack.reply(w.member, "search users", query="   ")
    assert blank.ephemeral and "give some keywords" in blank.content
    stack.simulator.fail_next(10, kind="error")
    failed = await stack.reply(w.member, "search hashtags", query="food")
    assert "metrics API" in failed.content
    assert await clean_db.fetchval("SELECT count(*) FROM social_media_hashtags") == 0
    with pytest.raises(InvalidInvocation):  # Discord refuses an empty option
        await stack.emulator.invoke(w.member, "search videos", channel=w.channel, query="")
