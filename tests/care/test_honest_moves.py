"""A patient's move answers honestly: a confirmed session moved back to staff is "saved, not
confirmed yet", not "Done"; a move to the slot the session already has changes nothing and
tells staff nothing. In English and Spanish, through /appointments."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlmodel import col, select

from botapi_emulator.state import Message
from mesobot.clock import ManualClock
from mesobot.flow import buttons as b
from mesobot.flow.steps import plan_digest
from mesobot.handlers.context import MesobotApplication
from mesobot.models import Appointment, SessionState
from mesobot.outbox.models import OutboxMessage
from mesobot.patient_changes import PATIENT_CHANGE
from mesobot.session_moves import CourseSeries
from tests.booking.driver import PatientAtKeyboard
from tests.care.conftest import CareWorld, add_patient, booked_and_confirmed, started

AWAITING = {
    "en": "Your new time is saved, but it is not confirmed yet: the clinic has been told and "
    "will confirm it.",
    "es": "Tu nueva hora está guardada, pero aún no está confirmada: la clínica ya lo sabe y "
    "la confirmará.",
}
LABELS = {
    "en": ("Move session 2", "Confirm", "Nothing was changed."),
    "es": ("Cambiar la sesión 2", "Confirmar", "No se ha cambiado nada."),
}


async def _changes(app: MesobotApplication) -> int:
    async with app.bot_data.services.database.read() as session:
        kinds = list(await session.exec(select(OutboxMessage.kind)))
    return kinds.count(PATIENT_CHANGE)


async def _patient(app: MesobotApplication, world: CareWorld, language: str) -> PatientAtKeyboard:
    user = (
        world.patient
        if language == "es"
        else started(world.emulator.create_user("Ana", language_code="en"))
    )
    services = app.bot_data.services
    patient_id = await add_patient(
        services.database, user.id, language=language, now=services.clock.now()
    )
    await booked_and_confirmed(services, patient_id)
    await user.next_bot_message(where=lambda m: m.document is not None)
    return PatientAtKeyboard(world.emulator, app, user)


async def test_a_confirmed_session_moved_reads_saved_not_confirmed(
    app: MesobotApplication, world: CareWorld, clock: ManualClock
) -> None:
    for language in ("en", "es"):
        patient = await _patient(app, world, language)
        move, confirm, _kept = LABELS[language]
        await patient.command("appointments")
        await patient.tap(move)
        await patient.tap("21")  # Monday 21 December, inside the 14-21 day window
        await patient.tap("10:00")
        await patient.tap(confirm)
        reply = next(
            m for m in reversed(patient.user.bot_messages) if AWAITING[language] in m.text
        )
        assert "Done" not in (reply.text or "")
        assert "Hecho" not in (reply.text or "")


async def test_a_move_to_the_same_slot_changes_nothing(
    app: MesobotApplication, world: CareWorld, clock: ManualClock
) -> None:
    services = app.bot_data.services
    for language in ("en", "es"):
        patient = await _patient(app, world, language)
        _move, _confirm, kept = LABELS[language]
        await patient.command("appointments")
        async with services.database.read() as session:
            mine = list(
                await session.exec(
                    select(Appointment)
                    .where(Appointment.state == SessionState.CONFIRMED)
                    .order_by(col(Appointment.id).desc())
                    .limit(4)
                )
            )
        sessions = sorted(mine, key=lambda a: a.number)
        second = sessions[1]
        digest = plan_digest(CourseSeries(None, sessions).series())  # type: ignore[arg-type]
        data = b.ConfirmMove(
            second.id or 0,
            second.local_date,
            second.local_time.hour * 60 + second.local_time.minute,
            digest,
        )
        before = await _changes(app)
        await patient.tap(data=services.codec.encode(data), message=patient.last)
        assert any(kept in (m.text or "") for m in patient.user.bot_messages[-3:])
        async with services.database.read() as session:
            after = await session.get(Appointment, second.id)
        assert after is not None
        assert after.state == SessionState.CONFIRMED  # not back to staff
        assert after.version == second.version
        assert await _changes(app) == before  # staff are not told of a change


async def _moved_by(patient: PatientAtKeyboard, language: str) -> None:
    move, confirm, _kept = LABELS[language]
    await patient.command("appointments")
    await patient.tap(move)
    await patient.tap("21")
    await patient.tap("10:00")
    await patient.tap(confirm)


def _notice_of_move(title: str) -> Callable[[Message], bool]:
    return lambda m: title in (m.text or "") and bool(m.buttons)


async def test_staff_confirm_a_patients_move_from_its_notice(
    app: MesobotApplication, world: CareWorld, clock: ManualClock
) -> None:
    """Marta (English) and Rui (Spanish) get the move with the request's three decisions;
    Marta confirms it: the session is confirmed and the patient told."""
    services = app.bot_data.services
    marta, rui = world.staff
    await add_patient(services.database, rui.id, language="es", now=clock.now())
    patient = await _patient(app, world, "es")
    await _moved_by(patient, "es")
    english = await marta.next_bot_message(where=_notice_of_move("Session moved by the patient"))
    assert english.button_labels == ["✅ Confirm all", "✏️ Confirm with changes", "❌ Decline"]
    spanish = await rui.next_bot_message(where=_notice_of_move("Sesión cambiada por el paciente"))
    assert spanish.button_labels == ["✅ Confirmar todo", "✏️ Confirmar con cambios", "❌ Rechazar"]
    told = len(patient.user.bot_messages)
    marta.press_button("✅ Confirm all", message=english)
    await world.emulator.wait_for(lambda: "Confirmed by Marta" in (english.text or ""))
    assert english.buttons == []
    confirmed = await patient.user.next_bot_message(
        where=lambda m: "Confirmado" in (m.text or "") or "confirmado" in (m.text or "")
    )
    assert patient.user.bot_messages.index(confirmed) >= told
    async with services.database.read() as session:
        moved = (
            await session.exec(
                select(Appointment).where(Appointment.local_date == date(2026, 12, 21))
            )
        ).one()
    assert moved.state == SessionState.CONFIRMED


async def test_staff_decline_a_patients_move_and_the_rest_stays_confirmed(
    app: MesobotApplication, world: CareWorld, clock: ManualClock
) -> None:
    services = app.bot_data.services
    marta, _rui = world.staff
    patient = await _patient(app, world, "en")
    await _moved_by(patient, "en")
    notice = await marta.next_bot_message(where=_notice_of_move("Session moved by the patient"))
    marta.press_button("❌ Decline", message=notice)
    await world.emulator.wait_for(lambda: "Times not available" in notice.button_labels)
    marta.press_button("Times not available", message=notice)
    told = await patient.user.next_bot_message(
        where=lambda m: "The clinic has cancelled your session on" in (m.text or "")
    )
    assert "21 Dec 2026" in (told.text or "")
    async with services.database.read() as session:
        states = [
            a.state
            for a in await session.exec(select(Appointment).order_by(col(Appointment.number)))
        ]
    # The move re-planned sessions 3 and 4 too: the new times are declined, not session 1.
    assert states == [SessionState.CONFIRMED] + [SessionState.CANCELLED] * 3
