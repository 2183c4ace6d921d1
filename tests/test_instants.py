"""Instants are stored as UTC and read back equal and timezone-aware, on both databases."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.exc import StatementError
from sqlmodel import select

from mesobot.db import Database
from mesobot.models import Patient

MADRID = ZoneInfo("Europe/Madrid")


async def test_instant_read_back_equal_and_aware(database: Database) -> None:
    """Madrid wall-clock instants come back as the same instants, aware, in UTC."""
    created = datetime(2026, 7, 1, 10, 15, 30, 123456, tzinfo=MADRID)
    # The second 02:30 of the night the clocks go back; Python never calls an instant in a
    # fold equal to one in another zone (PEP 495), so it is compared by its UTC value.
    repeated_hour = datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=MADRID)
    async with database.write() as session:
        session.add(
            Patient(telegram_user_id=2**40, created_at=created, last_seen_at=repeated_hour)
        )
    async with database.read() as session:
        patient = (await session.exec(select(Patient))).one()
    assert patient.created_at == created
    assert patient.created_at.utcoffset() == timedelta(0)
    assert patient.last_seen_at.isoformat() == "2026-10-25T01:30:00+00:00"
    assert patient.telegram_user_id == 2**40


async def test_instants_compare_in_sql_as_instants(database: Database) -> None:
    """A query by instant finds rows written with another zone's offset."""
    earlier = datetime(2026, 3, 29, 1, 59, tzinfo=ZoneInfo("UTC"))
    later = datetime(2026, 3, 29, 3, 1, tzinfo=MADRID)  # 01:01 UTC, after the spring change
    async with database.write() as session:
        session.add(Patient(telegram_user_id=1, created_at=earlier, last_seen_at=earlier))
        session.add(Patient(telegram_user_id=2, created_at=later, last_seen_at=later))
    async with database.read() as session:
        query = select(Patient.telegram_user_id).where(Patient.created_at < earlier)
        assert (await session.exec(query)).all() == [2]


async def test_naive_datetime_is_refused(database: Database) -> None:
    """Writing a naive datetime is an error, not a silent guess at its zone."""
    naive = datetime(2026, 1, 1, 9, 0)  # noqa: DTZ001 - the point of the test
    with pytest.raises(StatementError, match="naive datetime"):
        async with database.write() as session:
            session.add(Patient(telegram_user_id=3, created_at=naive, last_seen_at=naive))
