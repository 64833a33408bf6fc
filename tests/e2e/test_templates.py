"""/templates through the real bot and the Discord emulator: add and edit open a form with room for a long
text (Discord's 4000 characters), answered with a preview filled with sample values; a refused form quotes
the text back, and changes nothing."""

from __future__ import annotations

import asyncpg
import pytest

from bot.sandbox.discord import InvalidInvocation, Message
from bot.sandbox.stack import Stack
from db.accounts import upsert_account
from tests.e2e.helpers import write_template

WELCOME = "Hi {display_name},\nthanks for watching {video_title}!\n— {account}"
ONLY_ADMINS = "Only admins (Manage Server, or the configured admin role) can do that."


def quoted(answer: Message) -> str:
    """The text a refused form quotes back (in a code block of the answer's embed)."""
    description = answer.embeds[0]["description"]
    assert description.startswith("```\n") and description.endswith("\n```"), description
    return str(description[4:-4])


async def submit_edit(stack: Stack, template: str, **fields: str) -> Message:
    """/templates edit `template` as the admin, its form submitted with `fields` changed (the rest as
    filled in); returns the bot's answer to the form."""
    opened = await stack.emulator.invoke(
        stack.world.admin, "templates edit", channel=stack.world.channel, name=template
    )
    return await (await stack.emulator.submit_modal(opened, **fields)).final()


async def test_add_opens_a_form_and_answers_with_a_filled_preview(
    stack: Stack, clean_db: asyncpg.Pool
) -> None:
    w, emu = stack.world, stack.emulator
    async with clean_db.acquire() as conn:
        await upsert_account(conn, username="brand")
    opened = await emu.invoke(
        w.admin, "templates add", channel=w.channel, account="@Brand", category="welcome"
    )
    form = await opened.wait_for_modal()
    assert form.title == "New message template"
    assert [(f.custom_id, f.label, f.paragraph, f.required, f.value) for f in form.fields] == [
        ("name", "Name", False, True, None),
        ("text", "Text", True, True, None),
    ]
    assert form.fields[1].max_length == 4000 and "{video_title}" in (form.fields[1].description or "")

    added = await (await emu.submit_modal(opened, name="welcome", text=WELCOME)).final()
    assert not added.ephemeral
    assert added.embeds[0]["title"] == "Template added: welcome"
    assert added.embeds[0]["description"] == "Hi Sample User,\nthanks for watching My latest video!\n— brand"
    assert "welcome · @brand" in added.embeds[0]["footer"]["text"]
    row = await clean_db.fetchrow("SELECT name, category, template_text FROM message_templates")
    assert dict(row) == {"name": "welcome", "category": "welcome", "template_text": WELCOME}

    listed = await stack.reply(w.member, "templates list")
    assert "**welcome**" in listed.embeds[0]["description"]
    names = await emu.autocomplete(w.member, "templates preview", focused="name", value="wel")
    assert [c["value"] for c in names] == ["welcome"]
    preview = await stack.reply(w.member, "templates preview", name="welcome", account="brand")
    assert preview.embeds[0]["description"] == added.embeds[0]["description"]
    assert await clean_db.fetchval("SELECT times_used FROM message_templates") == 0  # a preview is not a use
    removed = await stack.reply(w.admin, "templates remove", name="welcome", account="brand")
    assert "removed" in removed.content
    assert await clean_db.fetchval("SELECT count(*) FROM message_templates") == 0
    emu.assert_no_violations()


async def test_edit_opens_the_form_filled_in_and_saves_the_change(
    stack: Stack, clean_db: asyncpg.Pool
) -> None:
    w, emu = stack.world, stack.emulator
    await write_template(stack, w.admin, "welcome", WELCOME, category="welcome")
    before = await clean_db.fetchrow("SELECT id, created_at FROM message_templates")
    names = await emu.autocomplete(w.admin, "templates edit", focused="name", value="WEL")
    assert [c["value"] for c in names] == ["welcome"]

    opened = await emu.invoke(w.admin, "templates edit", channel=w.channel, name="welcome")
    form = await opened.wait_for_modal()
    assert form.title == "Edit template: welcome"
    assert [(f.custom_id, f.value) for f in form.fields] == [("name", "welcome"), ("text", WELCOME)]

    saved = await (
        await emu.submit_modal(opened, name="welcome back", text="Welcome back, {username}!")
    ).final()
    assert saved.embeds[0]["title"] == "Template saved: welcome back"
    assert saved.embeds[0]["description"] == "Welcome back, sample_user!"
    row = await clean_db.fetchrow(
        "SELECT id, name, category, template_text, variables FROM message_templates"
    )
    assert (row["id"], row["name"], row["category"]) == (before["id"], "welcome back", "welcome")
    assert (row["template_text"], row["variables"]) == ("Welcome back, {username}!", ["username"])

    # A field left as it was keeps what the form was filled with.
    kept = await submit_edit(stack, "welcome back", text="Welcome back, {display_name}!")
    assert kept.embeds[0]["title"] == "Template saved: welcome back"
    missing = await stack.reply(w.admin, "templates edit", name="nope")
    assert missing.ephemeral and "No template named nope" in missing.content
    emu.assert_no_violations()


async def test_bad_placeholders_are_refused_quoting_the_text_back(
    stack: Stack, clean_db: asyncpg.Pool
) -> None:
    w, emu = stack.world, stack.emulator
    typo = "Hi {nmae},\n\nsee {video} — {{literal}}\n```code```"
    refused = await write_template(stack, w.admin, "bad", typo)
    assert refused.ephemeral
    assert (
        "{nmae} (unknown placeholder)" in refused.content
        and "{video} (unknown placeholder)" in refused.content
    )
    assert "Nothing was saved" in refused.content
    assert refused.embeds[0]["title"] == "Name: bad"
    assert quoted(refused).replace("\u200b", "") == typo
    unstorable = await write_template(stack, w.admin, "nul", "Hi\x00 {username}")
    assert unstorable.ephemeral and "NUL character" in unstorable.content
    assert await clean_db.fetchval("SELECT count(*) FROM message_templates") == 0

    await write_template(stack, w.admin, "good", WELCOME)
    refused = await submit_edit(stack, "good", text=WELCOME + " {username!r}")
    assert refused.ephemeral and "conversions and format specs are not allowed" in refused.content
    assert quoted(refused) == WELCOME + " {username!r}"
    assert await clean_db.fetchval("SELECT template_text FROM message_templates") == WELCOME
    emu.assert_no_violations()


async def test_a_taken_name_is_refused_for_add_and_for_a_rename(stack: Stack, clean_db: asyncpg.Pool) -> None:
    w, emu = stack.world, stack.emulator
    await write_template(stack, w.admin, "@everyone hi", "Hello {username}")
    await write_template(stack, w.admin, "thanks", "Thanks {username}")

    again = await write_template(stack, w.admin, "@EVERYONE HI", "Another hello {username}")
    assert again.ephemeral and "already exists among the global templates" in again.content
    assert quoted(again) == "Another hello {username}"

    renamed = await submit_edit(stack, "thanks", name="@everyone hi", text="Thanks a lot {username}")
    assert renamed.ephemeral and "already exists" in renamed.content
    assert quoted(renamed) == "Thanks a lot {username}" and renamed.embeds[0]["title"] == "Name: @everyone hi"
    rows = await clean_db.fetch("SELECT name, template_text FROM message_templates ORDER BY id")
    assert [tuple(r) for r in rows] == [("@everyone hi", "Hello {username}"), ("thanks", "Thanks {username}")]
    emu.assert_no_violations()  # and, as in every test, nobody was pinged (tests/conftest.py)


async def test_members_are_refused_before_any_form_opens(stack: Stack, clean_db: asyncpg.Pool) -> None:
    w, emu = stack.world, stack.emulator
    await write_template(stack, w.admin, "keep", "Hi {username}")
    for command, options in (("templates add", {}), ("templates edit", {"name": "keep"})):
        interaction = await emu.invoke(w.member, command, channel=w.channel, options=options)
        assert (await interaction.response()).type == 4 and interaction.modal is None, command
        refused = await interaction.final()
        assert refused.ephemeral and refused.content == ONLY_ADMINS, command
    removed = await stack.reply(w.member, "templates remove", name="keep")
    assert removed.ephemeral and removed.content == ONLY_ADMINS
    rows = await clean_db.fetch("SELECT name, template_text FROM message_templates")
    assert [tuple(r) for r in rows] == [("keep", "Hi {username}")]


async def test_a_text_of_discords_full_4000_characters_is_saved_and_edited(
    stack: Stack, clean_db: asyncpg.Pool
) -> None:
    w, emu = stack.world, stack.emulator
    line = "Thanks {display_name} for watching {video_title}!\n"
    text = (line * (3990 // len(line))).ljust(3990, ".") + "{account}!"
    assert len(text) == 4000
    added = await write_template(stack, w.admin, "long", text)
    assert added.embeds[0]["title"] == "Template added: long"
    assert added.embeds[0]["description"].startswith("Thanks Sample User for watching My latest video!\n")
    assert await clean_db.fetchval("SELECT length(template_text) FROM message_templates") == 4000

    opened = await emu.invoke(w.admin, "templates edit", channel=w.channel, name="long")
    assert (await opened.wait_for_modal()).fields[1].value == text
    with pytest.raises(InvalidInvocation, match="at most 4000 characters"):
        await emu.submit_modal(opened, text=text + "!")
    saved = await (await emu.submit_modal(opened, text="x" + text[1:])).final()
    assert saved.embeds[0]["title"] == "Template saved: long"
    assert await clean_db.fetchval("SELECT template_text FROM message_templates") == "x" + text[1:]

    # A longer text, written by another tool, cannot go into a form: said so, rather than failing.
    await clean_db.execute("UPDATE message_templates SET template_text = $1", text + "!")
    refused = await stack.reply(w.admin, "templates edit", name="long")
    assert refused.ephemeral and "4001 characters long, more than the 4000 a form holds" in refused.content
    emu.assert_no_violations()


async def test_a_form_opened_before_the_bot_restarts_is_saved_after_it(
    stack: Stack, clean_db: asyncpg.Pool
) -> None:
    w, emu = stack.world, stack.emulator
    async with clean_db.acquire() as conn:
        await upsert_account(conn, username="brand")
    opened = await emu.invoke(w.admin, "templates add", channel=w.channel, account="brand", category="promo")
    await opened.wait_for_modal()
    await stack.restart_bot()  # the form's purpose is in its custom_id, not in the old process's memory
    added = await (await emu.submit_modal(opened, name="drop", text="New drop, {username}!")).final()
    assert added.embeds[0]["title"] == "Template added: drop"
    row = await clean_db.fetchrow(
        "SELECT t.category, a.username FROM message_templates t JOIN social_media_accounts a ON a.id = t.account_id"
    )
    assert tuple(row) == ("promo", "brand")
    emu.assert_no_violations()
