"""/conversations and /conversation: thin adapters over the conversation service."""

from __future__ import annotations

import re
from typing import Any, Literal, get_args

import discord
from discord import app_commands
from discord.ext import commands

from bot.conversations import ConversationDetail, ConversationPage
from bot.discord.checks import is_team_server, team_only, team_refusal
from bot.render.team import (
    CONVERSATION_BUTTONS,
    PAGE_NEWER,
    PAGE_OLDER,
    conversation_choice,
    conversation_embed,
    conversations_embed,
)
from cogs._ui import Listing, PageButton, ServiceCog, button, replies_on_error, services_of, to_embed

Filter = Literal["unread", "all", "archived"]
PAGE_SIZE = 10
MESSAGES_SHOWN = 15


# --- the conversation list, paged --------------------------------------------------------------------
def list_view(page: ConversationPage, which: str) -> discord.ui.View | None:
    if page.offset == 0 and not page.has_more:
        return None
    view = discord.ui.View(timeout=None)
    view.add_item(
        ConversationsPageButton(which, max(0, page.offset - page.limit), "newer", disabled=page.offset == 0)
    )
    view.add_item(
        ConversationsPageButton(which, page.offset + page.limit, "older", disabled=not page.has_more)
    )
    return view


class ConversationsPageButton(
    PageButton, prefix="cb:convs", which=get_args(Filter), labels={"newer": PAGE_NEWER, "older": PAGE_OLDER}
):
    """A page of /conversations: `which` is the filter, `at` the offset."""

    @classmethod
    async def listing(cls, interaction: discord.Interaction, which: str, at: int) -> Listing:
        await is_team_server(interaction)  # a press passes through no command check: the team rule is here
        page = await services_of(interaction).conversations.list(which=which, limit=PAGE_SIZE, offset=at)
        return conversations_embed(page, which), list_view(page, which)


# --- one conversation, with its actions ----------------------------------------------------------------
def conversation_view(detail: ConversationDetail) -> discord.ui.View:
    c = detail.conversation
    view = discord.ui.View(timeout=None)
    view.add_item(ConversationButton(c.id, "read", disabled=c.unread_count == 0))
    view.add_item(ConversationButton(c.id, "unarchive" if c.is_archived else "archive"))
    view.add_item(ConversationButton(c.id, "unmute" if c.is_muted else "mute"))
    return view


class ConversationButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"cb:conv:(?P<id>\d+):(?P<action>read|archive|unarchive|mute|unmute)",
):
    """Mark read, archive or mute a conversation; its id is in the custom_id."""

    def __init__(self, conversation_id: int, action: str, disabled: bool = False) -> None:
        self.conversation_id = conversation_id
        self.action = action
        super().__init__(
            button(
                CONVERSATION_BUTTONS[action],
                f"cb:conv:{conversation_id}:{action}",
                disabled=disabled,
                primary=action == "read",
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> ConversationButton:
        return cls(int(match["id"]), match["action"])

    @replies_on_error
    async def callback(self, interaction: discord.Interaction) -> None:
        await is_team_server(interaction)
        service = services_of(interaction).conversations
        c = (await service.get_by_id(self.conversation_id, messages=1)).conversation
        account, participant = c.account_username, c.participant_username
        if self.action == "read":
            await service.mark_read(account, participant)
        elif self.action in ("archive", "unarchive"):
            await service.archive(account, participant, archived=self.action == "archive")
        else:
            await service.mute(account, participant, muted=self.action == "mute")
        detail = await service.get_by_id(self.conversation_id, messages=MESSAGES_SHOWN)
        await interaction.response.edit_message(
            embed=to_embed(conversation_embed(detail)), view=conversation_view(detail)
        )


async def conversation_autocomplete(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    if team_refusal(interaction) is not None:
        return []
    found = await services_of(interaction).conversations.find(current, limit=25)
    return [app_commands.Choice(name=conversation_choice(c), value=str(c.id)) for c in found]


class Conversations(ServiceCog):
    """Direct-message conversations of the team's TikTok accounts."""

    @team_only()
    @app_commands.command(name="conversations", description="Direct-message conversations, newest first")
    @app_commands.describe(filter="unread (default), all (not archived), or archived")
    async def conversations(self, interaction: discord.Interaction, filter: Filter = "unread") -> None:
        await ConversationsPageButton.send_first(interaction, filter)

    @team_only()
    @app_commands.command(name="conversation", description="One conversation's latest messages")
    @app_commands.describe(participant="Who the conversation is with (type to search)")
    @app_commands.autocomplete(participant=conversation_autocomplete)
    async def conversation(
        self, interaction: discord.Interaction, participant: app_commands.Range[str, 1, 100]
    ) -> None:
        detail = await self.services.conversations.open(participant, messages=MESSAGES_SHOWN)
        await interaction.response.send_message(
            embed=to_embed(conversation_embed(detail)), view=conversation_view(detail)
        )


async def setup(bot: commands.Bot) -> None:
    bot.add_dynamic_items(ConversationsPageButton, ConversationButton)
    await bot.add_cog(Conversations(bot))
