"""Fixtures for the staff side: the real application with a patient, two staff and a group."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

import pytest

from botapi_emulator.driver import TelegramUser
from botapi_emulator.server import BotApiEmulator
from botapi_emulator.state import Chat, Message
from mesobot.booking import Booked, CourseRequest, request_course
from mesobot.clock import ManualClock
from mesobot.flow.steps import CONSENT_VERSION
from mesobot.handlers.context import MesobotApplication
from mesobot.models import Appointment, Course, Patient
from mesobot.staff.closures import clinic_calendar
from mesobot.staff_notices import enqueue_new_request_notices
from tests.app_harness import running_bot, settings_for
from tests.factories import sample_clinic, shown_series

# Health details a test can look for: they must never reach the staff group.
ANSWERS: dict[str, Any] = {
    "questionnaire": {"allergies": "anaesthetic", "pregnancy": "no", "blood_thinners": "yes"},
    "note": "Reacted to lidocaine in 2019",
    "flags": ["allergies", "blood_thinners", "note"],
}
HEALTH_WORDS = ("lidocaine", "anaesthetic", "allergies", "blood", "pregnan", "Questionnaire")


def started(emulator: BotApiEmulator, name: str, **options: Any) -> TelegramUser:
    """A Telegram user who has pressed Start."""
    user = emulator.create_user(name, **options)
    assert user.chat.user is not None
    user.chat.user.started_bot = True
    return user


@dataclass
class Clinic:
    """The running bot with Ana (a patient), Rita and Bob (staff) and their group."""

    application: MesobotApplication
    emulator: BotApiEmulator
    clock: ManualClock
    patient: TelegramUser
    rita: TelegramUser
    bob: TelegramUser
    group: Chat
    patient_id: int

    @property
    def services(self) -> Any:
        return self.application.bot_data.services

    async def request(
        self,
        *,
        first: date = date(2026, 12, 7),
        at: time = time(10, 0),
        treatment: str = "facial_rejuvenation",
        session_count: int = 4,
        expires_at: datetime | None = None,
        patient_id: int | None = None,
        answers: dict[str, Any] | None = None,
    ) -> Booked:
        """A course requested as the booking flow stores it, with the staff notices queued."""
        services, now = self.services, self.clock.now()
        series = shown_series(treatment, session_count=session_count, first=first, at=at, now=now)

        async def notify(session: Any, course: Course, _appointments: list[Appointment]) -> None:
            await enqueue_new_request_notices(
                session=session, services=services, course=course, now=now
            )

        async with services.database.write() as session:
            calendar = await clinic_calendar(session, sample_clinic())
            result = await request_course(
                session=session,
                calendar=calendar,
                request=CourseRequest(
                    patient_id=patient_id or self.patient_id,
                    treatment=treatment,
                    area=None,
                    rule=sample_clinic().treatments[treatment].series_rule(),
                    shown=series,
                    answers=ANSWERS if answers is None else answers,
                    expires_at=expires_at,
                ),
                now=now,
                after_booking=notify,
            )
        assert isinstance(result, Booked), result
        return result

    async def course(self, course_id: int) -> Course:
        async with self.services.database.read() as session:
            course = await session.get(Course, course_id)
        assert course is not None
        return course

    async def appointments(self, course_id: int) -> list[Appointment]:
        from sqlmodel import col, select

        async with self.services.database.read() as session:
            query = select(Appointment).where(Appointment.course_id == course_id)
            return list(await session.exec(query.order_by(col(Appointment.number))))


MakeClinic = Callable[..., Awaitable[Clinic]]


@pytest.fixture
async def clinic(
    emulator: BotApiEmulator, database_url: str, clock: ManualClock
) -> AsyncIterator[Clinic]:
    """mesobot running against the emulator with a patient, two staff and the staff group."""
    patient = started(emulator, "Ana", last_name="Pérez")
    rita = started(emulator, "Rita")
    bob = started(emulator, "Bob")
    group = emulator.create_group("Clinic staff", [rita, bob])
    settings = settings_for(
        emulator,
        database_url=database_url,
        staff_ids=[rita.id, bob.id],
        staff_chat_id=group.id,
    )
    async with running_bot(settings, clock=clock) as application:
        database = application.bot_data.services.database
        async with database.write() as session:
            row = Patient(
                telegram_user_id=patient.id,
                created_at=clock.now(),
                last_seen_at=clock.now(),
                consent_version=CONSENT_VERSION,
                consent_at=clock.now(),
            )
            if hasattr(Patient, "display_name"):
                row.display_name = "Ana Pérez"  # type: ignore[attr-defined]
            session.add(row)
            await session.flush()
            assert row.id is not None
            patient_id = row.id
        yield Clinic(application, emulator, clock, patient, rita, bob, group, patient_id)


async def confirmed(clinic: Clinic, **options: object) -> list[Appointment]:
    """A course requested and confirmed by Rita through her notice; its sessions."""
    booked = await clinic.request(**options)  # type: ignore[arg-type]
    course_id = booked.course.id
    assert course_id is not None
    notice = await clinic.rita.next_bot_message(
        after=None, where=lambda m: f"Request #{course_id}" in (m.text or ""), within=10
    )
    told = len([m for m in clinic.patient.bot_messages if "Confirmed" in (m.text or "")])
    clinic.rita.press_button("✅ Confirm all", message=notice)
    await clinic.emulator.wait_for(lambda: notice.buttons == [])
    await clinic.emulator.wait_for(
        lambda: (
            len([m for m in clinic.patient.bot_messages if "Confirmed" in (m.text or "")]) > told
        )
    )
    return await clinic.appointments(course_id)


async def answer_to(user: TelegramUser, command: str, arguments: str = "") -> Message:
    """Send a command and wait for the bot's answer to it."""
    sent = user.send_command(command, arguments)
    return await user.next_bot_message(after=sent, within=10)
