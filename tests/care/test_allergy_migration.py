"""The allergy sign's split reaches reports stored before it: the old key becomes the severe
one (the safer reading), in reports and in their repeated-sign additions; downgrading gives
the older bot its one key back."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from alembic import command
from sqlmodel import col, select

from mesobot.care.models import ReactionReport, ReportAddition, ReportState
from mesobot.db import Database
from mesobot.migrate import alembic_config
from mesobot.models import Patient

BEFORE_SPLIT = "d857fdb8ab43"  # the revision before the allergy sign was split
SPLIT = "0665c88d23b9"
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
STORED = [["allergy"], ["nausea", "allergy"], ["infection"]]


async def _store_old_reports(url: str) -> None:
    # The schema is the same before and after the split: today's models write the old rows.
    database = Database(url)
    try:
        async with database.write() as session:
            patient = Patient(
                telegram_user_id=501, language="en", created_at=NOW, last_seen_at=NOW
            )
            session.add(patient)
            await session.flush()
            assert patient.id is not None
            for signs in STORED:
                report = ReactionReport(
                    patient_id=patient.id,
                    signs=signs,
                    severity=4 if "allergy" in signs else 3,
                    state=ReportState.OPEN,
                    created_at=NOW,
                )
                session.add(report)
                await session.flush()
                assert report.id is not None
                session.add(
                    ReportAddition(report_id=report.id, created_at=NOW, repeated_sign=signs[-1])
                )
    finally:
        await database.dispose()


async def _stored(url: str) -> tuple[list[list[str]], list[str | None]]:
    database = Database(url)
    try:
        async with database.read() as session:
            reports = await session.exec(select(ReactionReport).order_by(col(ReactionReport.id)))
            additions = await session.exec(
                select(ReportAddition.repeated_sign).order_by(col(ReportAddition.id))
            )
            return [report.signs for report in reports], list(additions)
    finally:
        await database.dispose()


def test_reports_of_the_old_allergy_sign_become_the_severe_one(empty_database_url: str) -> None:
    config = alembic_config(empty_database_url)
    command.upgrade(config, BEFORE_SPLIT)
    asyncio.run(_store_old_reports(empty_database_url))
    command.upgrade(config, "head")
    signs, repeated = asyncio.run(_stored(empty_database_url))
    assert signs == [["severe_allergy"], ["nausea", "severe_allergy"], ["infection"]]
    assert repeated == ["severe_allergy", "severe_allergy", "infection"]
    command.downgrade(config, BEFORE_SPLIT)
    assert asyncio.run(_stored(empty_database_url)) == (
        STORED,
        ["allergy", "allergy", "infection"],
    )
    command.upgrade(config, SPLIT)
    assert asyncio.run(_stored(empty_database_url))[0][0] == ["severe_allergy"]
