"""Which Discord servers are the team's (TEAM_GUILD_IDS): team-wide data is shown and changed only there.

Team-wide data: conversations and their messages, templates, caps, the action log and API usage. Per-server
data (tracked posts, watches, settings, channels) is scoped by guild id in every query instead.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from enum import Enum

log = logging.getLogger(__name__)


class TeamRefusal(Enum):
    """Why a server may not see team-wide data."""

    NOT_TEAM_SERVER = "not_team_server"  # TEAM_GUILD_IDS is set and does not name it
    UNSET_MANY_SERVERS = "unset_many_servers"  # TEAM_GUILD_IDS is unset and the bot is in several


class TeamScope:
    """`configured`: TEAM_GUILD_IDS, or None when unset."""

    def __init__(self, configured: frozenset[int] | None) -> None:
        self.configured = configured

    def refusal(self, guild_id: int | None, bot_guild_ids: Collection[int]) -> TeamRefusal | None:
        """None when `guild_id` is the team's server; else why not. `bot_guild_ids`: the servers the bot
        is in now (used only when TEAM_GUILD_IDS is unset)."""
        if self.configured is not None:
            return None if guild_id in self.configured else TeamRefusal.NOT_TEAM_SERVER
        if len(bot_guild_ids) > 1:
            return TeamRefusal.UNSET_MANY_SERVERS
        return None if guild_id is not None and guild_id in bot_guild_ids else TeamRefusal.NOT_TEAM_SERVER

    def should_leave(self, guild_id: int) -> bool:
        """True for a server the bot was added to that TEAM_GUILD_IDS does not name."""
        return self.configured is not None and guild_id not in self.configured

    def log_start(self, bot_guild_ids: Collection[int]) -> None:
        """Say at start which servers are the team's, or why team-wide commands are refused."""
        if self.configured is not None:
            log.info("team servers (TEAM_GUILD_IDS): %s", ", ".join(map(str, sorted(self.configured))))
            foreign = sorted(set(bot_guild_ids) - self.configured)
            if foreign:
                log.warning("in server(s) outside TEAM_GUILD_IDS, shown no team data: %s", foreign)
        elif len(bot_guild_ids) > 1:
            log.warning(
                "TEAM_GUILD_IDS is unset and the bot is in %d servers: team-wide commands (conversations, "
                "templates, limits, actions, usage) are refused until it names the team's servers",
                len(bot_guild_ids),
            )
        elif bot_guild_ids:
            log.info(
                "team server: %s (the only server the bot is in; TEAM_GUILD_IDS is unset)", *bot_guild_ids
            )
