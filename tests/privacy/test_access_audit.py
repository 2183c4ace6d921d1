"""Who looked at a patient's data: /patient, /pending's requests, /reports and Contact patient
each leave an audit entry naming the staff member, the time and the patient."""

from __future__ import annotations

from datetime import date, time, timedelta

from sqlmodel import col, select

from botapi_emulator.state import Message
from mesobot.clock import ManualClock
from mesobot.handlers.context import MesobotApplication
from mesobot.scheduling.localtime import utc_instant, zone_named
from mesobot.staff.models import AuditEntry
from tests.care.conftest import CareWorld, add_patient, booked_and_confirmed
from tests.factories import book, sample_clinic, shown_series

MADRID = zone_named("Europe/Madrid")


def _text(message: Message) -> str:
    return message.text or message.caption or ""


async def _views(app: MesobotApplication) -> list[tuple[str, int, int | None]]:
    async with app.bot_data.services.database.read() as session:
        entries = await session.exec(
            select(AuditEntry)
            .where(col(AuditEntry.action).like("view:%"))
            .order_by(col(AuditEntry.id))
        )
        return [(entry.action, entry.staff_id, entry.patient_id) for entry in entries]


async def test_each_staff_view_of_a_patients_data_is_recorded(
    app: MesobotApplication, world: CareWorld, clock: ManualClock
) -> None:
    services = app.bot_data.services
    patient_id = await add_patient(
        services.database, world.patient.id, language="en", now=clock.now()
    )
    await booked_and_confirmed(services, patient_id)  # Thu 3 Dec 10:00
    later = shown_series(
        "cellulite", session_count=3, first=date(2026, 12, 21), at=time(12, 0), now=clock.now()
    )
    await book(services.database, patient_id, "cellulite", later, now=clock.now())
    marta, rui = world.staff
    assert await _views(app) == []  # notices the bot sends on its own are not views

    marta.send_command("pending")
    pending = await marta.next_bot_message(where=lambda m: "cellulite" in _text(m).lower())
    await world.emulator.wait_until_delivered()
    assert await _views(app) == [("view:request", marta.id, patient_id)]
    press = marta.press_button("✏️ Confirm with changes", message=pending)
    await world.emulator.wait_for(lambda: press.answered)
    assert len(await _views(app)) == 2  # the request opened from its buttons, too

    marta.send_command("patient", str(patient_id))
    shown = await marta.next_bot_message(where=lambda m: f"#{patient_id}" in _text(m))
    assert ("view:patient", marta.id, patient_id) in await _views(app)
    assert "view:" not in _text(shown)  # /patient's history lists changes, not looks

    clock.set(utc_instant(date(2026, 12, 3), time(11, 0), MADRID))
    await world.emulator.wait_until_delivered()
    world.patient.send_command("report")
    question = await world.patient.next_bot_message(where=lambda m: "What do you see" in _text(m))
    world.patient.press_button(
        sample_clinic().care.signs["nausea"].label.in_language("en"), message=question
    )
    await marta.next_bot_message(where=lambda m: "Reaction report #" in _text(m))
    clock.advance(timedelta(minutes=1))
    marta.send_command("reports")
    entry = await marta.next_bot_message(where=lambda m: "Contact patient" in m.button_labels)
    marta.press_button("Contact patient", message=entry)
    await marta.next_bot_message(after=entry, where=lambda m: "Contact " in _text(m))
    await world.emulator.wait_until_delivered()

    views = await _views(app)
    assert [action for action, _, _ in views] == [
        "view:request",
        "view:request",
        "view:patient",
        "view:reports",
        "view:contact",
    ]
    assert {(staff, patient) for _, staff, patient in views} == {(marta.id, patient_id)}
    assert rui.id not in {staff for _, staff, _ in views}
