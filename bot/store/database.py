"""Engines for the two databases newsbrief runs on: an SQLite file, or PostgreSQL through asyncpg.

Both run the same queries. What differs is set up here once: SQLite gets WAL, foreign keys, a busy
timeout and transactions that take the write lock when they begin, so two connections never both
read and then both try to write (which SQLite can only answer with "database is locked").
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Dialect, Table, event, exc, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from bot.settings import DEFAULT_DATABASE_POOL_SIZE, DEFAULT_DATABASE_POOL_TIMEOUT

LOGGER = logging.getLogger(__name__)

SUPPORTED_DRIVERS = frozenset({"sqlite+aiosqlite", "postgresql+asyncpg"})

SQLITE_BUSY_TIMEOUT_MS = 15_000
"""How long an SQLite writer waits for another's transaction. Ours last milliseconds, so a wait this
long means something is stuck, and an error is more useful than waiting on."""


PING_IF_IDLE_SECONDS = 2.0
"""A PostgreSQL connection back in the pool for longer than this is pinged before it is used again, and
replaced (with every older one) if the server dropped it: a restart or an idle timeout must not fail the
first query after it. One in steady use is not: SQLAlchemy's pre-ping costs asyncpg three round trips
(BEGIN, a query, ROLLBACK) at every checkout, a fifth of a busy process's work in bench_scale. A
connection the server drops within this window fails its next query, which SQLAlchemy then reports as a
disconnect and answers by replacing the pool's connections."""

WAL_SWITCH_RETRY_SECONDS = 0.05
"""Pause between tries to switch a new SQLite file to WAL while another process holds it."""


@dataclass(frozen=True, slots=True)
class PoolLimits:
    """A process's database connections: how many (no overflow beyond them), and how long a query
    waits for one (DATABASE_POOL_SIZE, DATABASE_POOL_TIMEOUT; see bot.settings for the defaults)."""

    size: int = DEFAULT_DATABASE_POOL_SIZE
    timeout_seconds: float = DEFAULT_DATABASE_POOL_TIMEOUT
    ping_if_idle_seconds: float = PING_IF_IDLE_SECONDS


DEFAULT_POOL = PoolLimits()


class UnsupportedDatabase(ValueError):
    """The URL names a database or driver newsbrief does not run on."""


def database_url(url: str | URL) -> URL:
    """The parsed URL, checked to be one of the supported drivers."""
    try:
        parsed = make_url(url)
    except Exception as error:  # SQLAlchemy raises ArgumentError and ValueError alike for bad URLs
        raise UnsupportedDatabase(f"not a database URL: {error}") from None
    if parsed.drivername not in SUPPORTED_DRIVERS:
        raise UnsupportedDatabase(
            f"unsupported database driver {parsed.drivername!r}: use sqlite+aiosqlite:///path/to/file.db "
            "or postgresql+asyncpg://user:password@host/database"
        )
    return parsed


def create_engine(url: str | URL, *, echo: bool = False, pool: PoolLimits = DEFAULT_POOL) -> AsyncEngine:
    """An engine for `url`, with an SQLite file's folder created and its connections set up.

    Args:
        url: `sqlite+aiosqlite:///relative/or//absolute/path.db` or `postgresql+asyncpg://...`.
        echo: log every statement (debugging).
        pool: how many connections, and how long a query waits for one (no overflow beyond them).
    """
    parsed = database_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed, echo=echo, pool=pool)
    engine = create_async_engine(parsed, echo=echo, **_pool_options(pool))
    _ping_idle_connections(engine, idle_seconds=pool.ping_if_idle_seconds)
    return engine


def _ping_idle_connections(engine: AsyncEngine, *, idle_seconds: float) -> None:
    """Ping a connection at checkout when it sat in the pool for `idle_seconds` (PING_IF_IDLE_SECONDS)."""

    @event.listens_for(engine.sync_engine, "checkin")
    def _note_idle_since(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def _ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("idle_since")  # none on a new connection: nothing to check
        if idle_since is None or time.monotonic() - idle_since < idle_seconds:
            return
        try:
            dbapi_connection.ping()
        except Exception as error:
            # Replaces this connection, and every other opened before now, before they are used.
            raise exc.InvalidatePoolError(f"the server dropped an idle connection: {error}") from error


def _pool_options(pool: PoolLimits) -> dict[str, Any]:
    return {"pool_size": pool.size, "max_overflow": 0, "pool_timeout": pool.timeout_seconds}


async def open_engine(url: str | URL, *, echo: bool = False, pool: PoolLimits = DEFAULT_POOL) -> AsyncEngine:
    """`create_engine`, and for SQLite, the file switched to write-ahead logging (WAL), so that
    readers and the writer do not block each other. WAL is a property of the file, kept once set."""
    engine = create_engine(url, echo=echo, pool=pool)
    if engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:"):
        try:
            await _use_wal(engine)
        except BaseException:
            await engine.dispose()
            raise
    return engine


async def _use_wal(engine: AsyncEngine) -> None:
    # Switching needs the file to itself, and SQLite reports "locked" at once rather than waiting
    # while another process holds it (two bots starting on a new file): so wait here.
    deadline = asyncio.get_running_loop().time() + SQLITE_BUSY_TIMEOUT_MS / 1000
    async with engine.connect() as connection:
        # The driver's own (aiosqlite) connection: outside SQLAlchemy's transaction, as this PRAGMA must be.
        driver = (await connection.get_raw_connection()).driver_connection
        assert driver is not None, "a checked-out connection has its driver connection"
        while True:
            try:
                async with driver.execute("PRAGMA journal_mode=WAL") as cursor:
                    mode = await cursor.fetchone()
                break
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) or asyncio.get_running_loop().time() > deadline:
                    raise
                await asyncio.sleep(WAL_SWITCH_RETRY_SECONDS)
    if not mode or str(mode[0]).lower() != "wal":
        LOGGER.warning("SQLite kept journal mode %s instead of WAL", mode[0] if mode else None)


def _sqlite_engine(url: URL, *, echo: bool, pool: PoolLimits) -> AsyncEngine:
    path = url.database or ""
    options: dict[str, Any] = {}
    if path and path != ":memory:" and not path.startswith("file:"):
        Path(path).expanduser().parent.mkdir(parents=True, exist_ok=True)
        options = _pool_options(pool)  # a file's pool queues; an in-memory database has one connection
    engine = create_async_engine(url, echo=echo, **options)

    @event.listens_for(engine.sync_engine, "connect")
    def _set_up_connection(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from the sqlite3 module, which would not BEGIN before DDL or
        # SELECT; the "begin" hook below says BEGIN itself.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA foreign_keys=ON")  # off by default, per connection
            cursor.execute("PRAGMA synchronous=NORMAL")  # durable enough with WAL (see open_engine)
        finally:
            cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _begin_immediately(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def is_sqlite(dialect: Dialect) -> bool:
    return dialect.name == "sqlite"


def upsert(dialect: Dialect, table: Table) -> sqlite.Insert | postgresql.Insert:
    """An INSERT that understands ON CONFLICT, in the dialect's own class (both spell it alike)."""
    if is_sqlite(dialect):
        return sqlite.insert(table)
    return postgresql.insert(table)


async def lock_for_transaction(connection: AsyncConnection, key: int) -> None:
    """Serialize transactions that use the same `key`, until each ends.

    PostgreSQL: a transaction-level advisory lock. SQLite: nothing to do, as every transaction
    already begins by taking the database's write lock.
    """
    if not is_sqlite(connection.dialect):
        await connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


class Queries:
    """A group of queries run on one engine. Each module of bot.store has one; Store combines them."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._reader = engine if is_sqlite(engine.dialect) else engine.execution_options(isolation_level="AUTOCOMMIT")

    def reading(self) -> AsyncConnection:
        """A connection for queries that only read. On PostgreSQL it holds no transaction: each statement
        sees what was committed when it began, as it would in a READ COMMITTED transaction, in one round
        trip instead of three (BEGIN, the statement, ROLLBACK). On SQLite, one transaction, one snapshot."""
        return self._reader.connect()

    @property
    def engine(self) -> AsyncEngine:
        return self._engine
