"""What several end-to-end tests do the same way."""

from __future__ import annotations

from datetime import timedelta

from bot.sandbox.discord import Message
from bot.sandbox.stack import Stack


async def track_fresh(stack: Stack, video_id: str, username: str = "demo") -> Message:
    """Publish the video five minutes ago (so its whole schedule lies ahead) and /track it as the member in
    the sandbox channel; returns the bot's answer."""
    stack.simulator.add_video(video_id, stack.clock.now() - timedelta(minutes=5), username=username)
    url = f"https://www.tiktok.com/@{username}/video/{video_id}"
    return await stack.reply(stack.world.member, "track", url=url)
