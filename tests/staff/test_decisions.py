"""The staff data layer on both databases: first decision wins, expiry, closures, audit."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from typing import Any

from sqlmodel import select

from mesobot.clock import ManualClock
from mesobot.db import Database
from mesobot.lifecycle import DEFAULT_OBSERVERS, Change, SessionChange
from mesobot.models import Course, CourseState, Patient
from mesobot.outbox.models import OutboxMessage
from mesobot.staff.audit import StaffActor, patient_history
from mesobot.staff.closures import block_time, clinic_calendar
from mesobot.staff.decisions import Decided, Superseded, confirm_course, expire_due_requests
from mesobot.staff.models import AuditEntry
from tests.factories import add_patients, book, sample_clinic, shown_series

RITA = StaffActor(1, "Rita")
BOB = StaffActor(2, "Bob")


@dataclass
class FakeServices:
    """What the data layer reads of Services."""

    clinic: Any = field(default_factory=sample_clinic)
    session_observers: list[Any] = field(default_factory=list)
    changes: list[SessionChange] = field(default_factory=list)

    def __post_init__(self) -> None:
        async def record(_s: Any, _v: Any, changes: Any, _n: Any) -> None:
            self.changes.extend(changes)

        self.session_observers = [*DEFAULT_OBSERVERS, record]


async def _requested(database: Database, clock: ManualClock) -> int:
    [patient_id] = await add_patients(database, 1, now=clock.now())
    series = shown_series(
        "facial_rejuvenation",
        session_count=4,
        first=date(2026, 12, 7),
        at=time(10),
        now=clock.now(),
    )
    booked = await book(database, patient_id, "facial_rejuvenation", series, now=clock.now())
    assert booked.course.id is not None
    return booked.course.id


async def test_two_confirmations_of_one_version_at_once_only_one_wins(
    database: Database, clock: ManualClock
) -> None:
    course_id = await _requested(database, clock)
    services = FakeServices()

    async def confirm(staff: StaffActor) -> Decided | Superseded:
        async with database.write() as session:
            return await confirm_course(
                session=session,
                services=services,
                course_id=course_id,  # type: ignore[arg-type]
                seen_version=1,
                staff=staff,
                now=clock.now(),
            )

    results = await asyncio.gather(confirm(RITA), confirm(BOB))
    winners = [r for r in results if isinstance(r, Decided)]
    losers = [r for r in results if isinstance(r, Superseded)]
    assert len(winners) == 1
    assert len(losers) == 1
    assert losers[0].last is not None
    assert losers[0].last.staff_name in ("Rita", "Bob")
    assert [c.change for c in services.changes] == [Change.CONFIRMED] * 4
    async with database.read() as session:
        course = await session.get(Course, course_id)
        notices = list(await session.exec(select(OutboxMessage)))
    assert course is not None
    assert course.state == CourseState.CONFIRMED
    assert [n.kind for n in notices] == ["patient.course_confirmed"]


async def test_requests_expire_after_the_clinics_hours_unless_decided(
    database: Database, clock: ManualClock
) -> None:
    course_id = await _requested(database, clock)
    services = FakeServices()
    async with database.write() as session:
        assert (
            await expire_due_requests(
                session=session, services=services, now=clock.now() + timedelta(hours=47)
            )
            == []
        )  # type: ignore[arg-type]
    async with database.write() as session:
        expired = await expire_due_requests(
            session=session, services=services, now=clock.now() + timedelta(hours=48)
        )  # type: ignore[arg-type]
    assert expired == [course_id]
    assert [c.change for c in services.changes] == [Change.DECLINED] * 4
    async with database.write() as session:  # a second run finds nothing more to do
        assert (
            await expire_due_requests(
                session=session, services=services, now=clock.now() + timedelta(hours=49)
            )
            == []
        )  # type: ignore[arg-type]


async def test_closures_set_by_staff_join_the_calendar_and_the_audit_log_keeps_ids_only(
    database: Database, clock: ManualClock
) -> None:
    course_id = await _requested(database, clock)
    async with database.write() as session:
        blocked = await block_time(
            session=session,
            clinic=sample_clinic(),
            day=date(2026, 12, 7),
            start=None,
            end=None,
            reason="Boiler",
            staff=RITA,
            now=clock.now(),
        )
        calendar = await clinic_calendar(session, sample_clinic())
    assert [a.course_id for a in blocked.affected] == [course_id]
    assert len(calendar.closures) == len(sample_clinic().calendar().closures) + 1
    services = FakeServices()
    async with database.write() as session:
        await confirm_course(
            session=session,
            services=services,
            course_id=course_id,
            seen_version=1,  # type: ignore[arg-type]
            staff=BOB,
            now=clock.now(),
        )
    async with database.read() as session:
        course = await session.get(Course, course_id)
        assert course is not None
        history = await patient_history(session=session, patient_id=course.patient_id)
        patient = await session.get(Patient, course.patient_id)
        entries = list(await session.exec(select(AuditEntry)))
    assert [entry.action for entry in history] == ["confirm"]
    assert history[0].before["state"] == "requested"
    assert history[0].after["state"] == "confirmed"
    assert patient is not None
    for entry in entries:  # nothing of the patient is copied, only ids
        assert str(patient.telegram_user_id) not in repr(entry.model_dump())
