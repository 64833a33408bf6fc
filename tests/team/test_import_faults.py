"""The message import against hostile files: every bad line named by number, every good line loaded."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest

from bot.cli.progress import Progress
from bot.message_import import MAX_DEPTH, MAX_LINE_BYTES, MAX_TEXT, parse_import_line

from .conftest import import_line, run_cli

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("[" * 100_000 + "]" * 100_000, f"JSON nested deeper than {MAX_DEPTH} levels"),
        ('{"a":' * 5_000 + "1" + "}" * 5_000, f"JSON nested deeper than {MAX_DEPTH} levels"),
        (import_line(text="a\u0000b"), "text: contains a NUL character"),
        (import_line(participant="fa\u0000n"), "participant: contains a NUL character"),
        (
            import_line(text="\ud800"),
            "text: Input should be a valid string, unable to parse raw data as a unicode string",
        ),
        (import_line(sent_at="2026-03-02T13:00:00Z"), "sent_at: is in the future (2026-03-02 13:00 UTC)"),
        (
            import_line(message_type="image", text="", media_url="javascript:alert(1)"),
            "media_url: must be an http(s) link",
        ),
        (
            import_line(message_type="image", text="", media_url="file:///etc/passwd"),
            "media_url: must be an http(s) link",
        ),
        (import_line(text="x" * (MAX_TEXT + 1)), "text: String should have at most 10000 characters"),
        (b'{"text": "\xff"}', "not UTF-8 text"),
    ],
)
def test_each_bad_line_has_its_reason(line: str | bytes, reason: str) -> None:
    result = parse_import_line(9, line, now=NOW)
    assert isinstance(result, str)
    assert result.startswith("line 9: ") and reason in result, result


def test_within_the_bounds_is_good() -> None:
    ok = [
        import_line(text="[" * 50 + "{" * 50),  # brackets inside a string are not nesting
        import_line(sent_at=(NOW + timedelta(minutes=4)).isoformat()),  # clock skew
        import_line(text="x" * MAX_TEXT),
        import_line(message_type="image", text="", media_url="HTTPS://cdn.example/p.jpg"),
        import_line(extra={"a": {"b": {"c": [1, 2, 3]}}}),
    ]
    for line in ok:
        assert not isinstance(parse_import_line(1, line, now=NOW), str), line


async def test_a_hostile_file_loads_every_good_line_and_names_every_bad_one(
    clean_db: asyncpg.Pool, dsn: str, tmp_path: Path
) -> None:
    future = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    lines = [
        import_line(external_id="g1").encode(),
        b"[" * 100_000 + b"]" * 100_000,
        import_line(external_id="g2", text="nul \u0000 here").encode(),
        import_line(external_id="g3", participant="other").encode(),
        b"x" * (MAX_LINE_BYTES + 10),
        import_line(external_id="g4", sent_at=future).encode(),
        b'{"account": "brand", "text": "\xff\xfe"}',
        import_line(external_id="g5", direction="out").encode(),
    ]
    path = tmp_path / "hostile.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")

    result = await run_cli(dsn, "import-messages", str(path))

    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    errors = [e for e in result.stderr.splitlines() if not e.startswith("progress:")]
    assert [e.split(":")[0] for e in errors] == ["line 2", "line 3", "line 5", "line 6", "line 7"]
    assert "nested deeper" in errors[0] and "NUL" in errors[1] and "longer than" in errors[2]
    assert "future" in errors[3] and "UTF-8" in errors[4]
    assert "loaded 3 messages" in result.stdout and "5 bad lines" in result.stdout
    ids = await clean_db.fetch("SELECT external_message_id FROM social_media_messages ORDER BY 1")
    assert [r["external_message_id"] for r in ids] == ["g1", "g3", "g5"]

    again = await run_cli(dsn, "import-messages", str(path))
    assert again.returncode == 1 and "loaded 0 messages" in again.stdout
    assert "3 duplicates skipped" in again.stdout


async def test_a_batch_keeps_the_conversation_counters_of_one_message_at_a_time(
    clean_db: asyncpg.Pool, dsn: str, tmp_path: Path
) -> None:
    base = 1772366400
    lines = [
        import_line(external_id="m1", sent_at=base + 60, text="second"),
        import_line(external_id="m2", sent_at=base, text="first"),
        import_line(external_id="m3", sent_at=base + 60, direction="out", text="tie, later line"),
        import_line(external_id="m1", sent_at=base + 60, text="second again"),  # same id: a duplicate
        import_line(external_id="m4", sent_at=base + 30, participant_display_name="Fan F."),
    ]
    path = tmp_path / "batch.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8")

    result = await run_cli(dsn, "import-messages", str(path))

    assert result.returncode == 0, result.stderr
    assert "loaded 4 messages (1 new conversations, 1 new accounts), 1 duplicates skipped" in result.stdout
    conv = await clean_db.fetchrow("SELECT * FROM social_media_conversations")
    assert conv["unread_count"] == 3
    assert (conv["last_message_preview"], conv["last_message_is_outgoing"]) == ("tie, later line", True)
    assert conv["last_message_at"] == datetime.fromtimestamp(base + 60, UTC)
    assert conv["conversation_started_at"] == datetime.fromtimestamp(base, UTC)
    assert conv["participant_display_name"] == "Fan F."
    texts = await clean_db.fetch("SELECT message_text FROM social_media_messages ORDER BY sent_at, id")
    assert [r["message_text"] for r in texts] == ["first", "hello", "second", "tie, later line"]


def test_progress_is_a_bar_on_a_terminal_and_plain_lines_otherwise() -> None:
    tty = io.StringIO()
    bar = Progress(tty, tty=True)
    bar.update(50, 100, 1_000, 2)
    bar.message("line 7: bad")
    bar.close()
    out = tty.getvalue()
    assert "\r" in out and "50%" in out and "lines/s" in out and "2 bad" in out
    assert "line 7: bad\n" in out

    plain = io.StringIO()
    lines = Progress(plain, tty=False)
    lines.update(50, 100, 1_000, 2)  # the first plain line comes after PLAIN_EVERY seconds, not at once
    lines.message("line 7: bad")
    lines.close()
    assert plain.getvalue() == "line 7: bad\n"
