"""SQL about system_settings, the original system's key/value settings (the default check-back schedule)."""

from __future__ import annotations

from typing import Any

DEFAULT_SCHEDULE_KEY = "checkback_schedule_default"


async def get_setting(conn: Any, key: str) -> Any:
    """The setting's JSON value as Python data; None when it is not set."""
    return await conn.fetchval("SELECT setting_value FROM system_settings WHERE setting_key = $1", key)
