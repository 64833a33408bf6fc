"""The one place slash-command errors become replies: ephemeral, and safe after a deferral."""

from __future__ import annotations

import logging
import secrets
import time
from typing import Any

import discord
from discord import app_commands

from bot.errors import (
    DatabaseUnavailable,
    GuildOnly,
    InvalidInput,
    NotAdmin,
    domain_error,
    user_message,
)
from bot.ops.metrics import observe_interaction
from bot.render.errors import UNSTORABLE_TEXT, cooldown_message, unexpected_error_message

log = logging.getLogger(__name__)


class AdminOnly(app_commands.CheckFailure):
    """Raised by the admin check; carries the domain error so the reply comes from one table."""

    def __init__(self) -> None:
        super().__init__("admin only")
        self.domain = NotAdmin()


def reply_for(error: BaseException) -> tuple[str, str | None]:
    """The text a user sees for `error`, and a reference when it was unexpected (logged with it)."""
    original = getattr(error, "original", None) or getattr(error, "__cause__", None) or error
    if isinstance(error, AdminOnly):
        return user_message(error.domain), None
    if isinstance(error, app_commands.NoPrivateMessage):
        return user_message(GuildOnly()), None
    domain = domain_error(original)
    if domain is not None:
        return domain.user_message, None
    if isinstance(error, app_commands.CommandOnCooldown):
        return cooldown_message(error.retry_after), None
    if isinstance(error, app_commands.TransformerError | app_commands.CheckFailure):
        return str(error), None
    if _is_database_outage(original):
        return user_message(DatabaseUnavailable("database connection lost")), None
    if _is_unstorable_text(original):
        return user_message(InvalidInput(UNSTORABLE_TEXT)), None
    return "", secrets.token_hex(4)


def _is_unstorable_text(error: BaseException) -> bool:
    import asyncpg

    return isinstance(error, asyncpg.CharacterNotInRepertoireError | asyncpg.UntranslatableCharacterError)


def _is_database_outage(error: BaseException) -> bool:
    import asyncpg

    return isinstance(
        error,
        ConnectionError
        | OSError
        | asyncpg.InterfaceError
        | asyncpg.CannotConnectNowError
        | asyncpg.ConnectionDoesNotExistError
        | asyncpg.AdminShutdownError
        | asyncpg.CrashShutdownError
        # SQLSTATE class 08: the connection failed or was refused by the server.
        | asyncpg.PostgresConnectionError,
    )


async def send_ephemeral(interaction: discord.Interaction, text: str) -> None:
    """Reply so that only the user sees it, whether or not the interaction was answered or deferred.

    Discord turns the first follow-up after a deferral into the deferred message itself, with the
    deferral's visibility whatever the follow-up asks: after a public deferral the error would be shown to
    the whole channel. So a public "is thinking..." placeholder is deleted first; the follow-up is then a
    message of its own, ephemeral.
    """
    try:
        if not interaction.response.is_done():
            await interaction.response.send_message(text, ephemeral=True)
            return
        if interaction.response.type is discord.InteractionResponseType.deferred_channel_message:
            await _delete_public_placeholder(interaction)
        await interaction.followup.send(text, ephemeral=True)
    except discord.HTTPException:
        log.warning("could not deliver an error reply for interaction %s", interaction.id)


async def _delete_public_placeholder(interaction: discord.Interaction) -> None:
    original = await interaction.original_response()
    if original.flags.loading and not original.flags.ephemeral:
        await original.delete()


async def report_error(interaction: discord.Interaction, error: BaseException) -> None:
    """Log `error` when unexpected and answer the user with one private line (commands and buttons)."""
    text, ref = reply_for(error)
    if ref is not None:
        command = interaction.command.qualified_name if interaction.command else "?"
        if interaction.type is discord.InteractionType.component:
            data: dict[str, Any] = dict(interaction.data or {})
            command = f"button {data.get('custom_id', '?')}"
        elif interaction.type is discord.InteractionType.modal_submit:
            command = f"form {dict(interaction.data or {}).get('custom_id', '?')}"
        original = getattr(error, "original", error)
        log.error(
            "unexpected error in /%s (ref %s)",
            command,
            ref,
            exc_info=(type(original), original, original.__traceback__),
            extra={"ref": ref, "command": command},
        )
        text = unexpected_error_message(ref)
    await send_ephemeral(interaction, text)


class CheckbackTree(app_commands.CommandTree):
    """Command tree whose on_error turns every failure into one ephemeral reply, that times every
    command for the interaction-latency histogram, and that makes every command server-only."""

    def add_command(
        self,
        command: app_commands.Command[Any, ..., Any] | app_commands.ContextMenu | app_commands.Group,
        /,
        **options: Any,
    ) -> None:
        """Add `command` as discord.py does, marked server-only: the one place that says so.

        Every command, group and context menu reads or changes one server's data, so none is offered in
        direct messages (Discord is sent `contexts: [0]` and `dm_permission: false`). Cogs reach this when
        they are loaded, so the README's reference (bot/cli/docs.py) sees what the real sync sends.
        """
        root = command if isinstance(command, app_commands.ContextMenu) else command.root_parent or command
        app_commands.guild_only(root)
        super().add_command(command, **options)

    async def _call(self, interaction: discord.Interaction) -> None:
        started = time.perf_counter()
        try:
            await super()._call(interaction)
        finally:
            command = interaction.command.qualified_name if interaction.command else "?"
            if interaction.type is discord.InteractionType.autocomplete:
                command += " (autocomplete)"
            observe_interaction(command, time.perf_counter() - started)

    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        await report_error(interaction, error)
