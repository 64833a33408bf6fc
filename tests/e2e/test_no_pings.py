"""No stray pings (issue 15): the bot's default allowed_mentions pings nobody, so @everyone, @here, a role
and a user mention typed into every text option of every command come back in replies that ping no one.
The emulator decides who a message pings from its content and allowed_mentions, as Discord does."""

from __future__ import annotations

from typing import Any

import pytest

from bot.sandbox.discord.mentions import pings
from bot.sandbox.stack import Stack


def leaves(command: dict[str, Any], path: str = "") -> list[tuple[str, list[dict[str, Any]]]]:
    """(command path, options) of every invocable command under `command`."""
    name = f"{path} {command['name']}".strip()
    subs = [o for o in command.get("options") or [] if o["type"] in (1, 2)]
    if not subs:
        return [(name, list(command.get("options") or []))]
    return [leaf for sub in subs for leaf in leaves(sub, name)]


def test_the_emulator_sees_the_pings_of_a_message_without_allowed_mentions() -> None:
    text = "Template **@everyone** removed, <@&42> and <@7> too, @here"
    loud = pings(text, None)
    assert loud.everyone and loud.roles == {42} and loud.users == {7}
    assert not pings(text, {"parse": []})
    assert pings(text, {"parse": [], "roles": ["42"]}).roles == {42}
    assert pings(text, {"parse": ["everyone"]}).everyone
    assert not pings("", None) and not pings("no mentions", None)


async def test_hostile_text_in_every_text_option_pings_nobody(stack: Stack) -> None:
    w, emu = stack.world, stack.emulator
    role = w.guild.add_role("everyone-ish")
    hostile = f"@everyone @here {role.mention} {w.member.mention}"
    tried = []
    for command in emu.visible_commands(w.guild):
        for path, options in leaves(command):
            values: dict[str, Any] = {}
            for option in options:
                kind = option["type"]
                if option.get("choices"):
                    values[option["name"]] = option["choices"][0]["value"]
                elif kind == 3:
                    # The loudest text the option takes: all of it, or @everyone with what fits.
                    values[option["name"]] = hostile[: option.get("max_length", len(hostile))]
                elif not option.get("required"):
                    continue
                elif kind == 4:
                    values[option["name"]] = 1
                elif kind == 5:
                    values[option["name"]] = False
                elif kind == 7:
                    values[option["name"]] = w.channel
                elif kind == 8:
                    values[option["name"]] = role
                else:
                    pytest.fail(f"/{path}: no value for option type {kind}")
            if not any(o["type"] == 3 for o in options):
                continue
            interaction = await emu.invoke(w.admin, path, channel=w.channel, options=values)
            await interaction.final(timeout=15)
            tried.append(path)
    assert {"templates add", "templates remove", "limits set", "search users", "conversation"} <= set(tried)
    loud = emu.pinging_messages()
    assert not loud, [(m.content, [p.describe() for p in m.ever_pinged]) for m in loud]
