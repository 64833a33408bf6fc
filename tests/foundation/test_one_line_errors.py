"""Every command ends a failure with one `error: ...` line and its documented exit status, never a traceback."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from tests.cli import run_cli

VIDEO = "https://www.tiktok.com/@maker_jo/video/7400000000000000001"


def _one_error_line(stderr: str) -> str:
    assert "Traceback" not in stderr and "never retrieved" not in stderr, stderr
    errors = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and stderr.strip().splitlines()[-1] == errors[0], stderr
    return errors[0]


def _with_user(dsn: str, user: str, database: str | None = None) -> str:
    parts = urlsplit(dsn)
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit((parts.scheme, f"{user}@{host}", f"/{database}" if database else parts.path, "", ""))


async def test_commands_that_never_call_the_api_do_not_ask_for_its_key(dsn: str) -> None:
    # tests.cli drops RAPIDAPI_KEY and METRICS_API_*: the API is the real, remote one, with no key.
    for args in (("list",), ("limits", "show"), ("watch", "list"), ("migrate",)):
        result = await run_cli(dsn, *args)
        assert result.returncode == 0, (args, result.stderr)
        assert "RAPIDAPI_KEY" not in result.stderr


async def test_commands_that_call_the_api_ask_for_its_key_up_front(dsn: str) -> None:
    for args in (("track", VIDEO), ("check",), ("watch", "poll")):
        result = await run_cli(dsn, *args)
        assert result.returncode == 3, (args, result.stderr)
        assert "RAPIDAPI_KEY is not set" in _one_error_line(result.stderr)


async def test_a_database_refusing_the_login_is_a_configuration_error_not_an_outage(dsn: str) -> None:
    for url, said in (
        (_with_user(dsn, "no_such_role"), 'role "no_such_role" does not exist'),
        (
            _with_user(dsn, "postgres", "no_such_database_here"),
            'database "no_such_database_here" does not exist',
        ),
    ):
        result = await run_cli(url, "list")
        assert result.returncode == 3, result.stderr
        line = _one_error_line(result.stderr)
        assert "DATABASE_URL: the database refused the login" in line and said in line
        assert "try again" not in line


async def test_an_unreachable_database_is_exit_4(dsn: str) -> None:
    result = await run_cli("postgresql://postgres@127.0.0.1:1/x", "list")
    assert result.returncode == 4
    assert "not reachable right now" in _one_error_line(result.stderr)


async def test_run_with_discord_unreachable_is_one_line(dsn: str) -> None:
    result = await run_cli(
        dsn,
        "run",
        DISCORD_TOKEN="abc.def.ghi",
        DISCORD_API_BASE_URL="http://127.0.0.1:9/api/v10",
        METRICS_API_BASE_URL="http://127.0.0.1:9",
    )
    assert result.returncode == 4, result.stderr
    line = _one_error_line(result.stderr)
    assert line.startswith("error: cannot reach Discord at http://127.0.0.1:9/api/v10")
    assert "abc.def.ghi" not in result.stderr
