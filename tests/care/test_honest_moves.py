"""A patient's move answers honestly: a confirmed session moved back to staff is "saved, not
confirmed yet", not "Done"; a move to the slot the session already has changes nothing and
tells staff nothing. In English and Spanish, through /appointments."""

from __future__ import annotations

from sqlmodel import col, select

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
