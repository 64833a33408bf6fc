"""The replies to failures that are not domain errors (those read bot/errors.py's table)."""

from __future__ import annotations

# Postgres text cannot hold U+0000 (SQLSTATE 22021): input fuzzing found it reaching a query from a string
# option. It is the user's text that cannot be used, not a bug to report with a reference.
UNSTORABLE_TEXT = (
    "That text contains a NUL character (U+0000), which cannot be used; remove it and try again."
)


def cooldown_message(retry_after: float) -> str:
    return f"Slow down: try again in {retry_after:.0f} s."


def unexpected_error_message(ref: str) -> str:
    """A bug: the reply gives the reference under which the operator's log has the traceback."""
    return f"Something went wrong on our side. Reference: `{ref}` (the operator's log has the details)."


# Team-wide data (conversations, templates, caps, the action log, API usage) outside the team's servers.
NOT_TEAM_SERVER = (
    "This server is not the team's: conversations, templates, caps, the action log and API usage are shown "
    "only in the team's server (TEAM_GUILD_IDS)."
)
TEAM_SERVERS_UNSET = (
    "The bot is in more than one server and TEAM_GUILD_IDS is not set, so team-wide data is shown nowhere "
    "until the operator names the team's servers."
)
