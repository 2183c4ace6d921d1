"""Fixtures for care: the real application on the test clock, a patient, two staff and a group."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime, time

import pytest
from sqlmodel import col, select

from botapi_emulator.driver import TelegramUser
from botapi_emulator.server import BotApiEmulator
from botapi_emulator.state import Chat
from mesobot.clock import ManualClock
from mesobot.config import Settings
from mesobot.db import Database
from mesobot.flow.steps import CONSENT_VERSION
from mesobot.handlers.context import MesobotApplication
from mesobot.lifecycle import Change, SessionChange, sessions_changed
from mesobot.models import Appointment, Course, CourseState, Patient, SessionState
from mesobot.services import Services
from mesobot.states import move_course, move_session
from tests.app_harness import running_bot, settings_for
from tests.factories import book, shown_series


@dataclass
class CareWorld:
    """Who takes part: a patient, two staff members and the staff group."""

    emulator: BotApiEmulator
    settings: Settings
    patient: TelegramUser
    staff: list[TelegramUser]
    group: Chat


def started(user: TelegramUser) -> TelegramUser:
    """The user has pressed Start (the bot may write to them)."""
    assert user.chat.user is not None
    user.chat.user.started_bot = True
    return user


@pytest.fixture
def world(emulator: BotApiEmulator, database_url: str) -> CareWorld:
    """A Spanish-speaking patient, two staff members and a staff group."""
    patient = started(emulator.create_user("Lucía", language_code="es"))
    staff = [started(emulator.create_user(name)) for name in ("Marta", "Rui")]
    group = emulator.create_group("Clinic staff", staff)
    settings = settings_for(
        emulator,
        database_url=database_url,
        staff_ids=[member.id for member in staff],
        staff_chat_id=group.id,
    )
    return CareWorld(emulator, settings, patient, staff, group)


@pytest.fixture
async def app(world: CareWorld, clock: ManualClock) -> AsyncIterator[MesobotApplication]:
    """mesobot running against the emulator on the test clock."""
    async with running_bot(world.settings, clock=clock) as application:
        yield application


async def add_patient(
    database: Database, telegram_id: int, *, language: str, now: datetime
) -> int:
    """A patient row for an emulator user."""
    async with database.write() as session:
        # A patient with a course has agreed to the consent text (care needs it).
        patient = Patient(
            telegram_user_id=telegram_id,
            language=language,
            created_at=now,
            last_seen_at=now,
            consent_version=CONSENT_VERSION,
            consent_at=now,
        )
        session.add(patient)
        await session.flush()
        assert patient.id is not None
        return patient.id


async def booked_and_confirmed(
    services: Services,
    patient_id: int,
    *,
    treatment: str = "facial_rejuvenation",
    session_count: int = 4,
    first: date = date(2026, 12, 3),
    at: time = time(10, 0),
) -> list[Appointment]:
    """A course booked through the real code and confirmed by staff, as issue 7 confirms."""
    now = services.clock.now()
    series = shown_series(treatment, session_count=session_count, first=first, at=at, now=now)
    booked = await book(services.database, patient_id, treatment, series, now=now)
    async with services.database.write() as session:
        course = await session.get(Course, booked.course.id)
        assert course is not None
        await move_course(
            session=session, course=course, to=CourseState.CONFIRMED, at=now, actor="staff:1"
        )
        appointments = list(
            await session.exec(
                select(Appointment)
                .where(Appointment.course_id == course.id)
                .order_by(col(Appointment.number))
            )
        )
        for appointment in appointments:
            await move_session(
                session=session,
                appointment=appointment,
                to=SessionState.CONFIRMED,
                at=now,
                actor="staff:1",
            )
        await sessions_changed(
            session=session,
            services=services,
            changes=[SessionChange(a, Change.CONFIRMED) for a in appointments],
            now=now,
        )
        return appointments


async def change_session(
    services: Services, appointment_id: int, to: SessionState, change: Change
) -> None:
    """Move one session to `to` and announce it, in one transaction (as issue 6/7 code will)."""
    now = services.clock.now()
    async with services.database.write() as session:
        appointment = await session.get(Appointment, appointment_id)
        assert appointment is not None
        await move_session(
            session=session, appointment=appointment, to=to, at=now, actor="staff:1"
        )
        await sessions_changed(
            session=session,
            services=services,
            changes=[SessionChange(appointment, change)],
            now=now,
        )
