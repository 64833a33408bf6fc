"""/templates: message templates, written in a form with room for a long text and previewed with sample values."""

from __future__ import annotations

import re
from typing import Any, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.checks import admin_only, is_admin, is_team_server, team_only, team_refusal
from bot.discord.tree import report_error
from bot.errors import CheckbackError
from bot.render import templates as wording
from bot.render.team import template_embed, template_removed_message, templates_embed
from bot.templates import MAX_NAME, MAX_TEXT, sample_text
from cogs._ui import AccountName, ServiceCog, Suggested, modal_values, services_of, to_embed

# The categories bot/templates.py accepts (CATEGORIES), offered as choices.
Category = Literal["welcome", "follow_up", "thank_you", "promo", "custom"]
# What a form is for lives in its custom_id (a new template's category and account, or the id of the one
# edited), so a form submitted after the bot restarted is still understood.
FORM_ID = re.compile(r"cb:tpl:(?:add:(?P<category>\w+):(?P<account>[^:]*)|edit:(?P<id>\d+))")
NAME, TEXT = "name", "text"


class TemplateForm(discord.ui.Modal):
    """The form: a name, and a paragraph of text up to Discord's 4000 characters.

    Never kept in discord.py's view store (it is stopped at once): the cog's on_interaction listener
    answers its submission from the custom_id, so the form needs nothing from this process's memory.
    """

    def __init__(self, custom_id: str, title: str, name: str | None = None, text: str | None = None) -> None:
        super().__init__(title=title, custom_id=custom_id, timeout=None)
        name_input: discord.ui.TextInput[TemplateForm] = discord.ui.TextInput(
            custom_id=NAME, max_length=MAX_NAME, default=name
        )
        text_input: discord.ui.TextInput[TemplateForm] = discord.ui.TextInput(
            custom_id=TEXT, style=discord.TextStyle.paragraph, max_length=MAX_TEXT, default=text
        )
        self.add_item(
            discord.ui.Label(text=wording.NAME_LABEL, description=wording.NAME_HELP, component=name_input)
        )
        self.add_item(
            discord.ui.Label(text=wording.TEXT_LABEL, description=wording.TEXT_HELP, component=text_input)
        )
        self.stop()


async def template_autocomplete(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    if team_refusal(interaction) is not None:
        return []
    typed = current.strip().lower()
    templates = await services_of(interaction).templates.list()
    names = sorted({t.name for t in templates if t.name.lower().startswith(typed)})
    return [app_commands.Choice(name=n[:100], value=n[:100]) for n in names[:25]]


# A template's name as an option, suggested from the saved ones: Discord's autocomplete values stop at 100
# characters, so the option takes 100 too.
TemplateName = app_commands.Transform[
    str, Suggested(template_autocomplete, discord.AppCommandOptionType.string, 1, 100)
]


class Templates(ServiceCog):
    """Message templates for the team's direct messages."""

    templates = team_only()(
        app_commands.Group(name="templates", description="Message templates for direct messages")
    )

    @templates.command(name="list", description="The message templates")
    @app_commands.describe(account="Only this account's templates and the global ones")
    async def templates_list(
        self, interaction: discord.Interaction, account: AccountName | None = None
    ) -> None:
        found = await self.services.templates.list(account)
        await interaction.response.send_message(embed=to_embed(templates_embed(found)))

    @admin_only()
    @templates.command(name="add", description="Write a new message template in a form (admins)")
    @app_commands.describe(
        account="Only for this account (default: every account)", category="The kind of message"
    )
    async def templates_add(
        self,
        interaction: discord.Interaction,
        account: AccountName | None = None,
        category: Category = "custom",
    ) -> None:
        username = await self.services.templates.account_scope(account)
        form_id = f"cb:tpl:add:{category}:{username or ''}"
        await interaction.response.send_modal(TemplateForm(form_id, wording.form_title()))

    @admin_only()
    @templates.command(
        name="edit", description="Change a message template's name and text in a form (admins)"
    )
    @app_commands.describe(name="The template", account="Edit this account's template of that name")
    async def templates_edit(
        self,
        interaction: discord.Interaction,
        name: TemplateName,
        account: AccountName | None = None,
    ) -> None:
        template = await self.services.templates.get_for_edit(name, account=account)
        form = TemplateForm(
            f"cb:tpl:edit:{template.id}",
            wording.form_title(template.name),
            template.name,
            template.template_text,
        )
        await interaction.response.send_modal(form)

    @admin_only()
    @templates.command(name="remove", description="Remove a message template (admins)")
    @app_commands.describe(name="The template", account="The account it belongs to (default: global)")
    async def templates_remove(
        self,
        interaction: discord.Interaction,
        name: TemplateName,
        account: AccountName | None = None,
    ) -> None:
        await self.services.templates.remove(name, account=account)
        await interaction.response.send_message(template_removed_message(name))

    @templates.command(name="preview", description="A template filled with sample values")
    @app_commands.describe(name="The template", account="Use this account's template of that name")
    async def templates_preview(
        self,
        interaction: discord.Interaction,
        name: TemplateName,
        account: AccountName | None = None,
    ) -> None:
        template, text = await self.services.templates.preview(name, account=account)
        await interaction.response.send_message(
            embed=to_embed(template_embed(template, text, title="Preview"))
        )

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        if interaction.type is not discord.InteractionType.modal_submit:
            return
        data: dict[str, Any] = dict(interaction.data or {})
        form = FORM_ID.fullmatch(str(data.get("custom_id", "")))
        if form is None:
            return
        try:
            await self._save(interaction, form)
        except Exception as error:
            await report_error(interaction, error)

    async def _save(self, interaction: discord.Interaction, form: re.Match[str]) -> None:
        """A submitted form: checked again (team server, admin), saved, answered with the filled preview;
        refused with what was typed quoted back, so nothing is lost."""
        await is_team_server(interaction)
        await is_admin(interaction)
        values = modal_values(interaction)
        name, text = values.get(NAME, ""), values.get(TEXT, "")
        service = self.services.templates
        try:
            if form["id"] is not None:
                saved = await service.edit(int(form["id"]), name=name, text=text)
            else:
                account = form["account"] or None
                saved = await service.create(name, text, account=account, category=form["category"])
        except CheckbackError as error:
            content, embed = wording.not_saved(error.user_message, name, text)
            await interaction.response.send_message(content, embed=to_embed(embed), ephemeral=True)
            return
        title = wording.saved_title(edited=form["id"] is not None)
        preview = sample_text(saved.template_text, saved.account_username)
        await interaction.response.send_message(embed=to_embed(template_embed(saved, preview, title=title)))


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Templates(bot))
