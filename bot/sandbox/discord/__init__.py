"""A Discord emulator (REST + gateway) good enough for the unmodified discord.py 2.7 client."""

from bot.sandbox.discord.commands import InvalidInvocation
from bot.sandbox.discord.modals import Modal, ModalField
from bot.sandbox.discord.records import (
    Attachment,
    Callback,
    Interaction,
    Message,
    RateLimitRule,
    RequestRecord,
    Violation,
)
from bot.sandbox.discord.server import DiscordEmulator
from bot.sandbox.discord.snowflake import Permissions, new_snowflake, snowflake_time
from bot.sandbox.discord.world import BotAccount, Channel, Guild, Member, Role, User

__all__ = [
    "Attachment",
    "BotAccount",
    "Callback",
    "Channel",
    "DiscordEmulator",
    "Guild",
    "Interaction",
    "InvalidInvocation",
    "Member",
    "Message",
    "Modal",
    "ModalField",
    "Permissions",
    "RateLimitRule",
    "RequestRecord",
    "Role",
    "User",
    "Violation",
    "new_snowflake",
    "snowflake_time",
]
