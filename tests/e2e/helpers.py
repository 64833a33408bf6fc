"""What several end-to-end tests do the same way."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.sandbox.discord import Member, Message
from bot.sandbox.stack import Stack


async def track_fresh(stack: Stack, video_id: str, username: str = "demo", **video: Any) -> Message:
    """Publish the video five minutes ago (so its whole schedule lies ahead; `video`: the simulator's
    add_video options) and /track it as the member in the sandbox channel; returns the bot's answer."""
    stack.simulator.add_video(video_id, stack.clock.now() - timedelta(minutes=5), username=username, **video)
    url = f"https://www.tiktok.com/@{username}/video/{video_id}"
    return await stack.reply(stack.world.member, "track", url=url)


async def write_template(stack: Stack, member: Member, name: str, text: str, **options: Any) -> Message:
    """/templates add (with `options`) as `member`, its form filled in with `name` and `text` and
    submitted; returns the bot's answer to the form."""
    emu = stack.emulator
    opened = await emu.invoke(member, "templates add", channel=stack.world.channel, options=options)
    submitted = await emu.submit_modal(opened, name=name, text=text, timeout=10)
    return await submitted.final(timeout=10)
