"""The waitlist's world: a clinic with one practitioner (so a place is really one place),
staff, and patients at their keyboards, on the real application and the test clock."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, time, timedelta
from pathlib import Path

import pytest
from sqlmodel import col, select

from botapi_emulator.server import BotApiEmulator
from mesobot.clock import ManualClock
from mesobot.config import DEFAULT_CLINIC_FILE
from mesobot.db import Database
from mesobot.handlers.context import MesobotApplication
from mesobot.models import Appointment, Patient
from mesobot.outbox.models import MessageState, OutboxMessage
from mesobot.waitlist.jobs import WaitlistRun, run_waitlist
from mesobot.waitlist.models import WaitlistEntry, WaitlistOffer
from mesobot.waitlist.offers import OFFER
from tests.app_harness import running_bot, settings_for
from tests.booking.driver import PatientAtKeyboard
from tests.booking.test_flow import through_consent, through_contact, through_questions
from tests.care.conftest import add_patient, booked_and_confirmed, started

SECOND_PRACTITIONER = """[[resources]]
id = "dr-costa"
name = "Dr. Rui Costa"
kind = "practitioner"
"""
COSTA_CLOSURE = """[[closures]]
start = 2026-06-11T15:00:00
end = 2026-06-11T19:00:00
resource = "dr-costa"
reason = "Training course"
"""
# Ben's course: four facial sessions from Monday 7 December at 10:00, confirmed.
FREED_DAY = date(2026, 12, 7)


def one_practitioner_clinic(folder: Path) -> Path:
    """The sample clinic file with Dr. López alone."""
    text = DEFAULT_CLINIC_FILE.read_text(encoding="utf-8")
    assert SECOND_PRACTITIONER in text
    assert COSTA_CLOSURE in text
    path = folder / "clinic.toml"
    path.write_text(text.replace(SECOND_PRACTITIONER, "").replace(COSTA_CLOSURE, ""), "utf-8")
    return path


@dataclass
class WaitWorld:
    """Who takes part: the running bot, its staff member Marta and three patients."""

    emulator: BotApiEmulator
    app: MesobotApplication
    clock: ManualClock
    database: Database
    marta: PatientAtKeyboard  # a staff member, typing as anyone does
    ana: PatientAtKeyboard
    ben: PatientAtKeyboard
    carla: PatientAtKeyboard


@pytest.fixture
async def world(
    emulator: BotApiEmulator, database_url: str, clock: ManualClock, tmp_path: Path
) -> AsyncIterator[WaitWorld]:
    """The bot with one practitioner; Ben holds a confirmed course from 7 December."""
    marta = started(emulator.create_user("Marta"))
    settings = settings_for(
        emulator,
        database_url=database_url,
        staff_ids=[marta.id],
        clinic_file=one_practitioner_clinic(tmp_path),
    )
    async with running_bot(settings, clock=clock) as app:
        services = app.bot_data.services
        users = [started(emulator.create_user(name)) for name in ("Ana", "Ben", "Carla")]
        ana, ben, carla = (PatientAtKeyboard(emulator, app, user) for user in users)
        ben_id = await add_patient(services.database, ben.user.id, language="en", now=clock.now())
        async with services.database.write() as session:
            ben_row = await session.get(Patient, ben_id)
            assert ben_row is not None
            ben_row.adult_confirmed_at = clock.now()  # he booked through the flow, as adults do
            session.add(ben_row)
        await booked_and_confirmed(services, ben_id, first=FREED_DAY, at=time(10, 0))
        yield WaitWorld(
            emulator,
            app,
            clock,
            services.database,
            PatientAtKeyboard(emulator, app, marta),
            ana,
            ben,
            carla,
        )


async def join(
    patient: PatientAtKeyboard, *, start: str = "Mon, 7 Dec 2026", again: bool = False
) -> str:
    """From /start to the facial calendar, then Join the waitlist: from `start`, for two
    weeks, mornings (`again`: consent, age and contact were given before). The
    confirmation's text."""
    if again:
        await patient.command("start")
    else:
        await through_consent(patient)
    await patient.tap("Facial rejuvenation")
    await patient.tap("Book this treatment")
    await through_questions(patient)
    if again:
        await patient.text(patient.user.user.first_name)
        await patient.contact("34600111222")
    else:
        await through_contact(patient, name=patient.user.user.first_name)
    assert "December 2026" in patient.last.text
    await patient.tap("Join the waitlist")
    assert "From which day could you start?" in patient.last.text
    await patient.tap(start)
    await patient.tap("2 weeks")
    assert "Which times suit you?" in patient.last.text
    await patient.tap("Mornings")
    return patient.last.text


async def ben_cancels(world: WaitWorld) -> None:
    """Marta cancels Ben's session of 7 December from /agenda: its place frees up."""
    await world.marta.command("agenda", "2026-12-07")
    await world.marta.tap("Cancel")
    notice, _ = await world.marta.tap("Yes, cancel it and tell the patient")
    assert notice is not None
    assert "cancelled" in notice


async def run_the_job(world: WaitWorld, minutes: float = 1) -> WaitlistRun:
    """Move the clock (which also starts the job in the bot) and run the waitlist job once
    more, waiting for it: runs may overlap, and each does what one run would."""
    world.clock.advance(timedelta(minutes=minutes))
    return await run_waitlist(world.app.bot_data.services)


def offers_to(patient: PatientAtKeyboard) -> list[str]:
    """The offers the patient has received, as texts."""
    return [m.text for m in patient.user.bot_messages if m.text and "A place freed up" in m.text]


async def wait_for_offer(world: WaitWorld, patient: PatientAtKeyboard, count: int = 1) -> str:
    """The patient's `count`-th offer, once it has arrived and the outbox has recorded its
    delivery (the time its button holds from)."""
    await world.emulator.wait_for(lambda: len(offers_to(patient)) >= count, within=10)
    for _ in range(500):
        async with world.database.read() as session:
            query = select(OutboxMessage.state).where(
                OutboxMessage.kind == OFFER, OutboxMessage.recipient == patient.user.id
            )
            states = list(await session.exec(query))
        if states.count(MessageState.SENT) >= count:
            return offers_to(patient)[count - 1]
        await asyncio.sleep(0.01)
    raise AssertionError(f"the offer's delivery was never recorded: {states}")


async def entries_of(database: Database, telegram_id: int) -> list[WaitlistEntry]:
    """A patient's waitlist entries, in order."""
    async with database.read() as session:
        patient = (
            await session.exec(select(Patient).where(Patient.telegram_user_id == telegram_id))
        ).one()
        query = select(WaitlistEntry).where(WaitlistEntry.patient_id == patient.id)
        return list(await session.exec(query.order_by(col(WaitlistEntry.id))))


async def offers_of(database: Database) -> list[WaitlistOffer]:
    """Every offer made, in order."""
    async with database.read() as session:
        return list(await session.exec(select(WaitlistOffer).order_by(col(WaitlistOffer.id))))


async def holding_on(database: Database, day: date) -> list[Appointment]:
    """The sessions that hold a place on `day`."""
    async with database.read() as session:
        query = select(Appointment).where(
            Appointment.local_date == day, col(Appointment.state).in_(["requested", "confirmed"])
        )
        return list(await session.exec(query))
