"""The data layer of a patient's changes: move, cancel one, cancel the rest (both databases)."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time

import pytest
from sqlmodel import col, select

from mesobot.callbacks import CallbackCodec
from mesobot.clock import ManualClock
from mesobot.config import Settings
from mesobot.db import Database
from mesobot.flow.steps import plan_digest
from mesobot.lifecycle import DEFAULT_OBSERVERS
from mesobot.models import Appointment, CourseState, SessionState, StateEvent
from mesobot.outbox.models import OutboxMessage
from mesobot.patient_changes import (
    PatientChangeMade,
    PlanMoved,
    Refusal,
    Refused,
    cancel_one_session,
    cancel_rest_of_course,
    patient_session,
    plan_move,
    reschedule_session,
)
from mesobot.scheduling.series import PlannedSeries
from mesobot.services import Services
from tests.factories import add_patients, book, sample_clinic, shown_series

NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
MONDAY = date(2026, 12, 7)
STAFF = 777


def services_for(database: Database, *, at_once: bool = False) -> Services:
    """Services with the sample clinic and one staff member."""
    clinic = sample_clinic()
    if at_once:
        info = clinic.clinic.model_copy(update={"patient_changes_confirmed_at_once": True})
        clinic = clinic.model_copy(update={"clinic": info})
    settings = Settings(
        telegram_bot_token="123456:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw",
        database_url=database.url,  # type: ignore[arg-type]
        mesobot_staff_ids=[STAFF],
    )
    return Services(
        settings=settings,
        clock=ManualClock(NOW),
        database=database,
        codec=CallbackCodec(b"k"),
        clinic=clinic,
        session_observers=[*DEFAULT_OBSERVERS],
    )


async def facial(database: Database, patient: int) -> list[Appointment]:
    """A facial course from Monday 7 December, 10:00: 7 Dec, 21 Dec, 4 Jan, 18 Jan."""
    series = shown_series(
        "facial_rejuvenation", session_count=4, first=MONDAY, at=time(10), now=NOW
    )
    return (await book(database, patient, "facial_rejuvenation", series, now=NOW)).appointments


async def sessions_of(database: Database, course_id: int) -> list[Appointment]:
    async with database.read() as session:
        query = select(Appointment).where(Appointment.course_id == course_id)
        return list(await session.exec(query.order_by(col(Appointment.number))))


async def shown_move(
    database: Database, patient: int, appointment: Appointment, day: date, at: time
) -> PlannedSeries:
    """The plan a patient would be shown for a move."""
    clinic = sample_clinic()
    async with database.read() as session:
        found = await patient_session(
            session=session, patient_id=patient, appointment_id=appointment.id or 0, now=NOW
        )
        assert found is not None
        plan = await plan_move(
            session=session,
            calendar=clinic.calendar(),
            rule=clinic.treatments["facial_rejuvenation"].series_rule(),
            found=found,
            appointment_id=appointment.id or 0,
            new_date=day,
            new_time=at,
            now=NOW,
        )
    assert isinstance(plan, PlannedSeries), plan
    return plan


async def test_moving_session_two_re_plans_the_later_ones_inside_the_window(
    database: Database,
) -> None:
    """Sessions 3 and 4 follow the moved session 2; events and a staff notice are stored."""
    [patient] = await add_patients(database, 1, now=NOW)
    appointments = await facial(database, patient)
    plan = await shown_move(database, patient, appointments[1], date(2026, 12, 28), time(10))
    async with database.write() as session:
        result = await reschedule_session(
            session=session,
            services=services_for(database),
            patient_id=patient,
            appointment_id=appointments[1].id or 0,
            new_date=date(2026, 12, 28),
            new_time=time(10),
            shown_digest=plan_digest(plan),
            now=NOW,
        )
    assert isinstance(result, PatientChangeMade)
    after = await sessions_of(database, appointments[0].course_id)
    assert [a.local_date for a in after] == [
        date(2026, 12, 7),
        date(2026, 12, 28),
        date(2027, 1, 11),
        date(2027, 1, 25),
    ]
    assert [a.start_utc for a in after] == [s.start_utc for s in plan.sessions]
    async with database.read() as session:
        notices = (await session.exec(select(OutboxMessage))).all()
    assert [(n.kind, n.recipient) for n in notices] == [("staff.patient_change", STAFF)]


@pytest.mark.parametrize("at_once", [False, True])
async def test_a_moved_confirmed_session_goes_back_to_staff_unless_the_clinic_says_not(
    database: Database, at_once: bool
) -> None:
    """Confirmed and moved: requested again (recorded), or still confirmed when at_once."""
    [patient] = await add_patients(database, 1, now=NOW)
    appointments = await facial(database, patient)
    async with database.write() as session:
        for appointment in appointments:
            appointment.state = SessionState.CONFIRMED
            session.add(appointment)
    plan = await shown_move(database, patient, appointments[3], date(2027, 1, 25), time(11))
    async with database.write() as session:
        result = await reschedule_session(
            session=session,
            services=services_for(database, at_once=at_once),
            patient_id=patient,
            appointment_id=appointments[3].id or 0,
            new_date=date(2027, 1, 25),
            new_time=time(11),
            shown_digest=plan_digest(plan),
            now=NOW,
        )
    assert isinstance(result, PatientChangeMade)
    after = await sessions_of(database, appointments[0].course_id)
    expected = SessionState.CONFIRMED if at_once else SessionState.REQUESTED
    assert [a.state for a in after] == [SessionState.CONFIRMED] * 3 + [expected]
    async with database.read() as session:
        events = (
            await session.exec(
                select(StateEvent).where(col(StateEvent.appointment_id) == appointments[3].id)
            )
        ).all()
    assert len(events) == (0 if at_once else 1)


async def test_a_plan_that_changed_since_it_was_shown_is_not_applied(database: Database) -> None:
    """Someone took a place of the shown plan: the fresh plan comes back, nothing moves."""
    [patient, other] = await add_patients(database, 2, now=NOW)
    appointments = await facial(database, patient)
    async with database.write() as session:
        result = await reschedule_session(
            session=session,
            services=services_for(database),
            patient_id=patient,
            appointment_id=appointments[1].id or 0,
            new_date=date(2026, 12, 28),
            new_time=time(10),
            shown_digest="stale000",
            now=NOW,
        )
    assert isinstance(result, PlanMoved)
    assert [a.local_date for a in await sessions_of(database, appointments[0].course_id)] == [
        s.local_date for s in appointments
    ]
    async with database.write() as session:
        other_result = await reschedule_session(
            session=session,
            services=services_for(database),
            patient_id=other,
            appointment_id=appointments[1].id or 0,
            new_date=date(2026, 12, 28),
            new_time=time(10),
            shown_digest="stale000",
            now=NOW,
        )
    assert other_result == Refused(Refusal.GONE)  # not their session


async def test_cancelling_a_middle_session_keeps_the_rest_valid(database: Database) -> None:
    """Cancel session 2 of 4: 3 and 4 are re-planned so every gap stays in the window."""
    [patient, other] = await add_patients(database, 2, now=NOW)
    appointments = await facial(database, patient)
    async with database.write() as session:
        result = await cancel_one_session(
            session=session,
            services=services_for(database),
            patient_id=patient,
            appointment_id=appointments[1].id or 0,
            seen_version=appointments[1].version,
            now=NOW,
        )
    # Four is the minimum of a facial course: cancelling one alone is refused.
    assert isinstance(result, Refused)
    assert result.reason is Refusal.TOO_FEW
    series = shown_series("cellulite", session_count=4, first=MONDAY, at=time(11), now=NOW)
    cellulite = (await book(database, other, "cellulite", series, now=NOW)).appointments
    async with database.write() as session:
        result = await cancel_one_session(
            session=session,
            services=services_for(database),
            patient_id=other,
            appointment_id=cellulite[1].id or 0,
            seen_version=cellulite[1].version,
            now=NOW,
        )
    assert isinstance(result, PatientChangeMade)
    kept = [
        a
        for a in await sessions_of(database, cellulite[0].course_id)
        if a.state is not SessionState.CANCELLED
    ]
    gaps = [(b.local_date - a.local_date).days for a, b in itertools.pairwise(kept)]
    assert len(kept) == 3
    assert all(21 <= gap <= 28 for gap in gaps)
    assert result.course.session_count == 3


async def test_cancelling_the_rest_from_the_first_session_cancels_the_course(
    database: Database,
) -> None:
    """Cancel the rest from session 1: every session and the course are cancelled."""
    [patient] = await add_patients(database, 1, now=NOW)
    appointments = await facial(database, patient)
    async with database.write() as session:
        result = await cancel_rest_of_course(
            session=session,
            services=services_for(database),
            patient_id=patient,
            appointment_id=appointments[0].id or 0,
            seen_version=appointments[0].version,
            now=NOW,
        )
    assert isinstance(result, PatientChangeMade)
    assert result.course.state is CourseState.CANCELLED
    after = await sessions_of(database, appointments[0].course_id)
    assert {a.state for a in after} == {SessionState.CANCELLED}
    async with database.write() as session:
        again = await cancel_rest_of_course(
            session=session,
            services=services_for(database),
            patient_id=patient,
            appointment_id=appointments[0].id or 0,
            seen_version=appointments[0].version,
            now=NOW,
        )
    assert again == Refused(Refusal.GONE)
