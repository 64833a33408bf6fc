"""SQL about social-media accounts: upsert from API data, look-up by username, get-or-create, and the
account marked private or gone."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg
from pydantic import BaseModel

from db.rows import record_where

_COLUMNS = "id, username, display_name"


class Account(BaseModel):
    """One row of social_media_accounts: the columns Checkback reads back (upsert_account writes the rest of
    the profile for the table's other readers)."""

    id: int
    username: str
    display_name: str | None = None


def _account(row: Any) -> Account:
    # A pydantic model, which db.rows.record_of (dataclasses only) does not read.
    return Account(**dict(row))


# Accounts as Checkback reads them (see db.rows.record_where).
_SOURCE = f"SELECT {_COLUMNS} FROM social_media_accounts"  # noqa: S608 - a constant column list


def normalise_username(username: str) -> str:
    """TikTok handles are case-insensitive and often written with a leading '@'; store them bare, lower."""
    return username.strip().lstrip("@").strip().lower()


async def upsert_account(
    conn: asyncpg.Connection,
    *,
    platform: str = "tiktok",
    username: str,
    display_name: str | None = None,
    profile_pic_url: str | None = None,
    external_id: str | None = None,
    bio: str | None = None,
    is_verified: bool | None = None,
    is_private: bool | None = None,
) -> int:
    """Insert or update the account from fetched data; returns its id.

    On conflict only the fields given (not None) overwrite, so a sparse source (a comment's author)
    never erases what a full profile fetch stored. last_fetched_at records this fetch.
    """
    return await conn.fetchval(
        """
        INSERT INTO social_media_accounts AS a
            (platform, username, display_name, profile_pic_url, external_id, bio,
             is_verified, is_private, last_fetched_at)
        VALUES ($1, $2, $3, $4, $5, $6, coalesce($7, false), coalesce($8, false), now())
        ON CONFLICT (platform, username) DO UPDATE SET
            display_name    = coalesce($3, a.display_name),
            profile_pic_url = coalesce($4, a.profile_pic_url),
            external_id     = coalesce($5, a.external_id),
            bio             = coalesce($6, a.bio),
            is_verified     = coalesce($7, a.is_verified),
            is_private      = coalesce($8, a.is_private),
            last_fetched_at = now(),
            updated_at      = now()
        RETURNING id
        """,
        platform,
        normalise_username(username),
        display_name,
        profile_pic_url,
        external_id,
        bio,
        is_verified,
        is_private,
    )


async def get_account_by_username(
    conn: asyncpg.Connection, username: str, platform: str = "tiktok"
) -> Account | None:
    where = "platform = $1 AND username = $2"
    return await record_where(conn, _account, _SOURCE, where, platform, normalise_username(username))


async def get_account(conn: asyncpg.Connection, account_id: int) -> Account | None:
    return await record_where(conn, _account, _SOURCE, "id = $1", account_id)


async def get_or_create_account(conn: asyncpg.Connection, username: str, platform: str = "tiktok") -> Account:
    """The stored account, created bare (nothing fetched) when missing; safe under concurrency."""
    name = normalise_username(username)
    # DO UPDATE (a no-op write) rather than DO NOTHING so RETURNING yields the row in both cases.
    row = await conn.fetchrow(
        f"""
        INSERT INTO social_media_accounts AS a (platform, username)
        VALUES ($1, $2)
        ON CONFLICT (platform, username) DO UPDATE SET username = a.username
        RETURNING {_COLUMNS}
        """,  # noqa: S608
        platform,
        name,
    )
    return _account(row)


async def mark_account_unavailable(conn: Any, account_id: int, *, private: bool, now: datetime) -> None:
    """Keeps the accounts table's own flags true to what the API said: private, or gone (inactive)."""
    await conn.execute(
        """
        UPDATE social_media_accounts
           SET is_private = CASE WHEN $2 THEN true ELSE is_private END,
               is_active = CASE WHEN $2 THEN is_active ELSE false END,
               updated_at = $3
         WHERE id = $1
        """,
        account_id,
        private,
        now,
    )
