"""The Discord side of notifications: posts a batch of embeds to a channel through discord.py's REST."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator, Sequence
from typing import Any

import aiohttp
import discord

from bot.errors import ChannelBroken, NotificationFailed


class DiscordSender:
    """A NotificationSender over discord.py's HTTP client; works without a gateway connection."""

    def __init__(self, client: discord.Client) -> None:
        self.client = client

    async def send(
        self,
        channel_id: int,
        embeds: list[dict[str, Any]],
        *,
        nonce: str | None = None,
        components: list[dict[str, Any]] | None = None,
        roles: Sequence[int] = (),
        files: Sequence[tuple[str, bytes]] = (),
    ) -> int:
        """Posts the embeds (and `components`' buttons, and `files` as attachments: (name, bytes)); with a `nonce`, discord.py sends it with
        enforce_nonce, so Discord answers a repeat of it (a resend after a crash) with the message it already
        created. With `roles`, the message mentions them and its allowed_mentions allow exactly them (never
        @everyone or a user)."""
        channel = self.client.get_partial_messageable(channel_id)
        payload = [discord.Embed.from_dict(e) for e in embeds]
        extra: dict[str, Any] = {"nonce": nonce} if nonce is not None else {}  # else discord.py picks one
        if components:
            extra["view"] = _buttons_view(components)
        if files:
            extra["files"] = [discord.File(io.BytesIO(data), filename=name) for name, data in files]
        if roles:
            extra["content"] = " ".join(f"<@&{role}>" for role in roles)
            extra["allowed_mentions"] = discord.AllowedMentions(
                everyone=False,
                users=False,
                roles=[discord.Object(role) for role in roles],
                replied_user=False,
            )
        with _failures(channel_id, "post in"):
            message = await channel.send(embeds=payload, **extra)
        return message.id

    async def find_sent(
        self, channel_id: int, embeds: list[dict[str, Any]], *, limit: int = 50
    ) -> int | None:
        """The id of a message this bot already posted in the channel with these embeds (among the latest
        `limit`), or None: asked before resending a batch whose first send's outcome is unknown, since
        Discord forgets a nonce after a few minutes."""
        channel = self.client.get_partial_messageable(channel_id)
        me = self.client.user.id if self.client.user is not None else None
        wanted = [_marker(e) for e in embeds]
        with _failures(channel_id, "read", asked="the history check"):
            async for message in channel.history(limit=limit):
                if me is not None and message.author.id != me:
                    continue
                if [_marker(e.to_dict()) for e in message.embeds] == wanted:  # type: ignore[arg-type]
                    return message.id
        return None


def _buttons_view(rows: list[dict[str, Any]]) -> discord.ui.View:
    """A view that only carries the buttons: stopped, so discord.py keeps nothing of it; a press is answered
    by the dynamic item (cogs/) whose template matches the button's custom_id, in whichever process."""
    view = discord.ui.View(timeout=None)
    for r, row in enumerate(rows):
        for item in row.get("components", []):
            view.add_item(
                discord.ui.Button(
                    style=discord.ButtonStyle(item.get("style", 2)),
                    label=item.get("label"),
                    custom_id=item.get("custom_id"),
                    row=r,
                )
            )
    view.stop()
    return view


@contextlib.contextmanager
def _failures(channel_id: int, may_not: str, *, asked: str | None = None) -> Iterator[None]:
    """Discord's and the network's failures as the outbox's: a channel gone or forbidden is ChannelBroken
    (the bot may not `may_not` it), anything else NotificationFailed (to retry; after a 429, in 5 s)."""
    try:
        yield
    except discord.NotFound as exc:
        raise ChannelBroken(
            f"channel {channel_id} no longer exists ({exc.text or 'Unknown Channel'})"
        ) from exc
    except discord.Forbidden as exc:
        raise ChannelBroken(
            f"the bot may not {may_not} channel {channel_id} ({exc.text or 'Missing Permissions'})"
        ) from exc
    except discord.HTTPException as exc:
        retry = 5.0 if exc.status == 429 and asked is None else None
        to = f" to {asked}" if asked else ""
        raise NotificationFailed(f"Discord answered {exc.status}{to}", retry_after=retry) from exc
    except (aiohttp.ClientError, OSError, TimeoutError) as exc:
        raise NotificationFailed(f"network error: {type(exc).__name__}") from exc


def _marker(embed: dict[str, Any]) -> tuple[str, str, str]:
    """What identifies a notification's embed in a channel: its title, description and footer."""
    footer = (embed.get("footer") or {}).get("text") or ""
    return (embed.get("title") or "", embed.get("description") or "", footer)
