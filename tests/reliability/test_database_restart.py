"""Postgres restarted under the running bot: a "try again" reply meanwhile, then business as usual."""

from __future__ import annotations

from tests.conftest import MakeStack
from tests.private_postgres import PrivatePostgres

VIDEO = "https://www.tiktok.com/@demo/video/7301234567890123456"


async def test_a_command_during_a_postgres_restart_gets_try_again_and_the_next_one_works(
    make_stack: MakeStack, private_pg: PrivatePostgres
) -> None:
    stack = await make_stack(dsn=private_pg.dsn)
    emu, w = stack.emulator, stack.world
    before = await (await emu.invoke(w.member, "tracked", channel=w.channel)).final(timeout=15)
    assert before.embeds[0]["title"].startswith("Tracked posts")

    await private_pg.astop()
    for command, options in (("tracked", {}), ("track", {"url": VIDEO})):
        interaction = await emu.invoke(w.member, command, channel=w.channel, **options)
        during = await interaction.final(timeout=30)
        # Ephemeral even after /track's public deferral (issue 15): the placeholder is deleted first.
        assert during.ephemeral, command
        assert "database is not reachable right now" in during.content
        assert "try again in a moment" in during.content
        assert "Reference" not in during.content  # an outage is not a bug report

    await private_pg.astart()
    # The same bot, no restart: its pool opens new connections on the next command.
    tracked = await (await emu.invoke(w.member, "track", channel=w.channel, url=VIDEO)).final(timeout=30)
    assert "@demo" in tracked.embeds[0]["title"]
    listed = await (await emu.invoke(w.member, "tracked", channel=w.channel)).final(timeout=15)
    assert "@demo" in listed.embeds[0]["description"]
    emu.assert_no_violations()
