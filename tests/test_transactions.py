"""The two kinds of transaction: reads take no write lock and keep nothing, writes commit,
and a Bot API call made inside a write transaction fails its test. On SQLite, this process's
writers get in first come, first served, and readers never wait for a writer (WAL)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import select

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
