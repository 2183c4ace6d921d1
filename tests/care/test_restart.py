"""Across a real restart: the application stops, the clock passes several due messages, and a
new application on the same database sends what is still worth sending."""

from __future__ import annotations

from sqlmodel import select

from mesobot.care.schedule import reminder_kind
from mesobot.clock import ManualClock
from mesobot.db import Database
from mesobot.outbox.models import MessageState, OutboxMessage
from tests.app_harness import running_bot
from tests.care.conftest import CareWorld, add_patient, booked_and_confirmed
from tests.care.test_schedule import madrid


async def test_after_a_restart_late_reminders_drop_care_goes_late_and_alerts_resend(
    world: CareWorld, clock: ManualClock, database: Database
) -> None:
    async with running_bot(world.settings, clock=clock) as app:
        services = app.bot_data.services
        patient_id = await add_patient(database, world.patient.id, language="es", now=clock.now())
        first, *_ = await booked_and_confirmed(services, patient_id)  # Thu 3 Dec 10:00 Madrid
        clock.set(madrid(2026, 12, 1, 11, 0))
        world.patient.send_command("report")  # a report from before the session (no session)
        # The confirmation's calendar file may come first: wait for the question's buttons.
        question = await world.patient.next_bot_message(where=lambda m: len(m.buttons) > 1)
        world.patient.press_button(data=question.buttons[1]["callback_data"], message=question)
        for member in world.staff:
            await member.next_bot_message(where=lambda m: "Reaction report #" in (m.text or ""))
    # Stopped. Past both reminders, the preparation, the aftercare, the day-1 check-in and
    # the alert's first re-send.
    clock.set(madrid(2026, 12, 4, 12, 0))
    async with running_bot(world.settings, clock=clock):
        lucia = world.patient
        aftercare = await lucia.next_bot_message(
            where=lambda m: "una o dos semanas" in (m.text or "")
        )
        check_in = await lucia.next_bot_message(
            where=lambda m: "¿Cómo está la zona tratada" in (m.text or "")
        )
        for message in (aftercare, check_in):
            assert "tendría que haberte llegado" in (message.text or "")
        for member in world.staff:
            await member.next_bot_message(where=lambda m: "sent again" in (m.text or ""))
        await world.emulator.wait_until_delivered()
    assert not any("Recordatorio" in (m.text or "") for m in lucia.bot_messages)
    async with database.read() as session:
        rows = (await session.exec(select(OutboxMessage))).all()
    reminders = [
        r
        for r in rows
        if r.kind in (reminder_kind(24), reminder_kind(2))
        and r.payload["appointment_id"] == first.id
    ]
    assert [r.state for r in reminders] == [MessageState.DROPPED, MessageState.DROPPED]
