"""Message templates: only the documented placeholders, names unique per scope, rendering counts uses."""

from __future__ import annotations

from datetime import UTC, datetime

import asyncpg
import pytest

from bot.clock import ManualClock
from bot.errors import AccountNotFound, InvalidInput, InvalidTemplate, TemplateNotFound
from bot.templates import TemplateService, placeholders_in
from db.accounts import upsert_account

NOW = datetime(2026, 5, 4, 9, 30, tzinfo=UTC)


@pytest.fixture
async def templates(clean_db: asyncpg.Pool) -> TemplateService:
    async with clean_db.acquire() as conn:
        await upsert_account(conn, username="brand")
        await upsert_account(conn, username="other")
    return TemplateService(clean_db, ManualClock(NOW))


# Bad placeholders, each refused by name: one table with the other typed text, tests/fuzz/test_parsers.py.


def test_every_bad_placeholder_is_named_at_once_and_literal_braces_are_fine() -> None:
    with pytest.raises(InvalidTemplate) as caught:
        placeholders_in("{nope} and {also_no} for {username}")
    assert "{nope}" in caught.value.detail and "{also_no}" in caught.value.detail
    assert placeholders_in("{{literal}} {account} {username} {account}") == ["account", "username"]


async def test_create_rejects_bad_placeholders_and_stores_nothing(
    templates: TemplateService, clean_db: asyncpg.Pool
) -> None:
    with pytest.raises(InvalidTemplate, match=r"\{video\} \(unknown placeholder\)"):
        await templates.create("promo1", "Watch {video}!", account="brand")
    assert await clean_db.fetchval("SELECT count(*) FROM message_templates") == 0


async def test_names_are_unique_per_account_and_among_global_templates(templates: TemplateService) -> None:
    await templates.create("welcome", "Hi {display_name}!", category="welcome")
    await templates.create(
        "welcome", "Hey {username}, welcome to {account}", account="brand", category="welcome"
    )
    await templates.create("Welcome", "Hello from other", account="other")
    with pytest.raises(InvalidTemplate, match="already exists for brand"):
        await templates.create("WELCOME", "again", account="brand")
    with pytest.raises(InvalidTemplate, match="already exists among the global"):
        await templates.create("welcome", "again")
    with pytest.raises(AccountNotFound):
        await templates.create("x", "y", account="ghost")
    with pytest.raises(InvalidInput, match="category"):
        await templates.create("x", "y", category="spam")

    brand = await templates.list("brand")
    assert [(t.name, t.account_username) for t in brand] == [("welcome", "brand"), ("welcome", None)]
    assert brand[0].variables == ["username", "account"]
    assert len(await templates.list()) == 3


async def test_render_fills_placeholders_prefers_the_accounts_own_and_counts_uses(
    templates: TemplateService,
) -> None:
    await templates.create("thanks", "Thanks {display_name}! Glad you liked “{video_title}”. — {account}")
    await templates.create("hi", "Hi {username} from {account}", account="brand")
    await templates.create("hi", "global hi {username}")

    text = await templates.render(
        "thanks", account="brand", username="@Jane", display_name="Jane D.", video_title="Cats {x}"
    )
    assert text == "Thanks Jane D.! Glad you liked “Cats {x}”. — brand"
    assert await templates.render("hi", account="brand", username="jane") == "Hi jane from brand"
    assert await templates.render("hi", account="other", username="jane") == "global hi jane"
    assert await templates.render("thanks", account="other", username="sam", video_title="V") == (
        "Thanks sam! Glad you liked “V”. — other"
    )

    used = await templates.get("thanks", account="brand")
    assert (used.times_used, used.last_used_at) == (2, NOW)
    with pytest.raises(InvalidInput, match="needs video_title"):
        await templates.render("thanks", account="brand", username="jane")
    with pytest.raises(TemplateNotFound):
        await templates.render("nope", account="brand", username="jane")


async def test_remove_deletes_only_the_named_scope(templates: TemplateService) -> None:
    await templates.create("hi", "global {username}")
    await templates.create("hi", "brand {username}", account="brand")

    await templates.remove("hi", account="brand")

    assert await templates.render("hi", account="brand", username="jo") == "global jo"
    with pytest.raises(TemplateNotFound):
        await templates.remove("hi", account="brand")
    await templates.remove("HI")
    assert await templates.list() == []
