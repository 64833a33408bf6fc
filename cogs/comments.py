"""/comments and /questions, and the "Draft reply" and "Mark answered" buttons: thin adapters over the comment
question service (bot/comment_questions.py)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.comment_questions import MAX_KEYWORD, CommentQuestionService, QuestionStatus
from bot.discord.checks import NotTeamServer, admin_only, guild_id_of, team_refusal
from bot.render.comments import (
    ANSWERED_ID,
    DRAFT_ID,
    NEXT_TEMPLATE,
    ButtonSpec,
    answered_message,
    comments_embed,
    draft_embed,
    draft_id,
    listing_rows,
    status_embed,
)
from cogs._ui import ServiceCog, TrackedPost, button, replies_on_error, services_of, to_embed

Filter = Literal["top", "newest", "questions", "unanswered"]
# A keyword as an option takes what the service keeps.
Keyword = app_commands.Range[str, 1, MAX_KEYWORD]


def _questions(interaction: discord.Interaction) -> CommentQuestionService:
    """The service, for a press that touches team-wide data (templates, the action log): team servers only."""
    refusal = team_refusal(interaction)
    if refusal is not None:
        raise NotTeamServer(refusal)
    return services_of(interaction).questions


class DraftButton(discord.ui.DynamicItem[discord.ui.Button], template=DRAFT_ID):
    """Shows, privately, a reply to the question drafted from template `number` (its id is in custom_id)."""

    def __init__(self, comment_id: int, number: int = 0, label: str = NEXT_TEMPLATE) -> None:
        self.comment_id = comment_id
        self.number = number
        super().__init__(button(label, draft_id(comment_id, number)))

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> DraftButton:
        return cls(int(match["comment"]), int(match["number"]))

    @replies_on_error
    async def callback(self, interaction: discord.Interaction) -> None:
        draft = await _questions(interaction).draft(guild_id_of(interaction), self.comment_id, self.number)
        view = None
        if draft.of > 1:
            view = discord.ui.View(timeout=None)
            view.add_item(DraftButton(self.comment_id, (draft.number + 1) % draft.of))
        embed = to_embed(draft_embed(draft))
        if interaction.message is not None and interaction.message.flags.ephemeral:
            # "Next template" on the private draft: the draft changes in place.
            await interaction.response.edit_message(embed=embed, view=view)
        elif view is not None:
            await interaction.response.send_message(embed=embed, view=view, ephemeral=True)
        else:
            await interaction.response.send_message(embed=embed, ephemeral=True)


class AnsweredButton(discord.ui.DynamicItem[discord.ui.Button], template=ANSWERED_ID):
    """Records a `comment` action for the post's account (caps count it) and answers the question."""

    def __init__(self, comment_id: int, label: str = "Mark answered") -> None:
        self.comment_id = comment_id
        super().__init__(button(label, f"cb:q:done:{comment_id}", primary=True))

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> AnsweredButton:
        return cls(int(match["comment"]))

    @replies_on_error
    async def callback(self, interaction: discord.Interaction) -> None:
        answered = await _questions(interaction).mark_answered(
            guild_id_of(interaction), self.comment_id, user_id=interaction.user.id
        )
        await interaction.response.send_message(answered_message(answered), ephemeral=True)


def questions_view(rows: Sequence[Sequence[ButtonSpec]]) -> discord.ui.View | None:
    """The buttons of the render's rows as the dynamic items that answer them."""
    if not rows:
        return None
    view = discord.ui.View(timeout=None)
    for r, row in enumerate(rows):
        for label, custom_id, _ in row:
            found = re.fullmatch(DRAFT_ID, custom_id)
            item: discord.ui.Item[Any]
            if found:
                item = DraftButton(int(found["comment"]), int(found["number"]), label)
            else:
                item = AnsweredButton(int(custom_id.rsplit(":", 1)[1]), label)
            item.row = r
            view.add_item(item)
    return view


async def _show(interaction: discord.Interaction, status: QuestionStatus) -> None:
    await interaction.response.send_message(embed=to_embed(status_embed(status)))


class Comments(ServiceCog):
    """A post's comments and the questions in them."""

    questions = admin_only()(
        app_commands.Group(
            name="questions",
            description="Comment questions: fetch new comments at check-backs and flag questions (admins)",
        )
    )
    keywords = app_commands.Group(
        name="keywords", description="The words that make a comment a question", parent=questions
    )

    @property
    def service(self) -> CommentQuestionService:
        return self.services.questions

    @app_commands.command(name="comments", description="A tracked post's comments, or the questions in them")
    @app_commands.describe(
        post="The tracked post (type to search)",
        filter="top (most liked, default), newest, questions, or unanswered questions",
    )
    async def comments(
        self, interaction: discord.Interaction, post: TrackedPost, filter: Filter = "top"
    ) -> None:
        guild_id = guild_id_of(interaction)
        # An unknown post is refused before deferring, so its error stays ephemeral.
        await self.services.tracking.get_post(guild_id, post)
        await interaction.response.defer(thinking=True)
        listing = await self.service.listing(guild_id, post, filter)
        view = questions_view(listing_rows(listing))
        embed = to_embed(comments_embed(listing))
        if view is None:
            await interaction.followup.send(embed=embed)
        else:
            await interaction.followup.send(embed=embed, view=view)

    @questions.command(name="on", description="Fetch tracked posts' new comments at check-backs (API calls)")
    async def on(self, interaction: discord.Interaction) -> None:
        await _show(interaction, await self.service.switch(guild_id_of(interaction), True))

    @questions.command(name="off", description="Stop fetching comments at check-backs")
    async def off(self, interaction: discord.Interaction) -> None:
        await _show(interaction, await self.service.switch(guild_id_of(interaction), False))

    @questions.command(name="show", description="Whether comment questions are on, and the keywords")
    async def show(self, interaction: discord.Interaction) -> None:
        await _show(interaction, await self.service.status(guild_id_of(interaction)))

    @keywords.command(name="add", description="A word or phrase that makes a comment a question")
    @app_commands.describe(keyword="e.g. link, price, where to buy")
    async def keyword_add(self, interaction: discord.Interaction, keyword: Keyword) -> None:
        await _show(interaction, await self.service.add_keyword(guild_id_of(interaction), keyword))

    @keywords.command(name="remove", description="Stop flagging comments by this keyword")
    @app_commands.describe(keyword="One of the keywords (/questions keywords list)")
    async def keyword_remove(self, interaction: discord.Interaction, keyword: Keyword) -> None:
        await _show(interaction, await self.service.remove_keyword(guild_id_of(interaction), keyword))

    @keywords.command(name="list", description="The keywords that flag a question")
    async def keyword_list(self, interaction: discord.Interaction) -> None:
        await _show(interaction, await self.service.status(guild_id_of(interaction)))


async def setup(bot: commands.Bot) -> None:
    bot.add_dynamic_items(DraftButton, AnsweredButton)
    await bot.add_cog(Comments(bot))
