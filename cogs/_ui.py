"""Discord-side helpers shared by the cogs: the services, embed dicts to discord.Embed, modal values, options
with their suggestions (a tracked post)."""

from __future__ import annotations

import functools
import io
import re
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Self, TypeVar

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.tree import report_error
from bot.render.posts import choice_label

if TYPE_CHECKING:
    from bot.services import Services


def services_of(interaction: discord.Interaction) -> Services:
    """The services of the bot that received `interaction` (for buttons and autocomplete callbacks)."""
    return interaction.client.services  # type: ignore[attr-defined,no-any-return]


class ServiceCog(commands.Cog):
    """A cog that reaches Checkback's services through the bot that loaded it."""

    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot

    @property
    def services(self) -> Services:
        return self.bot.services  # type: ignore[attr-defined,no-any-return]


# An automation account's username, as /limits and /templates take it.
AccountName = app_commands.Range[str, 1, 100]

Item = TypeVar("Item")
Charted = TypeVar("Charted")  # what an embed and its chart are drawn from


def replies_on_error(
    callback: Callable[[Item, discord.Interaction], Coroutine[Any, Any, None]],
) -> Callable[[Item, discord.Interaction], Coroutine[Any, Any, None]]:
    """For a button's callback: a failure answers the presser with one private line, as a command's does
    (discord.py only logs a dynamic item's exceptions, and the presser would see "interaction failed")."""

    @functools.wraps(callback)
    async def run(item: Item, interaction: discord.Interaction) -> None:
        try:
            await callback(item, interaction)
        except Exception as error:
            await report_error(interaction, error)

    return run


def button(label: str, custom_id: str, *, disabled: bool = False, primary: bool = False) -> discord.ui.Button:
    """A button of a persistent view: its state lives in `custom_id`, so it works after a restart."""
    style = discord.ButtonStyle.primary if primary else discord.ButtonStyle.secondary
    return discord.ui.Button(label=label, style=style, custom_id=custom_id, disabled=disabled)


def modal_values(interaction: discord.Interaction) -> dict[str, str]:
    """What a submitted modal's text inputs hold, by custom_id, in either shape Discord documents (each
    input in a Label, or in the older Action Row)."""
    values: dict[str, str] = {}

    def walk(components: list[Any]) -> None:
        for component in components:
            if component.get("type") == discord.ComponentType.text_input.value:
                values[component["custom_id"]] = component.get("value") or ""
            if isinstance(component.get("component"), dict):
                walk([component["component"]])
            walk(component.get("components") or [])

    data: dict[str, Any] = dict(interaction.data or {})
    walk(list(data.get("components") or []))
    return values


def to_embed(data: Mapping[str, Any]) -> discord.Embed:
    return discord.Embed.from_dict(dict(data))


async def send_with_chart(
    interaction: discord.Interaction,
    result: Charted,
    embed_of: Callable[..., Mapping[str, Any]],
    chart_png: Callable[[Charted], Awaitable[bytes]] | None,
    filename: str,
    *,
    ephemeral: bool = False,
) -> None:
    """The numbers go out at once; the chart (tens of ms of drawing) follows as an edit, so the first answer
    never waits for matplotlib (BENCHMARKS.md, "interactions"). No chart without `chart_png` (the caller's
    choice, or nothing to draw). `ephemeral`: only the asker sees either."""
    await interaction.response.send_message(embed=to_embed(embed_of(result)), ephemeral=ephemeral)
    if chart_png is not None:
        png = await chart_png(result)
        await interaction.edit_original_response(
            embed=to_embed(embed_of(result, chart=True)),
            attachments=[discord.File(io.BytesIO(png), filename=filename)],
        )


Suggest = Callable[[discord.Interaction, str], Awaitable[Sequence[app_commands.Choice[Any]]]]


class Suggested(app_commands.Transformer):
    """An option of text (its length within bounds) or a whole number (its value within bounds), with the
    suggestions of `suggest` as it is typed. Declared once as a type (`TrackedPost`), it brings its
    autocomplete to every command that takes it, instead of each command registering it again."""

    def __init__(
        self, suggest: Suggest, kind: discord.AppCommandOptionType, low: int, high: int | None = None
    ) -> None:
        self.suggest, self.kind, self.low, self.high = suggest, kind, low, high

    @property
    def type(self) -> discord.AppCommandOptionType:
        return self.kind

    @property
    def min_value(self) -> int:
        return self.low

    @property
    def max_value(self) -> int | None:
        return self.high

    async def transform(self, interaction: discord.Interaction, value: Any, /) -> Any:
        return value

    # Narrower than the base's: what is being typed always comes as text, whatever the option's type.
    async def autocomplete(  # type: ignore[override]
        self, interaction: discord.Interaction, value: str, /
    ) -> Sequence[app_commands.Choice[Any]]:
        return await self.suggest(interaction, value)


async def post_autocomplete(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[int]]:
    """The guild's tracked posts matching what was typed (id, author, caption); at most 25."""
    if interaction.guild_id is None:
        return []
    choices = await services_of(interaction).tracking.find_posts(interaction.guild_id, current)
    return [app_commands.Choice(name=choice_label(c), value=c.id) for c in choices]


# A tracked post as an option: its id, suggested from what is typed (id, author, caption).
TrackedPost = app_commands.Transform[
    int, Suggested(post_autocomplete, discord.AppCommandOptionType.integer, 1)
]


# A page of a listing: its embed, and the buttons that turn it (None: it is the only page).
Listing = tuple[Mapping[str, Any], discord.ui.View | None]


class PageButton(
    discord.ui.DynamicItem[discord.ui.Button], template=r"cb:(?P<which>\w+):(?P<at>\d+):(?P<role>\w+)"
):
    """A button that turns a listing's page. Its whole state lives in its custom_id, PREFIX:WHICH:AT:ROLE
    (the listing's filter, where the page starts, and the button's role), so it works after a restart. A
    subclass names its `prefix`, the filters it takes (`which`) and its `labels` by role, from which its
    template is made, and shows a page in `listing`; its command's first answer is `send_first`."""

    prefix: ClassVar[str]
    labels: ClassVar[dict[str, str]]

    def __init_subclass__(cls, *, prefix: str, which: Iterable[str], labels: dict[str, str]) -> None:
        cls.prefix, cls.labels = prefix, labels
        roles = "|".join(labels)
        super().__init_subclass__(
            template=rf"{prefix}:(?P<which>{'|'.join(which)}):(?P<at>\d+):(?P<role>{roles})"
        )

    def __init__(self, which: str, at: int, role: str, *, disabled: bool = False) -> None:
        self.which = which
        self.at = at
        # The role keeps the two buttons' ids distinct, as Discord requires.
        super().__init__(button(self.labels[role], f"{self.prefix}:{which}:{at}:{role}", disabled=disabled))

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> Self:
        return cls(match["which"], int(match["at"]), match["role"])

    @classmethod
    async def listing(cls, interaction: discord.Interaction, which: str, at: int) -> Listing:
        """The page of `which` that starts `at` (0: the first)."""
        raise NotImplementedError

    @classmethod
    async def send_first(cls, interaction: discord.Interaction, which: str) -> None:
        """A command's answer: the first page of `which`, with its buttons if there are more."""
        embed, view = await cls.listing(interaction, which, 0)
        # send_message takes no view as "not given", never as None (which edit_message takes as "remove").
        await interaction.response.send_message(
            embed=to_embed(embed), view=view if view is not None else discord.utils.MISSING
        )

    @replies_on_error
    async def callback(self, interaction: discord.Interaction) -> None:
        embed, view = await self.listing(interaction, self.which, self.at)
        await interaction.response.edit_message(embed=to_embed(embed), view=view)
