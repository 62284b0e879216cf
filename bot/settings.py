"""The one reader of the environment: every setting newsbrief has, typed and documented."""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]
LogFormat = Literal["text", "json"]

MIN_HISTORY_RETENTION = timedelta(days=2)
"""History kept for less than this would forget items a digest still reads: a digest reads items first
seen up to two days back (MAX_DIGEST_WINDOW in bot.digests)."""

DEFAULT_FEED_REFRESH_MINUTES = 15
"""How long a fetched feed rests before the next check (FEED_REFRESH_MINUTES): news feeds change every
few minutes to hours, and a digest is read once a day; every 15 minutes keeps a digest at most that
stale, at 96 requests a day per feed (and most of them answered 304 Not Modified)."""


class Settings(BaseSettings):
    """Settings from environment variables, or from a `.env` file in the working directory."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    discord_token: SecretStr | None = Field(
        default=None, description="The bot's token from the Discord developer portal."
    )
    discord_api_base: str = Field(
        default="https://discord.com/api/v10",
        description="The whole REST base; point it at an HTTP rate-limit proxy or a test fake.",
    )
    discord_gateway_url: str = Field(
        default="wss://gateway.discord.gg", description="The gateway websocket; a gateway proxy or a fake."
    )
    dev_guild_id: int | None = Field(
        default=None, description="A guild whose slash commands are synced at once, for development."
    )
    database_url: str = Field(
        default="sqlite+aiosqlite:///data/newsbrief.db",
        description="SQLAlchemy URL: SQLite (embedded) or postgresql+asyncpg://...",
    )
    fetch_allow_private: bool = Field(
        default=False,
        description="Allow fetching loopback and private-network addresses (tests and intranets only).",
    )
    fetch_max_bytes: int = Field(default=5_000_000, gt=0, description="Largest page or feed read, in bytes.")
    fetch_timeout_seconds: float = Field(default=20.0, gt=0, description="Total time allowed for one fetch.")
    data_dir: Path = Field(default=Path("data"), description="Where the bot keeps its state (the command-sync hash).")
    pipeline_processes: int = Field(
        default=2,
        ge=0,
        description="Worker processes for extraction and summaries; 0 runs them in threads instead.",
    )
    max_concurrent_jobs: int = Field(
        default=4, gt=0, description="Summaries made at once; further requests are told to retry."
    )
    summarize_per_minute: int = Field(default=5, gt=0, description="Summaries one user may ask for a minute.")
    summary_cache_seconds: float = Field(
        default=3600.0, ge=0, description="How long a briefing is reused for the same URL."
    )
    digest_grace_minutes: int = Field(
        default=60, ge=0, description="How late a digest missed while the bot was down is still posted."
    )
    feed_refresh_minutes: int = Field(
        default=DEFAULT_FEED_REFRESH_MINUTES, gt=0, description="How often due feeds are fetched."
    )
    history_retention_days: int = Field(
        default=30,
        ge=0,
        description="Days a feed item is remembered after its feed stops listing it, and past digests are "
        "kept; pruned daily. 0 keeps everything.",
    )
    log_level: LogLevel = Field(default="INFO", description="Logging level.")
    log_format: LogFormat = Field(
        default="text", description="text: readable lines; json: one JSON object a line, for log collectors."
    )

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_case_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("log_format", mode="before")
    @classmethod
    def _lower_case_format(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("history_retention_days")
    @classmethod
    def _retention_covers_digests(cls, value: int) -> int:
        if 0 < value < MIN_HISTORY_RETENTION.days:
            raise ValueError(
                f"keep at least {MIN_HISTORY_RETENTION.days} days (a digest reads two days back), or 0 for all"
            )
        return value

    @property
    def history_retention(self) -> timedelta | None:
        """HISTORY_RETENTION_DAYS as a span of time; None when nothing is ever pruned."""
        return timedelta(days=self.history_retention_days) if self.history_retention_days else None

    @field_validator("dev_guild_id", "discord_token", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        """`.env.example` leaves optional settings blank; blank means not set."""
        return None if isinstance(value, str) and not value.strip() else value


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Read the settings once per process."""
    return Settings()
