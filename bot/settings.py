"""The one reader of the environment: every setting newsbrief has, typed and documented."""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal, Self
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.discord_limits import GLOBAL_REQUESTS_PER_SECOND

RequestBudgetMode = Literal["auto", "on", "off"]
LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]
LogFormat = Literal["text", "json"]

DISCORD_API_HOSTS = ("discord.com", "discordapp.com")
"""Hosts of Discord's own REST API (and their canary/ptb subdomains)."""

MIN_HISTORY_RETENTION = timedelta(days=2)
"""History kept for less than this would forget items a digest still reads: a digest reads items first
seen up to two days back (MAX_DIGEST_WINDOW in bot.digests)."""

DEFAULT_FEED_REFRESH_MINUTES = 15
"""How long a fetched feed rests before the next check (FEED_REFRESH_MINUTES): news feeds change every
few minutes to hours, and a digest is read once a day; every 15 minutes keeps a digest at most that
stale, at 96 requests a day per feed (and most of them answered 304 Not Modified)."""

DEFAULT_FEED_FETCH_CONCURRENCY = 32
"""Feeds a refresh fetches at once (FEED_FETCH_CONCURRENCY): a feed answer is mostly waiting on the
server, so 32 at once fetch 2,000 feeds answering in 300 ms in about 20 s, well within a 15-minute cycle,
on a few dozen connections (the fetcher's CONNECTION_LIMIT is 64, shared with page fetches)."""

DEFAULT_DELIVERY_LEASE_SECONDS = 60
"""How long a digest being posted stays claimed unless its process renews the claim
(DELIVERY_LEASE_SECONDS): the process renews it every third of the lease (RENEWALS_PER_LEASE in
bot.store.deliveries), so a renewal may fail (a slow database, a stalled loop) and the next still comes
in time; a dead process's digest is free to take over a minute after its last renewal at most, the
"about a minute" a reader waits for the rest of a digest interrupted by a crash."""

DEFAULT_DIGEST_SWEEP_SECONDS = 30
"""How often missed, failed or abandoned digests are looked for (DIGEST_SWEEP_SECONDS). With the 60 s
lease, the rest of a crashed process's digest is posted within 90 s of the crash, however soon the
restart; a sweep is a few queries, not worth a longer wait."""

DEFAULT_DATABASE_POOL_SIZE = 15
"""Connections one process keeps open (DATABASE_POOL_SIZE): the 5 + 10 overflow SQLAlchemy allowed
before, now one fixed number the delivery workers are sized to. Queries last milliseconds; a delivery
holds a connection per query, not for the whole delivery."""

DEFAULT_DATABASE_POOL_TIMEOUT = 30.0
"""Seconds a query waits for a free connection before failing (DATABASE_POOL_TIMEOUT)."""

POOL_CONNECTIONS_SPARED = 2
"""Connections the delivery workers leave to commands, the feed refresh and lease renewals."""

MAX_DEFAULT_DELIVERY_WORKERS = 8
"""Deliveries one process runs at once unless DELIVERY_WORKERS says otherwise: each briefs up to ten
pages on the pipeline's job slots and posts at Discord's pace (50 requests/s for the whole bot), so
more at once only queue elsewhere; two processes post 16 at a time."""

DEFAULT_DELIVERY_CLOCK_SECONDS = 5.0
"""How often the delivery clock asks the store for due editions (DELIVERY_CLOCK_SECONDS): an edition
is posted within seconds of its time, at one indexed query per tick when none is due."""


def default_delivery_workers(pool_size: int) -> int:
    """Delivery workers for a pool of `pool_size` connections: all but POOL_CONNECTIONS_SPARED, at most
    MAX_DEFAULT_DELIVERY_WORKERS, at least one."""
    return max(1, min(pool_size - POOL_CONNECTIONS_SPARED, MAX_DEFAULT_DELIVERY_WORKERS))


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
    discord_global_rate: int = Field(
        default=GLOBAL_REQUESTS_PER_SECOND,
        gt=1,
        description="Discord's global limit, requests a second over all bot processes; the budget stays under it.",
    )
    discord_request_budget: RequestBudgetMode = Field(
        default="auto",
        description="Pace REST requests to DISCORD_GLOBAL_RATE (shared in PostgreSQL by every process): auto does "
        "when DISCORD_API_BASE is Discord's own, and leaves it to the proxy otherwise.",
    )
    dev_guild_id: int | None = Field(
        default=None, description="A guild whose slash commands are synced at once, for development."
    )
    database_url: str = Field(
        default="sqlite+aiosqlite:///data/newsbrief.db",
        description="SQLAlchemy URL: SQLite (embedded) or postgresql+asyncpg://...",
    )
    database_pool_size: int = Field(
        default=DEFAULT_DATABASE_POOL_SIZE, gt=0, description="Database connections one process keeps open."
    )
    database_pool_timeout: float = Field(
        default=DEFAULT_DATABASE_POOL_TIMEOUT, gt=0, description="Seconds a query waits for a free connection."
    )
    delivery_workers: int | None = Field(
        default=None,
        gt=0,
        description="Digests one process posts at once; unset: the pool size less 2, at most 8.",
    )
    delivery_clock_seconds: float = Field(
        default=DEFAULT_DELIVERY_CLOCK_SECONDS, gt=0, description="How often due editions are claimed and posted."
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
    brief_concurrency: int = Field(
        default=4,
        gt=0,
        description="Pages of new feed items briefed at once, ahead of digests; apart from /summarize's jobs.",
    )
    brief_processes: int = Field(
        default=1,
        ge=0,
        description="Worker processes of their own for those briefs; 0 runs them in threads instead.",
    )
    brief_wait_seconds: float = Field(
        default=20.0,
        ge=0,
        description="How long a digest waits for its stories' pages still being briefed before using the feed's "
        "summary for them.",
    )
    feed_fetch_concurrency: int = Field(
        default=DEFAULT_FEED_FETCH_CONCURRENCY,
        gt=0,
        description="Feeds fetched at once by a refresh (at most 2 from one host).",
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
    delivery_lease_seconds: int = Field(
        default=DEFAULT_DELIVERY_LEASE_SECONDS,
        gt=0,
        description="How long a digest being posted stays claimed unless its process renews the claim (every "
        "third of it): a crashed process's digest is taken over that long after its last renewal.",
    )
    digest_sweep_seconds: int = Field(
        default=DEFAULT_DIGEST_SWEEP_SECONDS,
        gt=0,
        description="How often missed, failed or abandoned digests are looked for; shorter than the lease.",
    )
    history_retention_days: int = Field(
        default=30,
        ge=0,
        description="Days a feed item is remembered after its feed stops listing it, and past digests are "
        "kept; pruned daily. 0 keeps everything.",
    )
    shard_count: int | None = Field(
        default=None,
        gt=0,
        description="Shards the bot runs on, over all processes; unset asks Discord for its recommendation.",
    )
    shard_ids: Annotated[tuple[int, ...] | None, NoDecode] = Field(
        default=None, description="The shards this process runs, as 0,1,2 (needs SHARD_COUNT); unset runs all."
    )
    cluster_index: int | None = Field(
        default=None, ge=0, description="This process's place in a cluster, 0 to CLUSTER_COUNT - 1."
    )
    cluster_count: int | None = Field(
        default=None, gt=0, description="Processes sharing the shards; each runs every CLUSTER_COUNT-th shard."
    )
    metrics_port: int | None = Field(
        default=None,
        ge=0,
        le=65535,
        description="Port of /health and /metrics (Prometheus); unset serves neither. A cluster child adds its index.",
    )
    metrics_host: str = Field(
        default="127.0.0.1", description="Address /health and /metrics listen on; 127.0.0.1 keeps them local."
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

    @model_validator(mode="after")
    def _sweep_within_the_lease(self) -> Settings:
        """A crashed process's digest is taken over within a lease and a sweep of its last renewal: a
        sweep longer than the lease would make the wait the sweep's, not the lease's."""
        if self.digest_sweep_seconds >= self.delivery_lease_seconds:
            raise ValueError(
                f"DIGEST_SWEEP_SECONDS ({self.digest_sweep_seconds}) must be shorter than "
                f"DELIVERY_LEASE_SECONDS ({self.delivery_lease_seconds})"
            )
        return self

    @property
    def request_budget_enabled(self) -> bool:
        """Whether this process paces its REST requests: always, never, or (auto) when they go to Discord
        itself rather than to a rate-limit proxy such as nirn-proxy, which keeps the budget instead."""
        if self.discord_request_budget != "auto":
            return self.discord_request_budget == "on"
        host = urlsplit(self.discord_api_base).hostname or ""
        return host in DISCORD_API_HOSTS or host.endswith(tuple(f".{name}" for name in DISCORD_API_HOSTS))

    @property
    def delivery_worker_count(self) -> int:
        """DELIVERY_WORKERS, or the default for DATABASE_POOL_SIZE (`default_delivery_workers`)."""
        return self.delivery_workers or default_delivery_workers(self.database_pool_size)

    @property
    def delivery_clock(self) -> timedelta:
        """DELIVERY_CLOCK_SECONDS as a span of time."""
        return timedelta(seconds=self.delivery_clock_seconds)

    @property
    def delivery_lease(self) -> timedelta:
        """DELIVERY_LEASE_SECONDS as a span of time."""
        return timedelta(seconds=self.delivery_lease_seconds)

    @property
    def digest_sweep(self) -> timedelta:
        """DIGEST_SWEEP_SECONDS as a span of time."""
        return timedelta(seconds=self.digest_sweep_seconds)

    @property
    def history_retention(self) -> timedelta | None:
        """HISTORY_RETENTION_DAYS as a span of time; None when nothing is ever pruned."""
        return timedelta(days=self.history_retention_days) if self.history_retention_days else None

    @field_validator("shard_ids", mode="before")
    @classmethod
    def _comma_separated_ids(cls, value: object) -> object:
        """SHARD_IDS is written as `0,1,2`; blank means not set."""
        if isinstance(value, str):
            parts = [part.strip() for part in value.split(",") if part.strip()]
            return tuple(parts) or None
        return value

    @model_validator(mode="after")
    def _shards_fit_the_count(self) -> Self:
        """SHARD_IDS and CLUSTER_* pick shards out of SHARD_COUNT, so every process agrees on the count."""
        if self.shard_ids is not None and (self.cluster_index is not None or self.cluster_count is not None):
            raise ValueError("set SHARD_IDS or CLUSTER_INDEX/CLUSTER_COUNT, not both")
        if self.shard_ids is not None:
            if self.shard_count is None:
                raise ValueError("SHARD_IDS needs SHARD_COUNT: every process must agree on the count")
            outside = sorted(shard for shard in self.shard_ids if not 0 <= shard < self.shard_count)
            if outside:
                raise ValueError(f"SHARD_IDS {outside} are outside 0 to {self.shard_count - 1} (SHARD_COUNT)")
            if len(set(self.shard_ids)) != len(self.shard_ids):
                raise ValueError("SHARD_IDS names a shard twice")
        if (self.cluster_index is None) != (self.cluster_count is None):
            raise ValueError("set CLUSTER_INDEX and CLUSTER_COUNT together")
        if self.cluster_index is not None and self.cluster_count is not None:
            if self.shard_count is None:
                raise ValueError("CLUSTER_INDEX/CLUSTER_COUNT need SHARD_COUNT: every process must agree on it")
            if self.cluster_index >= self.cluster_count:
                raise ValueError(f"CLUSTER_INDEX must be below CLUSTER_COUNT ({self.cluster_count})")
            if self.shard_count % self.cluster_count:
                raise ValueError(
                    f"SHARD_COUNT ({self.shard_count}) must be a multiple of CLUSTER_COUNT ({self.cluster_count}) "
                    "so that every process runs as many shards"
                )
        return self

    @property
    def own_shard_ids(self) -> tuple[int, ...] | None:
        """The shards this process runs; None for all of them (SHARD_COUNT, or Discord's recommendation).

        A cluster member runs every CLUSTER_COUNT-th shard from CLUSTER_INDEX: interleaved rather than in
        blocks, so when Discord's identify concurrency is a multiple of CLUSTER_COUNT no two processes share
        an identify bucket (shard_id % max_concurrency).
        """
        if self.shard_ids is not None:
            return tuple(sorted(self.shard_ids))
        if self.cluster_index is not None and self.cluster_count is not None and self.shard_count is not None:
            return tuple(range(self.cluster_index, self.shard_count, self.cluster_count))
        return None

    @field_validator("dev_guild_id", "discord_token", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        """`.env.example` leaves optional settings blank; blank means not set."""
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("shard_count", "cluster_index", "cluster_count", "metrics_port", "delivery_workers", mode="before")
    @classmethod
    def _blank_number_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Read the settings once per process."""
    return Settings()
