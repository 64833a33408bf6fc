"""Every option of every slash command, fuzzed through the Discord emulator against the real bot.

Values come from each command's synced schema (strings with unicode, markdown, mentions and at the length
limit; integers at their bounds; the guild's channels, members and roles), so every invocation is one a
Discord client could send; a form (modal) a command opens is filled in the same way from its fields.
Whatever the values, the bot must answer, never with the unexpected-error reference, without anything
Discord would refuse, and a command refused with an error writes no row.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import pytest
from discord import app_commands
from discord.ext import commands
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

import cogs
from bot.clock import ManualClock
from bot.discord.endpoints import restore_discord_endpoints
from bot.sandbox.discord import Guild, InvalidInvocation, Member
from bot.sandbox.discord.commands import (
    BOOLEAN,
    CHANNEL,
    INTEGER,
    MAX_SAFE_INTEGER,
    MENTIONABLE,
    NUMBER,
    ROLE,
    STRING,
    SUB_COMMAND,
    SUB_COMMAND_GROUP,
    USER,
)
from bot.sandbox.stack import Stack
from tests.conftest import BOT_START, truncate_data

START = BOT_START
# Written by a refused command legitimately: the API calls it made before the refusal, and their count.
NOT_COMPARED = {"api_usage_tracking", "metrics_budget_months", "metrics_rate_slots", "schema_migrations"}
TRICKY = [
    "@everyone",
    "@here",
    "<@123456789012345678>",
    "<@&1>",
    "<#1>",
    "**bold** __under__ ~~gone~~ `code` ```py\nblock```",
    "> quote\n# heading\n- item",
    "https://www.tiktok.com/@demo/video/7301234567890123456",
    "https://vm.tiktok.com/ZM1234abc/",
    "https://www.tiktok.com/@gone/video/7301234567890123404",
    "javascript:alert(1)",
    "'; DROP TABLE social_media_posts; --",
    "%s %d {0} {username} {{",
    "\u202eevil\u202c",
    "🙂" * 20,
    "a\u0301" * 10,
    " ",
    "0",
    "-1",
    "1h,6h,1d",
    "99999999999999999999999",
    "like",
    "@demo",
    "nul\x00inside",  # found by this test: Postgres text cannot hold U+0000
]


def command_paths() -> list[str]:
    """Every slash command and subcommand the cogs define, read from their classes (no bot needed)."""
    paths: list[str] = []
    for info in pkgutil.iter_modules(cogs.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"cogs.{info.name}")
        for obj in vars(module).values():
            if not (
                isinstance(obj, type) and issubclass(obj, commands.Cog) and obj.__module__ == module.__name__
            ):
                continue
            for cmd in obj.__cog_app_commands__:
                if isinstance(cmd, app_commands.Group):
                    paths += [
                        c.qualified_name for c in cmd.walk_commands() if isinstance(c, app_commands.Command)
                    ]
                else:
                    paths.append(cmd.qualified_name)
    return sorted(paths)


@dataclass
class Fuzz:
    """The running bot, its database, the tables compared, and the interactions that ended in an error."""

    stack: Stack
    pool: asyncpg.Pool
    tables: list[str]
    errors: dict[int, BaseException] = field(default_factory=dict, repr=False)

    @property
    def guild(self) -> Guild:
        return self.stack.world.guild

    def leaf_options(self, path: str) -> list[dict[str, Any]]:
        parts = path.split()
        schema = next(c for c in self.stack.emulator.commands() if c["name"] == parts[0]).get("options") or []
        for part in parts[1:]:
            schema = (
                next(
                    o for o in schema if o["name"] == part and o["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP)
                ).get("options")
                or []
            )
        return schema

    async def counts(self) -> dict[str, int]:
        selects = ", ".join(f'(SELECT count(*) FROM "{t}") AS "{t}"' for t in self.tables)
        return dict(await self.pool.fetchrow(f"SELECT {selects}"))


@pytest.fixture(scope="module")
async def fuzz(pool: asyncpg.Pool, dsn: str) -> AsyncIterator[Fuzz]:
    await truncate_data(pool)
    # Jobs off: nothing but the fuzzed command may write while the counts are compared.
    stack = Stack(dsn=dsn, clock=ManualClock(START), run_jobs=False, client_options={"backoff_max": 0.05})
    await stack.start()
    guild = stack.world.guild
    guild.add_channel("general")
    guild.add_member("someone")
    tables = [
        r["tablename"]
        for r in await pool.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
        if r["tablename"] not in NOT_COMPARED
    ]
    world = Fuzz(stack, pool, tables)
    tree = stack.bot.tree
    original = tree.on_error

    async def recording(interaction: Any, error: app_commands.AppCommandError) -> None:
        # Observes which interactions ended in the error handler; the reply is still the handler's own.
        world.errors[interaction.id] = error
        await original(interaction, error)

    tree.on_error = recording  # type: ignore[method-assign]
    try:
        yield world
    finally:
        await stack.stop()
        restore_discord_endpoints()
        await truncate_data(pool)


def strings(spec: dict[str, Any]) -> st.SearchStrategy[str]:
    low, high = max(1, spec.get("min_length", 1)), spec.get("max_length", 6000)
    at_limit = st.builds(lambda ch: (ch * high)[:high], st.sampled_from(["a", "é", "🙂", "*", "<@1>", "\n"]))
    return st.one_of(
        st.text(min_size=low, max_size=min(high, 60)),
        st.sampled_from(TRICKY),
        at_limit,
    ).filter(lambda s: low <= len(s) <= high)


def value_for(spec: dict[str, Any], fuzz: Fuzz) -> st.SearchStrategy[Any]:
    kind = spec["type"]
    if spec.get("choices"):
        return st.sampled_from([c["value"] for c in spec["choices"]])
    if kind == STRING:
        return strings(spec)
    if kind == INTEGER:
        low, high = spec.get("min_value", -MAX_SAFE_INTEGER), spec.get("max_value", MAX_SAFE_INTEGER)
        edges = [v for v in (low, high, 0, 1, -1, low + 1, high - 1) if low <= v <= high]
        return st.one_of(st.sampled_from(edges), st.integers(low, high))
    if kind == NUMBER:
        low, high = spec.get("min_value", -1e12), spec.get("max_value", 1e12)
        return st.one_of(st.sampled_from([low, high]), st.floats(low, high, allow_nan=False))
    if kind == BOOLEAN:
        return st.booleans()
    if kind == CHANNEL:
        return st.sampled_from(fuzz.guild.text_channels)
    members = list(fuzz.guild.members.values())
    roles = list(fuzz.guild.roles.values())
    if kind == USER:
        return st.sampled_from(members)
    if kind == ROLE:
        return st.sampled_from(roles)
    if kind == MENTIONABLE:
        return st.sampled_from(members + roles)
    raise NotImplementedError(f"no strategy for option type {kind}")


@pytest.mark.parametrize("path", command_paths())
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
@given(data=st.data())
async def test_every_command_answers_any_values_its_options_allow(
    fuzz: Fuzz, path: str, data: st.DataObject
) -> None:
    emu, world = fuzz.stack.emulator, fuzz.stack.world
    member: Member = data.draw(st.sampled_from([world.admin, world.member]), label="member")
    values: dict[str, Any] = {}
    for spec in fuzz.leaf_options(path):
        if spec.get("required") or data.draw(st.booleans(), label=f"give {spec['name']}"):
            values[spec["name"]] = data.draw(value_for(spec, fuzz), label=spec["name"])
    violations = len(emu.violations)
    before = await fuzz.counts()
    try:
        interaction = await emu.invoke(member, path, channel=world.channel, options=values)
    except InvalidInvocation:
        reject()  # Discord's client would not send it (a permission the member lacks)
    if (await interaction.response(timeout=30)).type == 9:
        # A form: filled in with what its fields allow, and submitted; its answer is the command's.
        form = await interaction.wait_for_modal()
        typed = {
            f.custom_id: data.draw(
                strings({"min_length": f.min_length or 1, "max_length": f.max_length or 4000}), label=f.label
            )
            for f in form.fields
        }
        interaction = await emu.submit_modal(interaction, typed)
    final = await interaction.final(timeout=30)
    assert final.content or final.embeds or final.attachments, "an empty answer"
    assert "Reference: `" not in final.content, f"/{path} {values!r} hit an unexpected error: {final.content}"
    assert emu.violations[violations:] == []
    if interaction.id in fuzz.errors:
        assert await fuzz.counts() == before, f"/{path} {values!r} was refused but wrote rows"
