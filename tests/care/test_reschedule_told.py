"""A reminder answered with "I need to move it": the patient reads that the clinic has been
told, and it has: each staff member gets a private notice (in their language) with the session,
once however often the patient presses."""

from __future__ import annotations

from sqlmodel import select

from botapi_emulator.state import Message
from mesobot.clock import ManualClock
from mesobot.handlers.context import MesobotApplication
from mesobot.outbox.models import OutboxMessage
from mesobot.reschedule_asked import RESCHEDULE_ASKED
from tests.care.conftest import CareWorld, add_patient, booked_and_confirmed
from tests.care.test_schedule import madrid


def _text(message: Message) -> str:
    return message.text or message.caption or ""


async def test_i_need_to_reschedule_tells_each_staff_member_privately(
    app: MesobotApplication, world: CareWorld, clock: ManualClock
) -> None:
    services = app.bot_data.services
    marta, rui = world.staff
    await add_patient(services.database, rui.id, language="es", now=clock.now())  # Rui reads es
    patient_id = await add_patient(
        services.database, world.patient.id, language="es", now=clock.now()
    )
    async with services.database.write() as session:
        from mesobot.models import Patient

        lucia = await session.get(Patient, patient_id)
        assert lucia is not None
        lucia.display_name, lucia.phone = "Lucía Gil", "+34 600 222 333"
        session.add(lucia)
    appointments = await booked_and_confirmed(services, patient_id)
    await world.patient.next_bot_message(where=lambda m: m.document is not None)
    clock.set(madrid(2026, 12, 16, 10, 5))  # a day before session 2: its reminder
    label = "Necesito cambiarla de fecha"
    reminder = await world.patient.next_bot_message(where=lambda m: label in m.button_labels)
    for _ in range(2):  # pressed twice: staff hear it once
        press = world.patient.press_button(label, message=reminder)
        await world.emulator.wait_for(lambda press=press: press.answered)
    answer = await world.patient.next_bot_message(
        after=reminder, where=lambda m: "/appointments" in _text(m)
    )
    assert "ya se ha avisado a la clínica" in _text(answer)
    code = appointments[1].code
    english = await marta.next_bot_message(where=lambda m: code in _text(m))
    assert "🔁 Lucía Gil needs another date for this session:" in _text(english)
    assert f"tg://user?id={world.patient.id}" in [e.get("url") for e in english.entities]
    assert "Thu, 17 Dec 2026, 10:00 · Facial rejuvenation · Dr." in _text(english)
    assert "Phone: +34 600 222 333" in _text(english)
    assert "They may choose a new date in /appointments" in _text(english)
    spanish = await rui.next_bot_message(where=lambda m: code in _text(m))
    assert "🔁 Lucía Gil necesita otra fecha para esta sesión:" in _text(spanish)
    assert "· Rejuvenecimiento facial · Dr." in _text(spanish)
    assert "Teléfono: +34 600 222 333" in _text(spanish)
    assert "Puede elegir una nueva fecha en /appointments" in _text(spanish)
    async with services.database.read() as session:
        kinds = [m.kind for m in await session.exec(select(OutboxMessage))]
    assert kinds.count(RESCHEDULE_ASKED) == 2  # one each, not one a press
    assert world.group.messages == [] or all(code not in _text(m) for m in world.group.messages)
