"""Discord snowflake ids and permission bits, as the emulator hands them out and checks them."""

from __future__ import annotations

import itertools
import threading
import time
from datetime import UTC, datetime

DISCORD_EPOCH_MS = 1_420_070_400_000

_lock = threading.Lock()
_increment = itertools.count()
_last_ms = 0


def new_snowflake() -> int:
    """A fresh id whose timestamp is now.

    discord.py reads an interaction's creation time from its id and treats a token as expired 15 minutes
    later, so ids must carry the real time; the counter keeps ids made in the same millisecond distinct
    and ascending.
    """
    global _last_ms
    with _lock:
        ms = max(int(time.time() * 1000), _last_ms)
        _last_ms = ms
        return ((ms - DISCORD_EPOCH_MS) << 22) | (1 << 17) | (next(_increment) & 0xFFF)


def snowflake_time(snowflake: int) -> datetime:
    """When the id was made, as an aware UTC datetime."""
    return datetime.fromtimestamp(((snowflake >> 22) + DISCORD_EPOCH_MS) / 1000, tz=UTC)


def iso(when: datetime) -> str:
    """Discord's timestamp format (ISO 8601 with offset)."""
    return when.astimezone(UTC).isoformat()


class Permissions:
    """The permission bits the emulator reasons about (values from Discord's documentation)."""

    CREATE_INSTANT_INVITE = 1 << 0
    ADMINISTRATOR = 1 << 3
    MANAGE_CHANNELS = 1 << 4
    MANAGE_GUILD = 1 << 5
    ADD_REACTIONS = 1 << 6
    VIEW_CHANNEL = 1 << 10
    SEND_MESSAGES = 1 << 11
    MANAGE_MESSAGES = 1 << 13
    EMBED_LINKS = 1 << 14
    ATTACH_FILES = 1 << 15
    READ_MESSAGE_HISTORY = 1 << 16
    MENTION_EVERYONE = 1 << 17
    USE_EXTERNAL_EMOJIS = 1 << 18
    CHANGE_NICKNAME = 1 << 26
    MANAGE_ROLES = 1 << 28
    USE_APPLICATION_COMMANDS = 1 << 31
    SEND_MESSAGES_IN_THREADS = 1 << 38
    ALL = (1 << 51) - 1

    # What @everyone may do in a new server, close enough to Discord's default for the bot's purposes.
    EVERYONE_DEFAULT = (
        CREATE_INSTANT_INVITE
        | ADD_REACTIONS
        | VIEW_CHANNEL
        | SEND_MESSAGES
        | EMBED_LINKS
        | ATTACH_FILES
        | READ_MESSAGE_HISTORY
        | MENTION_EVERYONE
        | USE_EXTERNAL_EMOJIS
        | CHANGE_NICKNAME
        | USE_APPLICATION_COMMANDS
        | SEND_MESSAGES_IN_THREADS
    )
    # What the bot's own managed role grants: what an invite link with the usual scopes would ask for.
    BOT_DEFAULT = (
        VIEW_CHANNEL
        | SEND_MESSAGES
        | EMBED_LINKS
        | ATTACH_FILES
        | READ_MESSAGE_HISTORY
        | ADD_REACTIONS
        | USE_EXTERNAL_EMOJIS
        | USE_APPLICATION_COMMANDS
        | SEND_MESSAGES_IN_THREADS
    )
