"""/config timezone through the real bot and the Discord emulator: stored, shown, validated, admins only."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import asyncpg

from bot.sandbox.stack import Stack


async def stored_zone(pool: asyncpg.Pool, guild_id: int) -> str | None:
    return await pool.fetchval("SELECT zone FROM guild_timezones WHERE guild_id = $1", guild_id)


def shown_zone(message) -> str:
    return {f["name"]: f["value"] for f in message.embeds[0]["fields"]}["Time zone"]


async def test_a_server_is_on_utc_until_an_admin_sets_a_zone(stack: Stack, clean_db: asyncpg.Pool) -> None:
    w = stack.world
    assert shown_zone(await stack.reply(w.admin, "config show")) == "UTC"
    assert await stack.bot.services.guild_config.zone(w.guild.id) == ZoneInfo("UTC")
    # Any case is accepted and stored under its canonical name.
    final = await stack.reply(w.admin, "config timezone", zone="europe/berlin")
    assert not final.ephemeral and "**Europe/Berlin**" in final.content
    assert await stored_zone(clean_db, w.guild.id) == "Europe/Berlin"
    assert shown_zone(await stack.reply(w.admin, "config show")) == "Europe/Berlin"
    assert await stack.bot.services.guild_config.zone(w.guild.id) == ZoneInfo("Europe/Berlin")
    stack.emulator.assert_no_violations()


async def test_a_zone_that_does_not_exist_changes_nothing(stack: Stack, clean_db: asyncpg.Pool) -> None:
    w = stack.world
    await stack.reply(w.admin, "config timezone", zone="Asia/Tokyo")
    for bad in ("Mars/Olympus_Mons", "../../etc/passwd", "GMT+25", "Berlin"):
        final = await stack.reply(w.admin, "config timezone", zone=bad)
        assert final.ephemeral and "is not a time zone" in final.content, (bad, final.content)
        assert "Traceback" not in final.content
    assert await stored_zone(clean_db, w.guild.id) == "Asia/Tokyo"
    stack.emulator.assert_no_violations()


async def test_members_may_not_set_the_zone(stack: Stack, clean_db: asyncpg.Pool) -> None:
    w = stack.world
    w.guild.allow_command("config")  # shown to everyone by the guild; refused by the bot all the same
    final = await (
        await stack.emulator.invoke(w.member, "config timezone", channel=w.channel, zone="Europe/Paris")
    ).final()
    assert final.ephemeral and "Only admins" in final.content
    assert await stored_zone(clean_db, w.guild.id) is None


async def test_autocomplete_offers_common_zones_then_matches(stack: Stack) -> None:
    w = stack.world
    first = await stack.emulator.autocomplete(w.admin, "config timezone", focused="zone", value="")
    names = [c["name"] for c in first]
    assert names[0] == "UTC" and "America/New_York" in names and len(names) <= 25
    berlin = await stack.emulator.autocomplete(w.admin, "config timezone", focused="zone", value="berl")
    assert [c["value"] for c in berlin] == ["Europe/Berlin"]
    america = await stack.emulator.autocomplete(w.admin, "config timezone", focused="zone", value="america/")
    assert len(america) == 25 and all(c["value"].startswith("America/") for c in america)
