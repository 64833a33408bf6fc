"""The environment of a `python -m bot` child process pointed at the Discord emulator and the metrics simulator."""

from __future__ import annotations

import os

# Settings of the parent's shell that must not leak into the child: where Discord and the metrics API are,
# where notifications go, and the health port (two children on one port would collide).
_POINTED_ELSEWHERE = ("DISCORD_", "METRICS_", "NOTIFY_", "HEALTH_")


def bot_process_env(
    dsn: str, *, token: str, discord_url: str, metrics_url: str, **settings: str
) -> dict[str, str]:
    """This process's environment without the settings above, then the database `dsn`, the bot `token`, the
    emulator's and the simulator's base URLs, and `settings` last."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(_POINTED_ELSEWHERE)}
    env.update(
        DATABASE_URL=dsn,
        DISCORD_TOKEN=token,
        DISCORD_API_BASE_URL=discord_url,
        METRICS_API_BASE_URL=metrics_url,
    )
    env.update(settings)
    return env
