"""What the sandbox prints and how it reads a typed line: Discord markup in a terminal, completion."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from bot.clock import ManualClock
from bot.sandbox.completion import Completer, as_discord_reads, command_usages, mention_names
from bot.sandbox.console import parse_duration
from bot.sandbox.discord import Guild
from bot.sandbox.render_terminal import TerminalRenderer
from tests.conftest import BOT_START

NOW = BOT_START
COMMANDS = [
    {
        "name": "track",
        "type": 1,
        "description": "Track a video",
        "options": [
            {"type": 3, "name": "url", "description": "link", "required": True},
            {"type": 3, "name": "note", "description": "note"},
        ],
    },
    {
        "name": "tracked",
        "type": 1,
        "description": "List",
        "options": [
            {
                "type": 3,
                "name": "status",
                "description": "which",
                "choices": [{"name": "active", "value": "active"}, {"name": "all", "value": "all"}],
            },
        ],
    },
    {
        "name": "limits",
        "type": 1,
        "description": "caps",
        "options": [
            {"type": 1, "name": "show", "description": "Show the caps", "options": []},
            {
                "type": 1,
                "name": "set",
                "description": "Set a cap",
                "options": [
                    {"type": 3, "name": "action", "description": "type", "required": True},
                    {"type": 4, "name": "daily", "description": "per day", "required": True},
                    {"type": 5, "name": "loud", "description": "tell the channel"},
                ],
            },
        ],
    },
    {"name": "Track TikTok links", "type": 3},
]


def test_discord_timestamps_are_shown_in_utc_relative_to_the_sandbox_clock() -> None:
    render = TerminalRenderer(lambda: NOW)
    later = int((NOW + timedelta(hours=5)).timestamp())
    assert render.text(f"Next check <t:{later}:R>") == "Next check 2026-03-02 14:00 UTC (in 5 h)"
    assert render.text(f"on <t:{later}:f>") == "on 2026-03-02 14:00 UTC"
    earlier = int((NOW - timedelta(days=3)).timestamp())
    assert render.text(f"<t:{earlier}:R>") == "2026-02-27 09:00 UTC (3 d ago)"


def test_mentions_are_shown_by_name_and_markdown_is_dropped() -> None:
    render = TerminalRenderer(lambda: NOW, {7: "admin", 9: "checkbacks"}.get)
    assert render.text("**#1** set by <@7> for <#9>, `code`") == "#1 set by @admin for #checkbacks, code"
    assert render.text("<@123>") == "@123"


def test_a_code_block_keeps_its_lines_without_the_fences() -> None:
    render = TerminalRenderer(lambda: NOW)
    assert render.text("intro\n```\ncheck  views\n1h       124\n```") == "intro\ncheck  views\n1h       124"


def test_an_embed_is_a_block_with_title_fields_and_footer() -> None:
    render = TerminalRenderer(lambda: NOW)
    lines = render.embed(
        {
            "title": "1h check-back · #1 @demo",
            "description": f"Next check <t:{int((NOW + timedelta(hours=6)).timestamp())}:R>",
            "fields": [{"name": "Views", "value": "124 (+111)"}, {"name": "Since first", "value": "+111"}],
            "footer": {"text": "check 1/9"},
            "timestamp": "2026-03-02T09:00:00+00:00",
        }
    )
    assert lines == [
        "  │ 1h check-back · #1 @demo",
        "  │ Next check 2026-03-02 15:00 UTC (in 6 h)",
        "  │ Views        124 (+111)",
        "  │ Since first  +111",
        "  │ check 1/9 · 2026-03-02 09:00 UTC",
    ]


def test_buttons_are_listed_with_the_number_that_presses_them() -> None:
    render = TerminalRenderer(lambda: NOW)
    rows = [
        {
            "type": 1,
            "components": [
                {"type": 2, "label": "⏮ Newest", "custom_id": "a", "disabled": True},
                {"type": 2, "label": "Older ▶", "custom_id": "b"},
            ],
        }
    ]
    numbers = {"a": 3, "b": 4}
    (line,) = render.components(rows, numbers.get)
    assert "[3] ⏮ Newest (disabled)" in line and "[4] Older ▶" in line and "/press N" in line


def test_an_option_value_runs_to_the_next_option_as_in_discord() -> None:
    assert as_discord_reads(COMMANDS, "/track url:https://x.test/v note:launch teaser") == (
        "/track url:https://x.test/v 'note:launch teaser'"
    )
    # An apostrophe is text, not an unbalanced quote.
    assert as_discord_reads(COMMANDS, "/track url:u note:it's out") == "/track url:u 'note:it'\"'\"'s out'"
    assert (
        as_discord_reads(COMMANDS, "/limits set action:like daily:40") == "/limits set action:like daily:40"
    )


def test_usages_show_required_and_optional_options() -> None:
    usages = dict(command_usages(COMMANDS))
    assert "/limits set action:<text> daily:<integer> [loud:<true|false>]" in usages
    assert "/tracked [status:<active|all>]" in usages
    assert usages["/limits show"] == "Show the caps"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("/tr", ["/track ", "/tracked "]),
        ("/lim", ["/limits "]),
        ("/limits s", ["set ", "show "]),
        ("/limits set ", ["action:", "daily:", "loud:"]),
        ("/limits set action:like ", ["daily:", "loud:"]),
        ("/limits set loud:t", ["loud:true "]),
        ("/tracked status:a", ["status:active ", "status:all "]),
        ("/as a", ["admin "]),
        ("/w", ["/wait "]),
        ("/m", ["/menu "]),
        ("/menu ", ['"Track TikTok links" ']),
        ('/menu "Tr', ['"Track TikTok links" ']),
        ("/menu Tr", ['"Track TikTok links" ']),
        ("/nothing ", []),
    ],
)
def test_tab_completes_commands_subcommands_options_and_choices(typed: str, expected: list[str]) -> None:
    assert Completer(lambda: COMMANDS).candidates(typed) == expected


def test_durations() -> None:
    assert parse_duration("1d") == timedelta(days=1)
    assert parse_duration("1d12h") == timedelta(hours=36)
    assert parse_duration("90m") == timedelta(minutes=90)
    assert parse_duration("2w") == timedelta(weeks=2)
    for bad in ("", "soon", "1x", "d1"):
        with pytest.raises(ValueError):
            parse_duration(bad)


def test_the_sandbox_clock_stands_still_until_moved_and_moves_exactly() -> None:
    """The sandbox's clock (a ManualClock its TimeKeeper moves): however slow the machine, it reads the
    same until moved, then exactly as far as it was moved; it refuses a naive time."""
    clock = ManualClock(NOW)
    assert clock.now() == NOW and clock.now() == NOW
    assert clock.advance(timedelta(hours=1)) == NOW + timedelta(hours=1) == clock.now()
    with pytest.raises(ValueError):
        clock.set(datetime(2026, 1, 1))  # noqa: DTZ001 - the naive time it must refuse


def test_tab_completes_the_channels_and_roles_a_person_can_name() -> None:
    guild = Guild("Sandbox team")
    guild.add_channel("checkbacks")
    guild.add_channel("alerts")
    guild.add_role("social-team", mentionable=True)
    alerts = [
        {
            "name": "alerts",
            "type": 1,
            "description": "Route alerts",
            "options": [
                {"type": 7, "name": "channel", "description": "where"},
                {"type": 8, "name": "ping", "description": "whom"},
            ],
        }
    ]
    complete = Completer(lambda: alerts, lambda kind: mention_names(guild, kind)).candidates
    assert complete("/alerts channel:") == ["channel:#checkbacks ", "channel:#alerts "]
    assert complete("/alerts channel:#a ping:@s") == ["ping:@social-team "]
