"""One change committed from a process of its own: the other process of the calendar cache test.

    python -m tests.booking.elsewhere URL book PATIENT_ID YYYY-MM-DD HH:MM
    python -m tests.booking.elsewhere URL block YYYY-MM-DD
    python -m tests.booking.elsewhere URL move APPOINTMENT_ID VERSION YYYY-MM-DD HH:MM

Each goes through the code a patient or staff member reaches (request_course, /block's
block_time, the staff move), commits, and prints what happened: booked, blocked or moved.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, date, datetime, time

from mesobot.booking import Booked, request_course
from mesobot.db import Database
from mesobot.staff.audit import StaffActor
from mesobot.staff.closures import block_time, clinic_calendar
from mesobot.staff.sessions import StaffChangeMade, move_course_session
from tests.booking.test_move_race import services_for
from tests.factories import course_request, sample_clinic, shown_series

NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
TREATMENT = "lower_blepharoplasty"
STAFF = StaffActor(telegram_id=777, name="Rita")


async def book(database: Database, patient_id: int, day: date, at: time) -> str:
    """A patient's single-session course at `day` `at`, as the booking flow requests it."""
    series = shown_series(TREATMENT, session_count=1, first=day, at=at, now=NOW)
    async with database.write() as session:
        result = await request_course(
            session=session,
            calendar=await clinic_calendar(session, sample_clinic()),
            request=course_request(patient_id, TREATMENT, series),
            now=NOW,
        )
    return "booked" if isinstance(result, Booked) else "taken"


async def block(database: Database, day: date) -> str:
    """Staff's /block of the whole of `day`."""
    async with database.write() as session:
        await block_time(
            session=session,
            clinic=sample_clinic(),
            day=day,
            start=None,
            end=None,
            reason="elsewhere",
            staff=STAFF,
            now=NOW,
        )
    return "blocked"


async def move(database: Database, appointment_id: int, version: int, day: date, at: time) -> str:
    """Staff moving a session to `day` `at`."""
    async with database.write() as session:
        result = await move_course_session(
            session=session,
            services=services_for(database),
            appointment_id=appointment_id,
            seen_version=version,
            new_date=day,
            new_time=at,
            staff=STAFF,
            now=NOW,
        )
    return "moved" if isinstance(result, StaffChangeMade) else type(result).__name__


async def main(url: str, action: str, *arguments: str) -> str:
    database = Database(url)
    try:
        if action == "book":
            patient, day, at = arguments
            return await book(
                database, int(patient), date.fromisoformat(day), time.fromisoformat(at)
            )
        if action == "block":
            return await block(database, date.fromisoformat(arguments[0]))
        appointment, version, day, at = arguments
        return await move(
            database,
            int(appointment),
            int(version),
            date.fromisoformat(day),
            time.fromisoformat(at),
        )
    finally:
        await database.dispose()


if __name__ == "__main__":
    sys.stdout.write(asyncio.run(main(*sys.argv[1:])) + "\n")
