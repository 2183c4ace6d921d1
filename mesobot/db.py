"""The async database: engine, sessions and the UTC column type."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, event
from sqlalchemy.engine import URL, Dialect, make_url
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.types import TypeDecorator
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.orm.session import Session

from mesobot import sqlite_driver

logger = logging.getLogger(__name__)

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


# How long a writer waits for the write lock before failing: in this process's queue, and
# again for a writer of another process (`mesobot.sqlite_driver`).
WRITE_LOCK_TIMEOUT = 30.0


def create_engine(url: str, **options: Any) -> AsyncEngine:
    """An async engine for `url`; on SQLite, transactions begin when SQLAlchemy says so."""
    parsed = make_url(url)
    in_file = parsed.database not in (None, "", ":memory:")
    if parsed.get_backend_name() == "sqlite" and in_file:
        Path(str(parsed.database)).parent.mkdir(parents=True, exist_ok=True)
    if parsed.get_backend_name() == "sqlite":
        # Every session ends its transaction when it closes (a read rolls back, a write commits
        # or rolls back), so the pool's own rollback on check-in only repeated it: through
        # aiosqlite's thread that cost a third of a short transaction's CPU.
        options.setdefault("pool_reset_on_return", None)
        database = str(parsed.database) if in_file else ":memory:"
        options.setdefault(
            "async_creator",
            sqlite_driver.connector(database, lock_timeout=WRITE_LOCK_TIMEOUT),
        )
    # Statement parameters are patients' data: never part of an error message (nor a log line).
    engine = create_async_engine(async_url(url), hide_parameters=True, **options)
    if engine.dialect.name == "sqlite":
        _take_over_sqlite_transactions(engine, in_file=in_file)
    return engine


def _take_over_sqlite_transactions(engine: AsyncEngine, *, in_file: bool) -> None:
    # Python's sqlite3 sends no BEGIN before a SELECT, so a read-then-write transaction is not
    # isolated. Turning its own handling off and emitting BEGIN ourselves fixes that; the
    # execution option `sqlite_begin="IMMEDIATE"` takes the write lock up front for bookings.
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        # SQLite never waits for a lock itself: that would stop the event loop, whose thread
        # runs the statements (`mesobot.sqlite_driver` waits, asynchronously, instead).
        cursor.execute("PRAGMA busy_timeout=0")
        # Deleted content is overwritten with zeros, not left in free pages and cells for
        # anyone reading the file: an erased patient's data must leave no readable trace.
        cursor.execute("PRAGMA secure_delete=ON")
        if in_file:
            _use_write_ahead_log(cursor)
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "")
        connection.exec_driver_sql(f"BEGIN {mode}".strip())


def _use_write_ahead_log(cursor: Any) -> None:
    # WAL: readers keep their snapshot while a writer commits, and a writer never waits for
    # readers, so read() transactions (screens, the outbox's looks) never hold up a booking.
    # synchronous=NORMAL, the usual choice with WAL: a commit is not fsynced, so an application
    # crash loses nothing, and a power cut or kernel crash can lose the last commits (never
    # corrupt the file). FULL would add an fsync to every commit while it holds the one write
    # lock, which on a small server's disk is what every patient's tap would wait for; a clinic
    # that needs commits to survive power cuts runs PostgreSQL.
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        mode = cursor.fetchone()[0]
    except sqlite3.OperationalError as error:  # another process holds the file in another mode
        mode = f"unchanged ({error})"
    if mode != "wal":
        logger.warning("SQLite stays out of WAL mode: journal_mode is %s", mode)
    cursor.execute("PRAGMA synchronous=NORMAL")


def _checkpoint_wal(connection: Any) -> bool:
    """One try at copying the log into the file and truncating it; False when a reader's open
    snapshot still needs the log."""
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        busy, _log_frames, _done = cursor.fetchone()
        return not busy
    finally:
        cursor.close()


class MesobotSession(Session):
    """The sync session class behind every `Database` session: the project's own listeners
    (the outbox's commit hook, the read-only guard) attach to it, not to every `Session`."""


_READ_ONLY = "mesobot.read_only"


@event.listens_for(MesobotSession, "before_flush")
def _refuse_writes_in_reads(session: Session, _context: Any, _instances: Any) -> None:
    if session.info.get(_READ_ONLY):
        raise RuntimeError("a read transaction tried to write: use Database.write()")


# The task inside a `Database.write()` block. A task, not a flag: tasks started inside a
# transaction inherit the context, yet they do not hold the transaction.
_write_owner: ContextVar[asyncio.Task[Any] | None] = ContextVar("write_owner", default=None)


@dataclass
class _UnitOfWork:
    """An update's one write transaction (`Database.update_transaction`) and its owner."""

    session: AsyncSession
    owner: asyncio.Task[Any] | None
    after_commit: list[Callable[[], Awaitable[None]]] = field(default_factory=list)


_unit_of_work: ContextVar[_UnitOfWork | None] = ContextVar("unit_of_work", default=None)


def _own_unit_of_work() -> _UnitOfWork | None:
    unit = _unit_of_work.get()
    return unit if unit is not None and unit.owner is asyncio.current_task() else None


def update_transaction_open() -> bool:
    """Whether the running task handles an update inside its unit of work (webhook mode)."""
    return _own_unit_of_work() is not None


def write_transaction_open() -> bool:
    """Whether the running task holds a write transaction: inside `Database.write()`, or
    handling an update in its unit of work.

    Nothing should talk to Telegram then: on SQLite every other writer waits for that
    round trip. The tests fail any Bot API call made while this is true.
    """
    owner = _write_owner.get()
    held = owner is not None and owner is asyncio.current_task()
    return held or update_transaction_open()


class _WriterQueue:
    """This process's writers on one SQLite database, let in first come, first served.

    SQLite's own busy handler retries with sleeps of 1 to 100 ms, so a writer that has waited
    longest is not the next one in: a lottery that gives some patients' taps seconds of wait.
    An asyncio.Lock wakes its waiters in order. A writer of another process is waited for by
    `mesobot.sqlite_driver`, which retries while the file is locked.
    """

    def __init__(self) -> None:
        self._lock: asyncio.Lock | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        """Wait for this writer's turn (at most WRITE_LOCK_TIMEOUT), and hold it."""
        loop = asyncio.get_running_loop()
        if self._lock is None or self._loop is not loop:
            # A lock belongs to one event loop; a Database may outlive one (asyncio.run twice).
            self._lock, self._loop = asyncio.Lock(), loop
        lock = self._lock
        try:
            if lock.locked():
                async with asyncio.timeout(WRITE_LOCK_TIMEOUT):
                    await lock.acquire()
            else:  # the usual case: no timer to set and cancel
                await lock.acquire()
        except TimeoutError:
            raise TimeoutError(
                f"waited {WRITE_LOCK_TIMEOUT:g} s in the queue for the database's write lock"
            ) from None
        try:
            yield
        finally:
            lock.release()


@asynccontextmanager
async def _no_queue() -> AsyncIterator[None]:
    yield


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
        # PostgreSQL locks rows, not the database: its writers need no queue.
        self._writers = _WriterQueue() if self.engine.dialect.name == "sqlite" else None

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A session for reading: no write lock is taken, and nothing is committed.

        On SQLite this is a deferred BEGIN, which many readers share with one writer. An ORM
        write inside it raises, so that a write meant to be kept is never silently dropped.
        Closing the session (not rolling it back) keeps what was loaded readable afterwards.
        Inside an update's unit of work it is that unit's session, which sees its writes.
        """
        unit = _own_unit_of_work()
        if unit is not None:
            yield unit.session
            return
        async with self._sessions() as session:
            session.sync_session.info[_READ_ONLY] = True
            yield session

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """A session inside one writing transaction: committed on success, else rolled back.

        On SQLite the writers of this process queue for their turn (first come, first served),
        then begin IMMEDIATE: a transaction that reads and then writes would otherwise fail at
        once with "database is locked" when another process's writer got there in between. On
        PostgreSQL the rows a change depends on are locked by the change itself
        (`booking.lock_resource_days`, `SELECT ... FOR UPDATE`). Talk to Telegram only after
        the block: the caller owns the transaction, core functions take its session. A write()
        inside another in the same task raises: it would wait for the lock its own task holds.

        Inside an update's unit of work (`update_transaction`) the block is a SAVEPOINT of
        that unit's transaction: a block that raises is undone alone, and what it wrote
        commits with the unit, or not at all.
        """
        owner = _write_owner.get()
        if owner is not None and owner is asyncio.current_task():
            raise RuntimeError(
                "Database.write() inside a write transaction of the same task would wait for "
                "itself: pass the open transaction's session down instead"
            )
        unit = _own_unit_of_work()
        if unit is not None:
            token = _write_owner.set(asyncio.current_task())
            try:
                async with unit.session.begin_nested():
                    yield unit.session
            finally:
                _write_owner.reset(token)
            return
        async with self._writing(_write_owner, lambda _session: asyncio.current_task()) as session:
            yield session

    @asynccontextmanager
    async def _writing(
        self,
        mark: ContextVar[Any],
        value: Callable[[AsyncSession], Any],
        bind: AsyncConnection | None = None,
    ) -> AsyncIterator[AsyncSession]:
        """A session in one write transaction (on `bind`, else a connection of the pool),
        after this process's other writers (SQLite), with `mark` set to `value(session)`
        inside: committed when the block ends, else rolled back."""
        sessions = self._sessions if bind is None else partial(self._sessions, bind=bind)
        async with self._turn(), sessions() as session:
            # Procuring the connection begins the session's transaction, with this option.
            await session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
            token = mark.set(value(session))
            try:
                yield session
            except BaseException:
                mark.reset(token)
                await session.rollback()
                raise
            mark.reset(token)
            await session.commit()

    @asynccontextmanager
    async def update_transaction(
        self, connection: AsyncConnection | None = None
    ) -> AsyncIterator[AsyncSession]:
        """One update's unit of work (webhook mode's inbox worker): ONE write transaction
        around its whole handling, committed when the block ends, else rolled back. On
        `connection` when given (the one that holds the user's turn), else one of the pool.

        Every `read()` and `write()` the same task opens inside it joins it, so the handler's
        changes, its replies (outbox rows) and the update's handled mark commit together or
        not at all. Other tasks (the job queue, the dispatcher, tasks the handler starts)
        never see its session. On SQLite it holds the write lock for the whole handler.
        """
        if write_transaction_open():
            raise RuntimeError("an update's unit of work inside a write transaction")
        units: list[_UnitOfWork] = []

        def begin(session: AsyncSession) -> _UnitOfWork:
            units.append(_UnitOfWork(session, asyncio.current_task()))
            return units[0]

        async with self._writing(_unit_of_work, begin, connection) as session:
            yield session
        for action in units[0].after_commit:
            await action()

    async def checkpoint(self) -> None:
        """Copy SQLite's write-ahead log into the database file and truncate it, so that it
        holds no old page images (called after an erasure commits). A no-op on PostgreSQL
        and on databases out of WAL mode; waits for this process's writers like a writer.
        Inside an update's unit of work it runs once the unit has committed."""
        if self.engine.dialect.name != "sqlite":
            return
        unit = _own_unit_of_work()
        if unit is not None:
            unit.after_commit.append(self.checkpoint)
            return
        async with self._turn(), self.engine.connect() as connection:
            # Outside any transaction (none is begun for a raw cursor): a checkpoint cannot
            # run inside one. SQLite does not wait for readers itself (busy_timeout=0, see
            # `mesobot.sqlite_driver`): a reader's snapshot is short, so try again after it.
            deadline = time.monotonic() + WRITE_LOCK_TIMEOUT
            pause = sqlite_driver.FIRST_RETRY
            while not await connection.run_sync(_checkpoint_wal):
                if time.monotonic() + pause > deadline:
                    logger.warning(
                        "SQLite's WAL checkpoint was held up by a reader; the log stays"
                    )
                    return
                await asyncio.sleep(pause)
                pause = min(pause * 2, sqlite_driver.LAST_RETRY)

    def _turn(self) -> AbstractAsyncContextManager[None]:
        return _no_queue() if self._writers is None else self._writers.turn()

    async def dispose(self) -> None:
        await self.engine.dispose()
