"""/track, /untrack and /tracked: thin adapters over the tracking service."""

from __future__ import annotations

from typing import Literal, get_args

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.checks import guild_id_of
from bot.errors import InvalidInput
from bot.metrics.urls import find_links, parse_video_url
from bot.render.posts import (
    NO_LINKS_IN_MESSAGE,
    PAGE_NEWEST,
    PAGE_OLDER,
    post_list_embed,
    track_links_embed,
    track_result_embed,
    untrack_result_embed,
)
from bot.tracking import TrackingService
from bot.tracking_models import PostPage
from cogs._ui import Listing, PageButton, ServiceCog, TrackedPost, services_of, to_embed

Status = Literal["active", "complete", "all"]
# A status read back from text (a page's, a button's custom_id) as the Literal the service takes.
STATUSES: dict[str, Status] = {"active": "active", "complete": "complete", "all": "all"}
PAGE_SIZE = 10
TRACK_MENU = "Track TikTok links"


def page_view(page: PostPage, *, first_page: bool) -> discord.ui.View | None:
    """Buttons under a listing: back to the newest page, and the next (older) page."""
    if first_page and page.next_cursor is None:
        return None
    view = discord.ui.View(timeout=None)
    status = STATUSES[page.status]
    view.add_item(TrackedPageButton(status, 0, "newest", disabled=first_page))
    view.add_item(
        TrackedPageButton(status, page.next_cursor or 0, "older", disabled=page.next_cursor is None)
    )
    return view


class TrackedPageButton(
    PageButton,
    prefix="cb:tracked",
    which=get_args(Status),
    labels={"newest": PAGE_NEWEST, "older": PAGE_OLDER},
):
    """A page of /tracked: `which` is the status shown, `at` the post the page starts before (0: newest)."""

    @classmethod
    async def listing(cls, interaction: discord.Interaction, which: str, at: int) -> Listing:
        page = await services_of(interaction).tracking.list_posts(
            guild_id_of(interaction), status=STATUSES[which], limit=PAGE_SIZE, before=at or None
        )
        return post_list_embed(page), page_view(page, first_page=at == 0)


class Tracking(ServiceCog):
    """Tracking posts through their check-backs."""

    def __init__(self, bot: commands.Bot) -> None:
        super().__init__(bot)
        # A message context menu cannot be declared inside a cog: it is made here and added on load.
        self.track_menu = app_commands.ContextMenu(
            name=TRACK_MENU,
            callback=self.track_message,
            extras={"help": "Track every TikTok link in the message (up to 10), one line each"},
        )

    async def cog_load(self) -> None:
        self.bot.tree.add_command(self.track_menu)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.track_menu.name, type=self.track_menu.type)

    async def track_message(self, interaction: discord.Interaction, message: discord.Message) -> None:
        """Track every TikTok link in a chat message (up to 10), one line each."""
        guild_id = guild_id_of(interaction)
        links = find_links(message.content)
        if not links:
            raise InvalidInput(NO_LINKS_IN_MESSAGE)
        self.tracking.check_links(links)
        await interaction.response.defer(thinking=True)
        outcomes = await self.tracking.track_many(guild_id, links, user_id=interaction.user.id)
        await interaction.followup.send(embed=to_embed(track_links_embed(outcomes)))

    @property
    def tracking(self) -> TrackingService:
        return self.services.tracking

    @app_commands.command(name="track", description="Track TikTok videos through their check-backs")
    @app_commands.describe(
        url="The video's TikTok link or id; up to 10, separated by spaces",
        note="A note for the team (optional)",
    )
    async def track(
        self,
        interaction: discord.Interaction,
        url: app_commands.Range[str, 1, 2000],
        note: app_commands.Range[str, 1, 300] | None = None,
    ) -> None:
        guild_id = guild_id_of(interaction)
        links = self.tracking.check_links(url)
        if len(links) > 1:
            await interaction.response.defer(thinking=True)
            outcomes = await self.tracking.track_many(guild_id, links, user_id=interaction.user.id, note=note)
            await interaction.followup.send(embed=to_embed(track_links_embed(outcomes)))
            return
        # A malformed link is refused before deferring, so its error can still be ephemeral.
        parse_video_url(links[0])
        await interaction.response.defer(thinking=True)
        result = await self.tracking.track(guild_id, links[0], user_id=interaction.user.id, note=note)
        await interaction.followup.send(embed=to_embed(track_result_embed(result)))

    @app_commands.command(name="untrack", description="Stop tracking a post in this server")
    @app_commands.describe(post="The tracked post (type to search)")
    async def untrack(self, interaction: discord.Interaction, post: TrackedPost) -> None:
        result = await self.tracking.untrack(guild_id_of(interaction), post)
        await interaction.response.send_message(embed=to_embed(untrack_result_embed(result)))

    @app_commands.command(name="tracked", description="List this server's tracked posts")
    @app_commands.describe(status="Which posts: active (default), complete, or all")
    async def tracked(self, interaction: discord.Interaction, status: Status = "active") -> None:
        await TrackedPageButton.send_first(interaction, status)


async def setup(bot: commands.Bot) -> None:
    bot.add_dynamic_items(TrackedPageButton)
    await bot.add_cog(Tracking(bot))
