"""Care messages on the test clock: each at its time, in the patient's language, following the
session's life (moves, cancels, No-show, Done), quiet hours, and unanswered check-ins."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import select

from mesobot.care.schedule import check_in_due
from mesobot.care.timing import out_of_quiet_hours
from mesobot.clock import ManualClock
from mesobot.handlers.context import MesobotApplication
from mesobot.lifecycle import Change, SessionChange, session_cause, sessions_changed
from mesobot.models import Appointment, SessionState
from mesobot.outbox.models import MessageState, OutboxMessage
from mesobot.scheduling.localtime import utc_instant, zone_named
from tests.care.conftest import (
    CareWorld,
    add_patient,
    booked_and_confirmed,
    change_session,
)
from tests.factories import sample_clinic

MADRID = zone_named("Europe/Madrid")


def madrid(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """A Madrid wall time as a UTC instant."""
    return utc_instant(date(year, month, day), time(hour, minute), MADRID)


async def _pending(app: MesobotApplication, appointment_id: int) -> list[OutboxMessage]:
    async with app.bot_data.services.database.read() as session:
        rows = await session.exec(
            select(OutboxMessage).where(OutboxMessage.cause == session_cause(appointment_id))
        )
        return [r for r in rows.all() if r.state in (MessageState.DUE, MessageState.PAUSED)]


async def test_each_kind_goes_at_its_time_in_the_patients_language(
    app: MesobotApplication, world: CareWorld, clock: ManualClock
) -> None:
    """Reminders 24 h and 2 h before, preparation the evening before, aftercare at the end,
    and the day-1 check-in: all in Spanish, none early."""
    services = app.bot_data.services
    patient_id = await add_patient(
        services.database, world.patient.id, language="es", now=clock.now()
    )
    first, *_ = await booked_and_confirmed(services, patient_id)  # Thu 3 Dec 10:00 Madrid
    lucia = world.patient
    clock.set(madrid(2026, 12, 2, 9, 59))
    await world.emulator.wait_until_delivered()
    assert not any("Recordatorio" in (m.text or "") for m in lucia.bot_messages)
    clock.set(madrid(2026, 12, 2, 10, 0))
    reminder = await lucia.next_bot_message(where=lambda m: "Recordatorio" in (m.text or ""))
    assert "Recordatorio" in (reminder.text or "")
    assert "10:00" in (reminder.text or "")
    assert "jue, 3 dic 2026" in (reminder.text or "")
    assert reminder.button_labels == ["Allí estaré", "Necesito cambiarla de fecha"]
    lucia.press_button("Allí estaré")
    await lucia.next_bot_message(after=reminder, where=lambda m: "Gracias" in (m.text or ""))
    async with services.database.read() as session:
        stored = await session.get(Appointment, first.id)
    assert stored is not None
    assert stored.patient_answer == "attending"

    clock.set(madrid(2026, 12, 2, 18, 0))
    preparation = await lucia.next_bot_message(where=lambda m: "Mañana" in (m.text or ""))
    assert "30 minutos" in (preparation.text or "")
    clock.set(madrid(2026, 12, 3, 8, 0))
    second = await lucia.next_bot_message(
        after=preparation, where=lambda m: "Recordatorio" in (m.text or "")
    )
    assert "Recordatorio" in (second.text or "")
    clock.set(madrid(2026, 12, 3, 10, 30))  # the session's end: staff did not mark it Done
    aftercare = await lucia.next_bot_message(
        after=second, where=lambda m: "semanas" in (m.text or "")
    )
    assert "una o dos semanas" in (aftercare.text or "")
    clock.set(madrid(2026, 12, 4, 10, 0))
    check_in = await lucia.next_bot_message(
        after=aftercare, where=lambda m: "zona tratada" in (m.text or "")
    )
    assert "zona tratada" in (check_in.text or "")
    assert check_in.button_labels == ["Todo bien", "Efectos leves y esperables", "Algo inusual"]


async def test_done_starts_aftercare_at_once(
    app: MesobotApplication, world: CareWorld, clock: ManualClock
) -> None:
    services = app.bot_data.services
    patient_id = await add_patient(
        services.database, world.patient.id, language="en", now=clock.now()
    )
    first, *_ = await booked_and_confirmed(
        services, patient_id, treatment="lower_blepharoplasty", session_count=1
    )
    clock.set(madrid(2026, 12, 2, 18, 0))
    prep = await world.patient.next_bot_message(where=lambda m: "Tomorrow" in (m.text or ""))
    assert "cortisone" in (prep.text or "")  # the treatment's own preparation
    clock.set(madrid(2026, 12, 3, 10, 20))  # during the session, before its end
    await world.emulator.wait_until_delivered()
    assert first.id is not None
    await change_session(services, first.id, SessionState.DONE, Change.DONE)
    aftercare = await world.patient.next_bot_message(
        where=lambda m: "After your" in (m.text or "")
    )
    assert "up to 6 weeks" in (aftercare.text or "")  # blepharoplasty's own healing time
    assert "six weeks" in (aftercare.text or "")  # and its own addition


async def test_moving_a_session_moves_its_messages(
    app: MesobotApplication, world: CareWorld, clock: ManualClock
) -> None:
    services = app.bot_data.services
    patient_id = await add_patient(
        services.database, world.patient.id, language="en", now=clock.now()
    )
    first, *_ = await booked_and_confirmed(services, patient_id)
    assert first.id is not None
    before = {r.payload["slot"]: r.due_at for r in await _pending(app, first.id)}
    async with services.database.write() as session:
        appointment = await session.get(Appointment, first.id)
        assert appointment is not None
        previous = appointment.start_utc
        appointment.local_date = appointment.local_date + timedelta(days=1)
        appointment.start_utc += timedelta(days=1)
        appointment.end_utc += timedelta(days=1)
        session.add(appointment)
        await sessions_changed(
            session=session,
            services=services,
            changes=[SessionChange(appointment, Change.MOVED, previous)],
            now=clock.now(),
        )
    after = {r.payload["slot"]: r.due_at for r in await _pending(app, first.id)}

    def reminder_24(slots: dict[str, datetime]) -> datetime:
        return next(due for slot, due in slots.items() if slot.startswith("reminder:24:"))

    assert reminder_24(after) == reminder_24(before) + timedelta(days=1)
    assert after["check_in:1"] == before["check_in:1"] + timedelta(days=1)
    assert len(after) == len(before)  # the old ones were cancelled, not kept alongside
    clock.set(madrid(2026, 12, 2, 10, 0))
    await world.emulator.wait_until_delivered()
    # The old 24-hour reminder did not go.
    assert not any("Reminder" in (m.text or "") for m in world.patient.bot_messages)
    clock.set(madrid(2026, 12, 3, 10, 0))
    reminder = await world.patient.next_bot_message(where=lambda m: "Reminder" in (m.text or ""))
    assert "Fri, 4 Dec 2026" in (reminder.text or "")


async def test_cancelling_and_no_show_cancel_the_sessions_messages(
    app: MesobotApplication, world: CareWorld, clock: ManualClock
) -> None:
    services = app.bot_data.services
    patient_id = await add_patient(
        services.database, world.patient.id, language="en", now=clock.now()
    )
    first, second, *_ = await booked_and_confirmed(services, patient_id)
    assert first.id is not None
    assert second.id is not None
    await change_session(services, second.id, SessionState.CANCELLED, Change.CANCELLED)
    assert await _pending(app, second.id) == []
    clock.set(madrid(2026, 12, 3, 10, 15))
    await change_session(services, first.id, SessionState.NO_SHOW, Change.NO_SHOW)
    offer = await world.patient.next_bot_message(where=lambda m: "We missed you" in (m.text or ""))
    assert "/appointments" in (offer.text or "")
    assert await _pending(app, first.id) == []
    clock.set(madrid(2026, 12, 20, 12, 0))  # past every aftercare and check-in time
    await world.emulator.wait_until_delivered()
    texts = [m.text or "" for m in world.patient.bot_messages]
    assert not any("one to two weeks" in t or "treated area" in t for t in texts)


def test_quiet_hours_move_check_ins_to_their_end() -> None:
    clinic = sample_clinic()
    quiet = clinic.model_copy(
        update={"care": clinic.care.model_copy(update={"quiet_hours": "09:30-12:00"})}
    )
    assert out_of_quiet_hours(madrid(2026, 12, 4, 10, 0), clinic=quiet) == madrid(
        2026, 12, 4, 12, 0
    )
    assert out_of_quiet_hours(madrid(2026, 12, 4, 22, 0), clinic=clinic) == madrid(
        2026, 12, 5, 9, 0
    )
    assert out_of_quiet_hours(madrid(2026, 12, 5, 3, 0), clinic=clinic) == madrid(
        2026, 12, 5, 9, 0
    )
    assert out_of_quiet_hours(madrid(2026, 12, 4, 20, 59), clinic=clinic) == madrid(
        2026, 12, 4, 20, 59
    )
    appointment = Appointment(
        course_id=1,
        number=1,
        clinic_id="main",
        resource_id="dr-lopez",
        local_date=datetime(2026, 12, 3, tzinfo=UTC).date(),
        local_time=time(10, 0),
        zone="Europe/Madrid",
        duration_minutes=30,
        start_utc=madrid(2026, 12, 3, 10),
        end_utc=madrid(2026, 12, 3, 10, 30),
        state=SessionState.DONE,
        code="x",
        calendar_uid="x",
    )
    assert check_in_due(appointment, 1, clinic=quiet) == madrid(2026, 12, 4, 12, 0)
    assert check_in_due(appointment, 1, clinic=clinic) == madrid(2026, 12, 4, 10, 0)


async def test_two_unanswered_check_ins_tell_staff_and_an_answer_does_not(
    app: MesobotApplication, world: CareWorld, clock: ManualClock
) -> None:
    services = app.bot_data.services
    patient_id = await add_patient(
        services.database, world.patient.id, language="en", now=clock.now()
    )
    await booked_and_confirmed(services, patient_id)
    marta = world.staff[0]
    for day in (1, 3):
        clock.set(madrid(2026, 12, 3 + day, 10, 0))
        await world.patient.next_bot_message(
            where=lambda m, d=day: (
                "treated area" in (m.text or "")
                and m.date is not None
                and sum("treated area" in (x.text or "") for x in world.patient.bot_messages)
                >= (1 if d == 1 else 2)
            )
        )
    clock.set(madrid(2026, 12, 7, 9, 59))
    await world.emulator.wait_until_delivered()
    assert not any("No answer" in (m.text or "") for m in marta.bot_messages)
    clock.set(madrid(2026, 12, 7, 10, 0))  # day 3's check-in plus 24 hours
    alert = await marta.next_bot_message(
        where=lambda m: "No answer to two check-ins" in (m.text or "")
    )
    assert "Lucía" in (alert.text or "") or str(world.patient.id) in (alert.text or "")
    # The patient answers day 7's check-in: day 14's silence check finds an answer.
    clock.set(madrid(2026, 12, 10, 10, 0))
    await world.patient.next_bot_message(
        where=lambda m: (
            sum("treated area" in (x.text or "") for x in world.patient.bot_messages) >= 3
        )
    )
    world.patient.press_button("All fine")
    await world.patient.next_bot_message(where=lambda m: "glad" in (m.text or ""))
    clock.set(madrid(2026, 12, 18, 12, 0))
    await world.emulator.wait_until_delivered()
    silences = [m for m in marta.bot_messages if "No answer" in (m.text or "")]
    assert len(silences) == 1


async def test_a_reminder_answered_after_its_session_was_cancelled_says_so(
    app: MesobotApplication, world: CareWorld, clock: ManualClock
) -> None:
    """The answer is not stored on a cancelled session; the patient is told to look again."""
    services = app.bot_data.services
    patient_id = await add_patient(
        services.database, world.patient.id, language="en", now=clock.now()
    )
    first, *_ = await booked_and_confirmed(services, patient_id)  # Thu 3 Dec 10:00 Madrid
    first_id = first.id
    assert first_id is not None
    clock.set(madrid(2026, 12, 2, 10, 0))
    reminder = await world.patient.next_bot_message(where=lambda m: "Reminder" in (m.text or ""))
    await change_session(services, first_id, SessionState.CANCELLED, Change.CANCELLED)
    press = world.patient.press_button(reminder.button_labels[0], message=reminder)
    answer = await world.emulator.wait_for(lambda: press.answer)
    assert answer.get("show_alert") is True
    assert "has changed since this reminder" in answer["text"]
    async with services.database.read() as session:
        stored = await session.get(Appointment, first_id)
    assert stored is not None
    assert stored.patient_answer is None
