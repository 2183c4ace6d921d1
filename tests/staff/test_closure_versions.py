"""Every change to the closures gives them a new token in its own transaction, and only then."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from mesobot.calendar_cache import closure_version
from mesobot.db import Database, async_url
from mesobot.migrate import alembic_config, upgrade_to_head
from mesobot.staff.audit import StaffActor
from mesobot.staff.closures import block_time, clinic_calendar, unblock_day
from tests.factories import sample_clinic

NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
RITA = StaffActor(1, "Rita")
DAY = date(2026, 12, 9)
BEFORE_VERSIONS = "f85fcc6ae5b8"  # the revision before closure_version


async def _version(database: Database) -> str | None:
    async with database.read() as session:
        return await closure_version(session, sample_clinic().clinic.id)


async def _block(database: Database, day: date = DAY) -> None:
    async with database.write() as session:
        await block_time(
            session=session,
            clinic=sample_clinic(),
            day=day,
            start=time(9),
            end=time(11),
            reason="",
            staff=RITA,
            now=NOW,
        )


async def _unblock(database: Database, day: date = DAY) -> int:
    async with database.write() as session:
        return await unblock_day(
            session=session, clinic=sample_clinic(), day=day, staff=RITA, now=NOW
        )


async def test_block_and_unblock_each_give_a_new_token(database: Database) -> None:
    """None before any closure; a new token per /block and per /unblock that removed one."""
    seen = [await _version(database)]
    await _block(database)
    seen.append(await _version(database))
    await _block(database, date(2026, 12, 10))
    seen.append(await _version(database))
    assert await _unblock(database) == 1
    seen.append(await _version(database))
    assert seen[0] is None
    assert len(set(seen)) == len(seen)
    assert await _unblock(database, date(2026, 12, 24)) == 0  # nothing there: nothing changed
    assert await _version(database) == seen[-1]


async def _block_then_fail(database: Database) -> None:
    async with database.write() as session:
        await block_time(
            session=session,
            clinic=sample_clinic(),
            day=date(2026, 12, 14),
            start=None,
            end=None,
            reason="",
            staff=RITA,
            now=NOW,
        )
        raise RuntimeError("staff changed their mind")


async def test_a_block_rolled_back_changes_neither_token_nor_calendar(database: Database) -> None:
    await _block(database)
    async with database.read() as session:
        before = await clinic_calendar(session, sample_clinic())
    version = await _version(database)
    with pytest.raises(RuntimeError, match="staff changed their mind"):
        await _block_then_fail(database)
    async with database.read() as session:
        after = await clinic_calendar(session, sample_clinic())
    assert (await _version(database), after) == (version, before)
    assert after.staff_closures == 1


async def _store_a_closure_directly(url: str) -> None:
    engine = create_async_engine(async_url(url))
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO clinic_closure (clinic_id, local_date, reason, created_by,"
                    " created_at) VALUES ('main', '2026-12-09', '', 1, '2026-11-30 08:00:00')"
                )
            )
    finally:
        await engine.dispose()


async def _tokens_and_calendar(url: str) -> tuple[str | None, str | None, int]:
    database = Database(url)
    try:
        async with database.read() as session:
            calendar = await clinic_calendar(session, sample_clinic())
            return (
                await closure_version(session, "main"),
                await closure_version(session, "other"),
                calendar.staff_closures,
            )
    finally:
        await database.dispose()


def test_the_migration_gives_clinics_with_closures_a_token(empty_database_url: str) -> None:
    """Closures stored before the table existed are not hidden behind "no token, no closures"."""
    command.upgrade(alembic_config(empty_database_url), BEFORE_VERSIONS)
    asyncio.run(_store_a_closure_directly(empty_database_url))
    upgrade_to_head(empty_database_url)
    main, other, staff_closures = asyncio.run(_tokens_and_calendar(empty_database_url))
    assert main is not None
    assert (other, staff_closures) == (None, 1)
