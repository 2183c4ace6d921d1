"""The async database: engine, sessions and the UTC column type."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, event
from sqlalchemy.engine import URL, Dialect, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.types import TypeDecorator
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.orm.session import Session

_ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg"}


def async_url(url: str) -> URL:
    """The same database URL with the async driver the application uses for its backend."""
    parsed = make_url(url.replace("postgres://", "postgresql://", 1))
    return parsed.set(drivername=_ASYNC_DRIVERS[parsed.get_backend_name()])


def describe_url(url: str) -> str:
    """The URL as it may appear in logs: without its password."""
    return async_url(url).render_as_string(hide_password=True)


class UTCDateTime(TypeDecorator[datetime]):
    """An instant: refuses naive values, stores UTC, and hands back aware UTC datetimes.

    SQLite has no time zones and returns naive values, so the zone is restored here, at the
    column type, rather than at every caller.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for an instant; attach a time zone")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def create_engine(url: str, **options: Any) -> AsyncEngine:
    """An async engine for `url`; on SQLite, transactions begin when SQLAlchemy says so."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(str(parsed.database)).parent.mkdir(parents=True, exist_ok=True)
    # Statement parameters are patients' data: never part of an error message (nor a log line).
    engine = create_async_engine(async_url(url), hide_parameters=True, **options)
    if engine.dialect.name == "sqlite":
        _take_over_sqlite_transactions(engine)
    return engine


def _take_over_sqlite_transactions(engine: AsyncEngine) -> None:
    # Python's sqlite3 sends no BEGIN before a SELECT, so a read-then-write transaction is not
    # isolated. Turning its own handling off and emitting BEGIN ourselves fixes that; the
    # execution option `sqlite_begin="IMMEDIATE"` takes the write lock up front for bookings.
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "")
        connection.exec_driver_sql(f"BEGIN {mode}".strip())


class MesobotSession(Session):
    """The sync session class behind every `Database` session: the project's own listeners
    (the outbox's commit hook, the read-only guard) attach to it, not to every `Session`."""


_READ_ONLY = "mesobot.read_only"


@event.listens_for(MesobotSession, "before_flush")
def _refuse_writes_in_reads(session: Session, _context: Any, _instances: Any) -> None:
    if session.info.get(_READ_ONLY):
        raise RuntimeError("a read transaction tried to write: use Database.write()")


# The task that holds a write transaction. A task, not a flag: tasks started inside a
# transaction inherit the context, yet they do not hold the transaction.
_write_owner: ContextVar[asyncio.Task[Any] | None] = ContextVar("write_owner", default=None)


def write_transaction_open() -> bool:
    """Whether the running task is inside `Database.write()`.

    Nothing should talk to Telegram then: on SQLite every other writer waits for that
    round trip. The tests fail any Bot API call made while this is true.
    """
    owner = _write_owner.get()
    return owner is not None and owner is asyncio.current_task()


class Database:
    """The engine and the two kinds of transaction the application uses: read and write."""

    def __init__(self, url: str, **options: Any) -> None:
        self.url = url
        self.engine = create_engine(url, **options)
        self._sessions = async_sessionmaker(
            self.engine,
            class_=AsyncSession,
            sync_session_class=MesobotSession,
            expire_on_commit=False,
        )

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A session for reading: no write lock is taken, and nothing is committed.

        On SQLite this is a deferred BEGIN, which many readers share with one writer. An ORM
        write inside it raises, so that a write meant to be kept is never silently dropped.
        Closing the session (not rolling it back) keeps what was loaded readable afterwards.
        """
        async with self._sessions() as session:
            session.sync_session.info[_READ_ONLY] = True
            yield session

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """A session inside one writing transaction: committed on success, else rolled back.

        On SQLite it begins IMMEDIATE: a transaction that reads and then writes would otherwise
        fail at once with "database is locked" when another writer (the outbox dispatcher, say)
        got there in between. On PostgreSQL the rows a change depends on are locked by the
        change itself (`booking.lock_resource_days`, `SELECT ... FOR UPDATE`). Talk to
        Telegram only after the block: the caller owns the transaction, core functions take
        its session.
        """
        async with self._sessions() as session:
            # Procuring the connection begins the session's transaction, with this option.
            await session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
            owner = _write_owner.set(asyncio.current_task())
            try:
                yield session
            except BaseException:
                _write_owner.reset(owner)
                await session.rollback()
                raise
            _write_owner.reset(owner)
            await session.commit()

    async def dispose(self) -> None:
        await self.engine.dispose()
