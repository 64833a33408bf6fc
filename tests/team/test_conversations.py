"""Conversations and the message import: counters right after mixed messages, idempotent, bad lines named."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest

from bot.clock import ManualClock
from bot.conversations import ConversationService
from bot.errors import AccountNotFound, ConversationNotFound, InvalidInput
from bot.message_import import parse_import_line

from .conftest import import_line, run_cli

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def service(clean_db: asyncpg.Pool) -> ConversationService:
    return ConversationService(clean_db, ManualClock(T0 + timedelta(days=1)))


async def test_counters_after_mixed_incoming_and_outgoing_messages_and_mark_read(
    service: ConversationService,
) -> None:
    await service.record_incoming("brand", "fan1", "hi!", sent_at=T0, external_id="m1")
    await service.record_incoming("brand", "fan1", "love the video", sent_at=T0 + timedelta(minutes=1))
    await service.record_outgoing("brand", "fan1", "thanks!", sent_at=T0 + timedelta(minutes=2))
    await service.record_incoming("brand", "@Fan1", "когда новое?", sent_at=T0 + timedelta(minutes=3))

    conv = (await service.get("brand", "fan1")).conversation
    assert conv.unread_count == 3
    assert (conv.last_message_preview, conv.last_message_is_outgoing) == ("когда новое?", False)
    assert conv.last_message_at == T0 + timedelta(minutes=3)
    assert conv.conversation_started_at == T0

    await service.record_outgoing("brand", "fan1", "soon", sent_at=T0 + timedelta(minutes=4))
    conv = (await service.get("brand", "fan1")).conversation
    assert (conv.unread_count, conv.last_message_preview, conv.last_message_is_outgoing) == (3, "soon", True)

    assert await service.mark_read("brand", "fan1") == 3
    detail = await service.get("brand", "fan1")
    assert detail.conversation.unread_count == 0
    assert [m.message_text for m in detail.messages] == [
        "hi!",
        "love the video",
        "thanks!",
        "когда новое?",
        "soon",
    ]
    assert all(m.is_read for m in detail.messages)
    assert {m.read_at for m in detail.messages if not m.is_outgoing} == {T0 + timedelta(days=1)}
    assert await service.mark_read("brand", "fan1") == 0


async def test_an_older_message_does_not_move_the_preview_backwards(service: ConversationService) -> None:
    await service.record_outgoing("brand", "fan", "newest", sent_at=T0)
    await service.record_incoming("brand", "fan", "older, imported late", sent_at=T0 - timedelta(hours=2))

    conv = (await service.get("brand", "fan")).conversation
    assert (conv.last_message_preview, conv.last_message_is_outgoing, conv.last_message_at) == (
        "newest",
        True,
        T0,
    )
    assert conv.unread_count == 1
    assert conv.conversation_started_at == T0 - timedelta(hours=2)


async def test_same_external_id_twice_is_one_message(service: ConversationService) -> None:
    first = await service.record_incoming("brand", "fan", "hello", sent_at=T0, external_id="x1")
    again = await service.record_incoming("brand", "fan", "hello", sent_at=T0, external_id="x1")
    assert first.conversation_created and not first.duplicate
    assert again.duplicate and not again.conversation_created
    assert (await service.get("brand", "fan")).conversation.unread_count == 1


async def test_list_filters_unread_all_archived_newest_first_and_pages(service: ConversationService) -> None:
    for i in range(5):
        await service.record_incoming("brand", f"fan{i}", f"msg {i}", sent_at=T0 + timedelta(minutes=i))
    await service.record_outgoing("brand", "quiet", "we wrote first", sent_at=T0 + timedelta(minutes=10))
    await service.record_incoming("other", "fan9", "elsewhere", sent_at=T0 + timedelta(minutes=20))
    await service.mark_read("brand", "fan1")
    await service.archive("brand", "fan3")
    await service.mute("brand", "fan4")

    unread = await service.list("brand", "unread")
    assert [c.participant_username for c in unread.conversations] == ["fan4", "fan2", "fan0"]
    assert unread.conversations[0].is_muted
    every = await service.list("brand", "all", limit=2)
    assert [c.participant_username for c in every.conversations] == ["quiet", "fan4"]
    assert (every.total, every.has_more) == (5, True)
    page3 = await service.list("brand", "all", limit=2, offset=4)
    assert [c.participant_username for c in page3.conversations] == ["fan0"] and not page3.has_more
    archived = await service.list("brand", "archived")
    assert [c.participant_username for c in archived.conversations] == ["fan3"]
    everyone = await service.list(None, "unread")
    assert [c.account_username for c in everyone.conversations][:1] == ["other"]

    await service.archive("brand", "fan3", archived=False)
    assert (await service.list("brand", "archived")).total == 0


async def test_unknown_account_conversation_or_filter_is_a_domain_error(service: ConversationService) -> None:
    await service.record_incoming("brand", "fan", "hi", sent_at=T0)
    with pytest.raises(AccountNotFound):
        await service.list("ghost")
    with pytest.raises(ConversationNotFound, match="stranger"):
        await service.mark_read("brand", "stranger")
    with pytest.raises(InvalidInput):
        await service.list("brand", "spam")
    with pytest.raises(InvalidInput):
        await service.record_incoming("brand", "  @ ", "hi")


def test_import_lines_accept_iso_with_offset_and_unix_seconds_and_name_bad_fields() -> None:
    iso = parse_import_line(1, import_line())
    assert not isinstance(iso, str) and iso.sent_at == datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
    unix = parse_import_line(2, import_line(sent_at=1772366400))
    assert not isinstance(unix, str) and unix.sent_at == datetime(2026, 3, 1, 12, 0, tzinfo=UTC)

    assert parse_import_line(7, import_line(sent_at="2026-03-01T12:00:00")).startswith("line 7: sent_at: ")
    assert parse_import_line(3, import_line(direction="sideways")).startswith("line 3: direction: ")
    assert parse_import_line(4, import_line(external_id=None)) == "line 4: external_id: Field required"
    assert parse_import_line(5, "{not json").startswith("line 5: not valid JSON")
    assert parse_import_line(6, "[1, 2]") == "line 6: expected a JSON object, got list"
    assert parse_import_line(8, import_line(message_type="hologram")).startswith("line 8: message_type: ")


async def test_import_twice_loads_nothing_new_and_creates_accounts(
    clean_db: asyncpg.Pool, dsn: str, tmp_path: Path
) -> None:
    lines = [
        import_line(external_id="a1", sent_at=1772366400),
        import_line(external_id="a2", direction="out", text="thanks", sent_at=1772366460),
        import_line(
            external_id="a3", participant="Other.Fan", participant_display_name="Other", sent_at=1772366520
        ),
        import_line(
            external_id="a4", message_type="image", text="", media_url="https://x/img.jpg", sent_at=1772366580
        ),
        import_line(account="second", external_id="a1", sent_at=1772366400),
    ]
    path = tmp_path / "export.jsonl"
    path.write_text("\n".join(lines) + "\n\n", encoding="utf-8")

    first = await run_cli(dsn, "import-messages", str(path))
    assert first.returncode == 0, first.stderr
    assert (
        "loaded 5 messages (3 new conversations, 2 new accounts), 0 duplicates skipped, 0 bad lines"
        in first.stdout
    )
    second = await run_cli(dsn, "import-messages", str(path))
    assert second.returncode == 0, second.stderr
    assert "loaded 0 messages" in second.stdout and "5 duplicates skipped" in second.stdout

    assert await clean_db.fetchval("SELECT count(*) FROM social_media_messages") == 5
    accounts = await clean_db.fetch("SELECT username, platform FROM social_media_accounts ORDER BY username")
    assert [(r["username"], r["platform"]) for r in accounts] == [("brand", "tiktok"), ("second", "tiktok")]
    conv = await clean_db.fetchrow(
        """SELECT c.unread_count, c.last_message_preview FROM social_media_conversations c
           JOIN social_media_accounts a ON a.id = c.account_id
           WHERE a.username = 'brand' AND c.participant_username = 'fan'"""
    )
    assert (conv["unread_count"], conv["last_message_preview"]) == (2, "[image]")


async def test_import_with_bad_lines_reports_them_by_number_loads_the_rest_and_exits_1(
    clean_db: asyncpg.Pool, dsn: str, tmp_path: Path
) -> None:
    lines = [
        import_line(external_id="g1"),
        import_line(external_id="b1", sent_at="yesterday"),
        "",
        import_line(external_id="g2", direction="out"),
        "not json at all",
    ]
    path = tmp_path / "export.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8")

    result = await run_cli(dsn, "import-messages", str(path))

    assert result.returncode == 1
    errors = result.stderr.strip().splitlines()
    assert len(errors) == 2
    assert errors[0].startswith("line 2: sent_at: ") and errors[1].startswith("line 5: not valid JSON")
    assert "loaded 2 messages" in result.stdout and "2 bad lines" in result.stdout
    ids = await clean_db.fetch("SELECT external_message_id FROM social_media_messages ORDER BY 1")
    assert [r["external_message_id"] for r in ids] == ["g1", "g2"]


async def test_import_of_a_missing_file_is_one_line_and_exit_1(dsn: str, tmp_path: Path) -> None:
    result = await run_cli(dsn, "import-messages", str(tmp_path / "nope.jsonl"))
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"error: cannot read {tmp_path / 'nope.jsonl'}: No such file or directory"
    ]


async def test_a_reference_of_unicode_digits_is_a_name_not_an_id(service: ConversationService) -> None:
    # "¹".isdigit() is true but int("¹") fails: found by the command fuzzer as a ValueError.
    for ref in ("¹", "²³", "٣"):
        with pytest.raises(ConversationNotFound):
            await service.open(ref)
