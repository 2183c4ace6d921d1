"""The two kinds of transaction: reads take no write lock and keep nothing, writes commit,
and a Bot API call made inside a write transaction fails its test. On SQLite, this process's
writers get in first come, first served, and readers never wait for a writer (WAL)."""

from __future__ import annotations

import asyncio
import sys
import time
from asyncio.subprocess import PIPE, Process
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlmodel import select

from mesobot import sqlite_driver
from mesobot.db import Database, write_transaction_open
from mesobot.models import Patient
from tests.databases import SqliteDatabases
from tests.test_emulator_violation_check import REPOSITORY

pytest_plugins = ["pytester"]


def _patient(user_id: int) -> Patient:
    now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    return Patient(telegram_user_id=user_id, language="en", created_at=now, last_seen_at=now)


async def test_a_write_commits_and_marks_only_its_own_task(database: Database) -> None:
    """Inside write() the running task is marked; a task it starts and the code after are not."""
    assert not write_transaction_open()
    async with database.write() as session:
        assert write_transaction_open()
        started = asyncio.create_task(asyncio.sleep(0, result=None))
        inherited = await asyncio.create_task(_is_marked())
        await started
        session.add(_patient(1))
    assert not inherited
    assert not write_transaction_open()
    async with database.read() as session:
        assert not write_transaction_open()
        assert (await session.exec(select(Patient))).one().telegram_user_id == 1


async def _is_marked() -> bool:
    return write_transaction_open()


async def test_a_failed_write_keeps_nothing(database: Database) -> None:
    """An exception inside write() rolls the transaction back and clears the mark."""
    with pytest.raises(LookupError):  # noqa: PT012 (the block is the transaction under test)
        async with database.write() as session:
            session.add(_patient(2))
            await session.flush()
            raise LookupError
    assert not write_transaction_open()
    async with database.read() as session:
        assert (await session.exec(select(Patient))).first() is None


async def test_a_read_refuses_to_write(database: Database) -> None:
    """An ORM write inside read() raises instead of being silently dropped."""
    with pytest.raises(RuntimeError, match=r"use Database\.write"):  # noqa: PT012
        async with database.read() as session:
            session.add(_patient(3))
            await session.flush()
    async with database.read() as session:
        assert (await session.exec(select(Patient))).first() is None


async def test_a_write_inside_a_write_of_the_same_task_raises(database: Database) -> None:
    """A nested write() fails at once instead of waiting for the lock its own task holds;
    the outer transaction is unharmed and commits."""
    async with database.write() as session:
        session.add(_patient(4))
        with pytest.raises(RuntimeError, match="inside a write transaction"):
            async with database.write():
                pass  # pragma: no cover - never entered
    async with database.read() as session:
        assert (await session.exec(select(Patient))).one().telegram_user_id == 4


@pytest.fixture
async def sqlite_database(
    sqlite_databases: SqliteDatabases, migrated_sqlite_file: Path
) -> AsyncIterator[Database]:
    """The application's Database on a fresh migrated SQLite file."""
    database = Database(sqlite_databases.copy_of(migrated_sqlite_file))
    yield database
    await database.dispose()


async def test_sqlite_writers_get_in_in_the_order_they_arrived(sqlite_database: Database) -> None:
    """While one writer holds the lock, ten more arrive one after another: they get in in
    that order (SQLite's busy handler alone lets the later, more eager pollers in first)."""
    entered: list[int] = []
    release = asyncio.Event()

    async def writer(number: int) -> None:
        async with sqlite_database.write() as session:
            entered.append(number)
            session.add(_patient(100 + number))
            if number == 0:
                await release.wait()
            await asyncio.sleep(0.005)  # a transaction takes a while; the queue must hold

    tasks = []
    for number in range(11):
        tasks.append(asyncio.create_task(writer(number)))
        for _ in range(3):  # the new writer starts and queues behind the earlier ones
            await asyncio.sleep(0)
    await asyncio.sleep(0.05)
    assert entered == [0]
    release.set()
    await asyncio.gather(*tasks)
    assert entered == list(range(11))


async def test_a_cancelled_writer_leaves_the_write_lock_free(database: Database) -> None:
    """A task cancelled in the middle of its write transaction (a shutdown, a timeout) gives
    the lock back: the next writer gets in at once, not after SQLite's busy timeout."""
    inside = asyncio.Event()

    async def stuck_writer() -> None:
        async with database.write() as session:
            await session.exec(select(Patient))
            inside.set()
            await asyncio.Event().wait()

    task = asyncio.create_task(stuck_writer())
    await inside.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    async with asyncio.timeout(5):
        async with database.write() as session:
            session.add(_patient(4242))
    async with database.read() as session:
        assert (await session.exec(select(Patient))).first() is not None


async def test_sqlite_readers_never_wait_for_a_writer(sqlite_database: Database) -> None:
    """WAL: a read runs while a writer holds the lock, the writer commits while the read is
    still open, and the read keeps the snapshot it started with."""
    async with sqlite_database.write() as session:
        session.add(_patient(1))
    async with sqlite_database.read() as reading:
        assert len((await reading.exec(select(Patient))).all()) == 1
        # A rollback journal would make this commit wait for the open read (30 s, then fail).
        async with asyncio.timeout(5), sqlite_database.write() as session:
            session.add(_patient(2))
            await session.flush()
            assert len((await reading.exec(select(Patient))).all()) == 1
        assert len((await reading.exec(select(Patient))).all()) == 1
    async with sqlite_database.read() as session:
        assert len((await session.exec(select(Patient))).all()) == 2


HOLD_THE_LOCK = """
import sqlite3, sys, time
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("BEGIN IMMEDIATE")
print("holding", flush=True)
time.sleep(float(sys.argv[2]))
connection.execute("COMMIT")
"""


async def _other_process_holding_the_write_lock(path: str, seconds: float) -> Process:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", HOLD_THE_LOCK, path, str(seconds), stdout=PIPE
    )
    assert process.stdout is not None
    assert await process.stdout.readline() == b"holding\n"
    return process


async def test_sqlite_a_writer_waits_for_another_process_without_stopping_the_bot(
    sqlite_database: Database,
) -> None:
    """Another process holds SQLite's write lock for 0.5 s: this process's writer gets in when
    it is released, and meanwhile the event loop goes on serving (SQLite's statements run on
    the loop's thread, so a wait inside SQLite would have stopped every patient's reply)."""
    path = str(make_url(sqlite_database.url).database)
    other = await _other_process_holding_the_write_lock(path, 0.5)
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    ticker = asyncio.create_task(tick())
    started = time.monotonic()
    async with sqlite_database.write() as session:
        session.add(_patient(77))
    waited = time.monotonic() - started
    ticker.cancel()
    await other.wait()
    assert waited > 0.2  # it did wait for the other process
    assert ticks >= 10  # and the loop ran all along (a blocked loop ticks once or never)
    async with sqlite_database.read() as session:
        assert (await session.exec(select(Patient))).one().telegram_user_id == 77


async def test_sqlite_a_writer_gives_up_after_the_lock_timeout(
    sqlite_databases: SqliteDatabases, migrated_sqlite_file: Path
) -> None:
    """A lock held longer than the timeout ends the write with SQLite's own error."""
    url = sqlite_databases.copy_of(migrated_sqlite_file)
    path = str(make_url(url).database)
    other = await _other_process_holding_the_write_lock(path, 1.0)
    database = Database(url, async_creator=sqlite_driver.connector(path, lock_timeout=0.2))
    try:
        with pytest.raises(OperationalError, match="database is locked"):
            async with database.write():
                pass  # pragma: no cover - never entered
    finally:
        await database.dispose()
        await other.wait()


async def test_sqlite_the_checkpoint_waits_for_a_reader_then_empties_the_log(
    sqlite_database: Database,
) -> None:
    """After an erasure the log must hold no old page: a checkpoint begun while a read holds
    its snapshot waits for that read (without stopping the loop), then truncates the log."""
    path = Path(str(make_url(sqlite_database.url).database))
    async with sqlite_database.write() as session:
        session.add(_patient(5))
    async with sqlite_database.read() as reading:
        assert len((await reading.exec(select(Patient))).all()) == 1  # the snapshot is held
        checkpoint = asyncio.create_task(sqlite_database.checkpoint())
        await asyncio.sleep(0.2)
        assert not checkpoint.done()  # the reader still needs the log
    await asyncio.wait_for(checkpoint, timeout=5)
    assert _size(Path(f"{path}-wal")) == 0


def _size(path: Path) -> int:
    return path.stat().st_size


INNER_TESTS = """
from mesobot.db import Database


async def test_reply_after_commit(emulator, tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    async with database.write():
        pass
    await emulator_bot_call(emulator)
    await database.dispose()


async def test_reply_inside_write(emulator, tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    async with database.write():
        await emulator_bot_call(emulator)
    await database.dispose()


async def emulator_bot_call(emulator):
    from telegram import Bot

    async with Bot(emulator.token, base_url=emulator.base_url) as bot:
        await bot.get_me()
"""


def test_bot_api_call_inside_a_write_fails_the_test(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Of two tests that call the Bot API, the one inside write() errors at teardown."""
    monkeypatch.setenv("PYTHONPATH", str(REPOSITORY))
    pytester.makeconftest(
        'pytest_plugins = ["botapi_emulator.fixtures", "tests.telegram_guard"]\n'
    )
    pytester.makeini(
        "[pytest]\nasyncio_mode = auto\n"
        "asyncio_default_fixture_loop_scope = function\nfilterwarnings = error\n"
    )
    pytester.makepyfile(test_inner=INNER_TESTS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["*getMe inside Database.write()*"])


async def test_an_update_transaction_is_joined_by_its_tasks_reads_and_writes(
    database: Database,
) -> None:
    """Inside an update's unit of work, the same task's reads see its writes, a write that
    raises is undone alone (a savepoint), and another task sees nothing until it commits."""
    async with database.update_transaction():
        assert write_transaction_open()
        async with database.write() as session:
            session.add(_patient(10))
        with pytest.raises(LookupError):  # noqa: PT012 (the block is the savepoint under test)
            async with database.write() as session:
                session.add(_patient(11))
                await session.flush()
                raise LookupError
        async with database.read() as session:
            seen = [p.telegram_user_id for p in (await session.exec(select(Patient))).all()]
        elsewhere = await asyncio.create_task(_patients_seen(database))
    assert seen == [10]
    assert elsewhere == []
    assert not write_transaction_open()
    assert await _patients_seen(database) == [10]


async def _patients_seen(database: Database) -> list[int]:
    async with database.read() as session:
        return [p.telegram_user_id for p in (await session.exec(select(Patient))).all()]


async def test_an_update_transaction_that_fails_keeps_none_of_its_writes(
    database: Database,
) -> None:
    """A failure after the handler's writes, before the commit (the handled mark), undoes
    every one of them."""
    with pytest.raises(LookupError):  # noqa: PT012 (the block is the unit under test)
        async with database.update_transaction():
            async with database.write() as session:
                session.add(_patient(12))
            async with database.write() as session:
                session.add(_patient(13))
            raise LookupError
    assert not write_transaction_open()
    assert await _patients_seen(database) == []
