"""Settings: every knob of DESIGN.md §4, read once from the environment and `.env`."""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.errors import ConfigError

RAPIDAPI_HOST = "tiktok-scraper7.p.rapidapi.com"
DISCORD_API_DEFAULT = "https://discord.com/api/v10"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


def _check_http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an http:// or https:// URL")
    return value.rstrip("/")


class Settings(BaseSettings):
    """Checkback's configuration; construct with `load_settings()` to get one-line errors."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: SecretStr | None = Field(default=None, description="Postgres to use; unset: embedded")
    database_pool_size: int = Field(default=10, ge=1, le=200, description="connections per process")
    data_dir: str = Field(default="./data", description="where the embedded Postgres and sandbox files live")
    database_outage_wait: float = Field(
        default=60.0, ge=0, le=3600, description="seconds a check run waits for a lost database to come back"
    )

    discord_token: SecretStr | None = None
    discord_api_base_url: str = DISCORD_API_DEFAULT
    discord_gateway_url: str | None = None
    discord_dev_guild_id: int | None = Field(default=None, gt=0)
    notify_channel_id: int | None = Field(default=None, gt=0)
    team_guild_ids: str | None = Field(
        default=None, description="the team's Discord servers (comma-separated ids); unset: the one it is in"
    )

    metrics_api_base_url: str = f"https://{RAPIDAPI_HOST}"
    rapidapi_key: SecretStr | None = None
    metrics_api_rate: float = Field(default=5.0, gt=0, le=10_000)
    metrics_api_concurrency: int = Field(default=64, ge=1, le=1000)
    metrics_api_timeout: float = Field(default=15.0, gt=0, le=300)
    metrics_api_retries: int = Field(default=4, ge=0, le=20)
    metrics_api_monthly_budget: int | None = Field(default=None, gt=0)
    tiktok_short_link_base_url: str | None = Field(
        default=None, description="where short links are resolved; unset: TikTok itself"
    )

    health_port: int | None = Field(default=None, ge=0, le=65535, description="serve /healthz and /metrics")
    health_host: str = Field(default="0.0.0.0", description="the address HEALTH_PORT listens on")  # noqa: S104

    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    log_format: Literal["text", "json"] = "text"

    @field_validator("log_level", "log_format", mode="before")
    @classmethod
    def _normalise_case(cls, value: object, info: object) -> object:
        if isinstance(value, str):
            name = getattr(info, "field_name", "")
            return value.upper() if name == "log_level" else value.lower()
        return value

    @field_validator("team_guild_ids")
    @classmethod
    def _guild_id_list(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        ids = [part.strip() for part in value.split(",") if part.strip()]
        if not ids or not all(part.isdigit() and int(part) > 0 for part in ids):
            raise ValueError(
                "must be comma-separated Discord server ids, e.g. 123456789012345678,234567890123456789"
            )
        return ",".join(ids)

    @property
    def team_guilds(self) -> frozenset[int] | None:
        """TEAM_GUILD_IDS as ids, or None when unset (then the one server the bot is in is the team's)."""
        if self.team_guild_ids is None:
            return None
        return frozenset(int(part) for part in self.team_guild_ids.split(","))

    @field_validator("discord_api_base_url", "metrics_api_base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        return _check_http_url(value)

    @field_validator("tiktok_short_link_base_url")
    @classmethod
    def _optional_http_url(cls, value: str | None) -> str | None:
        return _check_http_url(value) if value and value.strip() else None

    @field_validator("discord_gateway_url")
    @classmethod
    def _ws_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("ws", "wss") or not parts.hostname:
            raise ValueError("must be a ws:// or wss:// URL")
        return value

    @field_validator("database_url")
    @classmethod
    def _postgres_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        if urlsplit(value.get_secret_value()).scheme not in ("postgres", "postgresql"):
            raise ValueError("must be a postgresql:// URL")
        return value

    @field_validator("discord_token", "rapidapi_key")
    @classmethod
    def _blank_is_unset(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        return value

    @property
    def metrics_api_is_local(self) -> bool:
        return urlsplit(self.metrics_api_base_url).hostname in LOCAL_HOSTS

    @property
    def discord_is_default(self) -> bool:
        return self.discord_api_base_url == DISCORD_API_DEFAULT

    def require_discord_token(self) -> str:
        if self.discord_token is None:
            raise ConfigError("DISCORD_TOKEN is not set (the bot token from the Discord developer portal)")
        return self.discord_token.get_secret_value()

    def require_rapidapi_key(self) -> str | None:
        """The API key, or None for a local simulator; a remote API without a key is a ConfigError."""
        if self.rapidapi_key is not None:
            return self.rapidapi_key.get_secret_value()
        if self.metrics_api_is_local:
            return None
        raise ConfigError("RAPIDAPI_KEY is not set (needed for the metrics API at METRICS_API_BASE_URL)")


def load_settings(**overrides: object) -> Settings:
    """Read the settings; a bad value becomes one ConfigError line naming the variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        err = exc.errors()[0]
        name = str(err["loc"][0]).upper() if err["loc"] else "settings"
        msg = err["msg"].removeprefix("Value error, ")
        got = err.get("input")
        shown = (
            ""
            if name in ("DATABASE_URL", "DISCORD_TOKEN", "RAPIDAPI_KEY") or got is None
            else f" (got {got!r})"
        )
        raise ConfigError(f"{name}: {msg}{shown}") from None
