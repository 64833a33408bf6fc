"""Settings: read from the environment, bad values stop start-up with one line naming the variable."""

from __future__ import annotations

import pytest

from bot.config import Settings, load_settings
from bot.errors import ConfigError


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    # No developer's .env or exported settings leak into these tests.
    monkeypatch.chdir(tmp_path)
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)


def test_defaults_need_nothing_set() -> None:
    s = load_settings()
    assert s.database_url is None
    assert s.discord_api_base_url == "https://discord.com/api/v10"
    assert s.metrics_api_base_url == "https://tiktok-scraper7.p.rapidapi.com"
    assert (s.log_level, s.log_format) == ("INFO", "text")
    assert s.metrics_api_monthly_budget is None


def test_values_come_from_the_environment_and_dotenv(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    (tmp_path / ".env").write_text("METRICS_API_RATE=50\nNOTIFY_CHANNEL_ID=1234\nLOG_FORMAT=JSON\n")
    monkeypatch.setenv("METRICS_API_MONTHLY_BUDGET", "300")
    s = load_settings()
    assert (s.metrics_api_rate, s.notify_channel_id, s.log_format) == (50.0, 1234, "json")
    assert s.metrics_api_monthly_budget == 300


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("METRICS_API_RATE", "fast", "METRICS_API_RATE: Input should be a valid number"),
        ("METRICS_API_RATE", "0", "METRICS_API_RATE: Input should be greater than 0"),
        ("METRICS_API_MONTHLY_BUDGET", "-5", "METRICS_API_MONTHLY_BUDGET: Input should be greater than 0"),
        ("NOTIFY_CHANNEL_ID", "general", "NOTIFY_CHANNEL_ID: Input should be a valid integer"),
        ("LOG_LEVEL", "LOUD", "LOG_LEVEL: Input should be"),
        ("LOG_FORMAT", "xml", "LOG_FORMAT: Input should be"),
        ("DISCORD_API_BASE_URL", "discord.com", "DISCORD_API_BASE_URL: must be an http:// or https:// URL"),
        ("METRICS_API_BASE_URL", "ftp://x", "METRICS_API_BASE_URL: must be an http:// or https:// URL"),
        ("DISCORD_GATEWAY_URL", "http://x", "DISCORD_GATEWAY_URL: must be a ws:// or wss:// URL"),
        ("DATABASE_URL", "mysql://u:hunter2@h/db", "DATABASE_URL: must be a postgresql:// URL"),
    ],
)
def test_a_bad_value_is_one_line_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as info:
        load_settings()
    message = info.value.user_message
    assert expected in message
    assert "\n" not in message


def test_secrets_are_never_echoed_in_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "mysql://admin:hunter2@db.internal/x")
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert "hunter2" not in info.value.user_message


def test_secrets_are_hidden_in_the_settings_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "MTIz.secret-token-value")
    monkeypatch.setenv("RAPIDAPI_KEY", "rapid-secret-key")
    s = load_settings()
    assert "secret-token-value" not in repr(s) and "rapid-secret-key" not in repr(s)
    assert s.require_discord_token() == "MTIz.secret-token-value"


def test_remote_metrics_api_needs_a_key_and_a_local_one_does_not(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError, match="RAPIDAPI_KEY"):
        load_settings().require_rapidapi_key()
    monkeypatch.setenv("METRICS_API_BASE_URL", "http://127.0.0.1:9000")
    assert load_settings().require_rapidapi_key() is None


def test_missing_discord_token_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="DISCORD_TOKEN"):
        load_settings().require_discord_token()
