"""A cached calendar never offers a place a just-committed booking, block or move has taken.

The screens are cached per process (mesobot.scheduling.cache) and so is the calendar with its
closures (mesobot.calendar_cache). The change is committed by another Python process, which
shares no memory with this one: only what it wrote to the database can tell this process's
caches that the place is gone.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy import event

from mesobot.booking import Taken, day_free_times, month_free_dates, request_course
from mesobot.config import PROJECT_ROOT
from mesobot.db import Database
from mesobot.scheduling.cache import SCREENS
from mesobot.scheduling.calendar import Calendar
from mesobot.session_moves import CourseSeries, NotReplanned, move_series_session
from mesobot.staff.audit import StaffActor
from mesobot.staff.closures import block_time, clinic_calendar, unblock_day
from tests.factories import add_patients, book, course_request, sample_clinic, shown_series

NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
TREATMENT = "lower_blepharoplasty"
# A Friday open 09:00-14:00: two practitioners times six single-session times.
FRIDAY = date(2026, 12, 11)
MONDAY = date(2026, 12, 7)
STAFF = StaffActor(telegram_id=777, name="Rita")

Screens = tuple[tuple[date, ...], tuple[time, ...]]


async def screens(database: Database) -> Screens:
    """December's free dates and Friday's free times, as the booking flow computes them."""
    clinic = sample_clinic()
    rule = clinic.treatments[TREATMENT].series_rule()
    async with database.read() as session:
        calendar = await clinic_calendar(session, clinic)
        dates = await month_free_dates(
            session=session,
            calendar=calendar,
            rule=rule,
            session_count=1,
            year=2026,
            month=12,
            now=NOW,
        )
        times = await day_free_times(
            session=session, calendar=calendar, rule=rule, session_count=1, day=FRIDAY, now=NOW
        )
    return dates, times


async def warm_screens(database: Database) -> Screens:
    """The screens, computed twice: the second time from the cache, and the same."""
    first = await screens(database)
    hits = SCREENS.answers.hits
    again = await screens(database)
    assert (again, SCREENS.answers.hits) == (first, hits + 2)
    return first


async def leave_one_place_on_friday(database: Database, patients: list[int]) -> time:
    """Book eleven of Friday's twelve places; returns the first time of the one left (a place
    at it takes the later times that are still free too)."""
    for _ in range(11):
        _, times = await screens(database)
        series = shown_series(TREATMENT, session_count=1, first=FRIDAY, at=times[0], now=NOW)
        await book(database, patients.pop(), TREATMENT, series, now=NOW)
    _, times = await screens(database)
    return times[0]


async def commit_elsewhere(database: Database, *arguments: object) -> str:
    """Run tests/booking/elsewhere.py in a new Python process against the same database."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.booking.elsewhere",
        database.url,
        *map(str, arguments),
        cwd=PROJECT_ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode == 0, err.decode()
    return out.decode().strip()


@pytest.mark.parametrize("change", ["book", "block", "move"])
async def test_a_place_taken_by_another_process_leaves_the_warm_screens(
    database: Database, change: str
) -> None:
    """Warm cache, another process books / blocks / moves into Friday's last place: gone."""
    patients = await add_patients(database, 13, now=NOW)
    monday = shown_series(TREATMENT, session_count=1, first=MONDAY, at=time(10), now=NOW)
    moving = await book(database, patients.pop(), TREATMENT, monday, now=NOW)
    last = await leave_one_place_on_friday(database, patients)
    dates, times = await warm_screens(database)
    assert FRIDAY in dates
    assert last in times
    if change == "book":
        outcome = await commit_elsewhere(database, "book", patients.pop(), FRIDAY, last)
    elif change == "block":
        outcome = await commit_elsewhere(database, "block", FRIDAY)
    else:
        session = moving.appointments[0]
        version = session.version
        outcome = await commit_elsewhere(database, "move", session.id, version, FRIDAY, last)
    assert outcome == {"book": "booked", "block": "blocked", "move": "moved"}[change]
    after_dates, after_times = await screens(database)
    assert (FRIDAY in after_dates, after_times) == (False, ())
    assert set(after_dates) == set(dates) - {FRIDAY}


async def test_changes_in_this_process_reach_the_warm_screens(database: Database) -> None:
    """A booking, a block and an unblock committed here: each shows on the next screens."""
    patients = await add_patients(database, 13, now=NOW)
    last = await leave_one_place_on_friday(database, patients)
    dates, times = await warm_screens(database)
    async with database.write() as session:
        await block_time(
            session=session,
            clinic=sample_clinic(),
            day=FRIDAY,
            start=time(9),
            end=time(14),
            reason="",
            staff=STAFF,
            now=NOW,
        )
    assert await screens(database) == (tuple(d for d in dates if d != FRIDAY), ())
    async with database.write() as session:
        await unblock_day(
            session=session, clinic=sample_clinic(), day=FRIDAY, staff=STAFF, now=NOW
        )
    assert await screens(database) == (dates, times)
    series = shown_series(TREATMENT, session_count=1, first=FRIDAY, at=last, now=NOW)
    await book(database, patients.pop(), TREATMENT, series, now=NOW)
    assert await screens(database) == (tuple(d for d in dates if d != FRIDAY), ())


async def test_an_unchanged_calendar_costs_one_read(database: Database) -> None:
    """While nobody changes the closures, the calendar is the cached one, for one statement."""
    statements: list[str] = []

    def count(_connection: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    async with database.read() as session:
        first = await clinic_calendar(session, sample_clinic())
    event.listen(database.engine.sync_engine, "before_cursor_execute", count)
    try:
        async with database.read() as session:
            again = await clinic_calendar(session, sample_clinic())
    finally:
        event.remove(database.engine.sync_engine, "before_cursor_execute", count)
    assert again is first
    assert [s for s in statements if not s.startswith("BEGIN")] == [statements[-1]]
    assert "closure_version" in statements[-1]


async def _block_friday_elsewhere_after_reading(database: Database) -> Calendar:
    """The calendar as read before Friday was blocked (by another process, committed)."""
    async with database.read() as session:
        calendar = await clinic_calendar(session, sample_clinic())
    assert await commit_elsewhere(database, "block", FRIDAY) == "blocked"
    return calendar


async def test_booking_under_the_lock_sees_a_block_its_calendar_missed(database: Database) -> None:
    """request_course re-reads the closures under the lock: a stale calendar cannot book."""
    [patient] = await add_patients(database, 1, now=NOW)
    stale = await _block_friday_elsewhere_after_reading(database)
    series = shown_series(TREATMENT, session_count=1, first=FRIDAY, at=time(10), now=NOW)
    async with database.write() as session:
        result = await request_course(
            session=session,
            calendar=stale,
            request=course_request(patient, TREATMENT, series),
            now=NOW,
        )
    assert isinstance(result, Taken)


async def test_a_move_under_the_lock_sees_a_block_its_calendar_missed(database: Database) -> None:
    """The session mover re-reads the closures under the lock: no move into the new block."""
    [patient] = await add_patients(database, 1, now=NOW)
    monday = shown_series(TREATMENT, session_count=1, first=MONDAY, at=time(10), now=NOW)
    booked = await book(database, patient, TREATMENT, monday, now=NOW)
    stale = await _block_friday_elsewhere_after_reading(database)
    async with database.write() as session:
        result = await move_series_session(
            session=session,
            calendar=stale,
            rule=sample_clinic().treatments[TREATMENT].series_rule(),
            found=CourseSeries(booked.course, booked.appointments),
            number=1,
            new_date=FRIDAY,
            new_time=time(10),
            now=NOW,
        )
    assert isinstance(result, NotReplanned)
