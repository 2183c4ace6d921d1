"""Staff moves racing patient bookings for the last places: exactly the capacity is taken.

A staff move of session 1 re-plans the later sessions onto other days. Those days must be
locked like any booking's, or a patient booking that locks only its own day can read the same
free place at the same moment and both commit: one practitioner, two patients, one slot.

So that the race is not left to the timing of a busy machine, the worst interleaving is made
to happen: each staff process stops just before its first write (everything it decides from is
read by then), the patients of its contest start booking only then, and the staff process goes
on once one of them has booked, or after PAUSE_SECONDS. Without the lock a patient books in that
gap; with it the patients wait for the staff move to commit.
"""

from __future__ import annotations

import asyncio
import multiprocessing
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from itertools import combinations
from multiprocessing.synchronize import Barrier, Event
from typing import Any

import pytest
from sqlalchemy import event
from sqlmodel import col, select

from mesobot.booking import Booked, Taken, request_course
from mesobot.callbacks import CallbackCodec
from mesobot.clock import ManualClock
from mesobot.config import Settings
from mesobot.db import Database
from mesobot.lifecycle import DEFAULT_OBSERVERS
from mesobot.models import Appointment
from mesobot.models.course import HOLDING_STATES
from mesobot.services import Services
from mesobot.staff.audit import StaffActor
from mesobot.staff.sessions import StaffChangeMade, move_course_session
from tests.factories import add_patients, book, course_request, sample_clinic, shown_series

pytestmark = pytest.mark.slow

NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
STAFF = StaffActor(telegram_id=777, name="Rita")
PATIENTS_PER_CONTEST = 5
CAPACITY = 2  # the sample clinic's two practitioners
PAUSE_SECONDS = 2.0


@dataclass(frozen=True)
class Contest:
    """A facial course from Monday 7 December at `at`, whose session 1 staff move to
    `new_date`; session 2 then follows onto `contested` at `at`, where patients book too."""

    at: time
    new_date: date
    contested: date


# Days all apart, so that no lock of one contest serialises another, and times far apart, so
# that a session pushed to the next free time never lands in another contest's slot.
CONTESTS = [
    Contest(time(9), date(2026, 12, 8), date(2026, 12, 22)),
    Contest(time(12), date(2026, 12, 9), date(2026, 12, 23)),
    Contest(time(15), date(2026, 12, 15), date(2026, 12, 29)),
    Contest(time(18), date(2026, 12, 16), date(2026, 12, 30)),
]


@dataclass(frozen=True)
class StaffMove:
    """What a staff process needs: the session to move and the session version it saw."""

    appointment_id: int
    version: int
    contest: Contest


async def request_last_place(database: Database, patient_id: int, contest: Contest) -> str:
    """One patient's booking of a single session in the contested slot (the one booking call)."""
    series = shown_series(
        "lower_blepharoplasty", session_count=1, first=contest.contested, at=contest.at, now=NOW
    )
    async with database.write() as session:
        result = await request_course(
            session=session,
            calendar=sample_clinic().calendar(),
            request=course_request(patient_id, "lower_blepharoplasty", series),
            now=NOW,
        )
    assert isinstance(result, Booked | Taken)
    return "booked" if isinstance(result, Booked) else "taken"


def services_for(database: Database) -> Services:
    """Services with the sample clinic, one staff member and the default observers."""
    settings = Settings(
        telegram_bot_token="123456:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw",
        database_url=database.url,  # type: ignore[arg-type]
        mesobot_staff_ids=[STAFF.telegram_id],
    )
    return Services(
        settings=settings,
        clock=ManualClock(NOW),
        database=database,
        codec=CallbackCodec(b"k"),
        clinic=sample_clinic(),
        session_observers=[*DEFAULT_OBSERVERS],
    )


@dataclass(frozen=True)
class Signals:
    """One contest's meeting points: the staff move is paused; a patient has booked."""

    staff_paused: Event
    patient_booked: Event


def pause_before_first_write(database: Database, signals: Signals) -> None:
    """Hold this process's staff move before its first UPDATE until a patient has booked."""
    paused = False

    @event.listens_for(database.engine.sync_engine, "before_cursor_execute")
    def _pause(_connection: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        nonlocal paused
        if not paused and statement.lstrip().startswith("UPDATE appointment"):
            paused = True
            signals.staff_paused.set()
            signals.patient_booked.wait(timeout=PAUSE_SECONDS)


async def _move_as_staff(database: Database, move: StaffMove) -> str:
    async with database.write() as session:
        result = await move_course_session(
            session=session,
            services=services_for(database),
            appointment_id=move.appointment_id,
            seen_version=move.version,
            new_date=move.contest.new_date,
            new_time=move.contest.at,
            staff=STAFF,
            now=NOW,
        )
    return "moved" if isinstance(result, StaffChangeMade) else type(result).__name__


def _race_in_a_process(
    database_url: str,
    task: StaffMove | tuple[int, Contest],
    barrier: Barrier,
    signals: Sequence[Signals],
    results: multiprocessing.Queue[str],
) -> None:
    async def attempt() -> str:
        database = Database(database_url)
        try:
            barrier.wait()  # every process starts at the same moment
            if isinstance(task, StaffMove):
                pause_before_first_write(database, signals[CONTESTS.index(task.contest)])
                return await _move_as_staff(database, task)
            patient_id, contest = task
            mine = signals[CONTESTS.index(contest)]
            mine.staff_paused.wait(timeout=PAUSE_SECONDS)
            outcome = await request_last_place(database, patient_id, contest)
            mine.patient_booked.set()
            return outcome
        finally:
            await database.dispose()

    results.put(asyncio.run(attempt()))


async def _prepare(database: Database) -> tuple[list[StaffMove], list[tuple[int, Contest]]]:
    try:
        patients = await add_patients(
            database, len(CONTESTS) * (PATIENTS_PER_CONTEST + 1), now=NOW
        )
        moves, bookings = [], []
        for contest in CONTESTS:
            series = shown_series(
                "facial_rejuvenation",
                session_count=4,
                first=date(2026, 12, 7),
                at=contest.at,
                now=NOW,
            )
            booked = await book(database, patients.pop(), "facial_rejuvenation", series, now=NOW)
            first = booked.appointments[0]
            moves.append(StaffMove(first.id or 0, first.version, contest))
            bookings += [(patients.pop(), contest) for _ in range(PATIENTS_PER_CONTEST)]
        return moves, bookings
    finally:
        await database.dispose()


async def _holding_and_close(database: Database) -> list[Appointment]:
    try:
        async with database.read() as session:
            query = select(Appointment).where(col(Appointment.state).in_(HOLDING_STATES))
            return list(await session.exec(query))
    finally:
        await database.dispose()


def _overlaps(holding: list[Appointment]) -> list[tuple[str, datetime]]:
    """Each pair of holding sessions on one resource whose times overlap: resource, start."""
    return [
        (a.resource_id, a.start_utc)
        for a, b in combinations(holding, 2)
        if a.resource_id == b.resource_id and a.start_utc < b.end_utc and b.start_utc < a.end_utc
    ]


def test_staff_moves_racing_bookings_for_the_last_places_take_exactly_the_capacity(
    database_url: str,
) -> None:
    """4 staff moves push session 2 of a course onto a slot 5 patients each race for."""
    moves, bookings = asyncio.run(_prepare(Database(database_url)))
    tasks: list[StaffMove | tuple[int, Contest]] = [*moves, *bookings]
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(len(tasks))
    signals = [Signals(context.Event(), context.Event()) for _ in CONTESTS]
    results: multiprocessing.Queue[str] = context.Queue()
    workers = [
        context.Process(
            target=_race_in_a_process, args=(database_url, task, barrier, signals, results)
        )
        for task in tasks
    ]
    for worker in workers:
        worker.start()
    outcomes = Counter(results.get(timeout=120) for _ in workers)
    for worker in workers:
        worker.join(timeout=30)
    assert all(worker.exitcode == 0 for worker in workers)
    assert outcomes["moved"] == len(moves), outcomes
    holding = asyncio.run(_holding_and_close(Database(database_url)))
    taken = Counter((a.local_date, a.local_time) for a in holding)
    in_contested_slots = [taken[(c.contested, c.at)] for c in CONTESTS]
    assert (in_contested_slots, _overlaps(holding)) == ([CAPACITY] * len(CONTESTS), [])
