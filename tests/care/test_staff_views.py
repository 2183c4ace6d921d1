"""What staff see of care: the reminder answer on /agenda, and reports on /patient."""

from __future__ import annotations

from mesobot.clock import ManualClock
from mesobot.handlers.context import MesobotApplication
from tests.care.conftest import CareWorld, add_patient, booked_and_confirmed
from tests.care.test_reports import _reported, _text
from tests.care.test_schedule import madrid


async def test_the_reminder_answer_shows_on_the_agenda(
    app: MesobotApplication, world: CareWorld, clock: ManualClock
) -> None:
    """A patient who answers "I need to move it" is marked so on that day's /agenda."""
    services = app.bot_data.services
    patient_id = await add_patient(
        services.database, world.patient.id, language="en", now=clock.now()
    )
    await booked_and_confirmed(services, patient_id)  # Thu 3 Dec 10:00 Madrid
    clock.set(madrid(2026, 12, 2, 10, 0))
    reminder = await world.patient.next_bot_message(
        where=lambda m: len(m.button_labels) == 2 and "10:00" in _text(m)
    )
    world.patient.press_button(reminder.button_labels[1], message=reminder)
    await world.patient.next_bot_message(after=reminder)
    marta = world.staff[0]
    marta.send_command("agenda", "2026-12-03")
    # Not the outbox's notice of the same answer, which may come first.
    agenda = await marta.next_bot_message(
        where=lambda m: "10:00" in _text(m) and "needs another date" not in _text(m)
    )
    assert "wants another date" in _text(agenda)


async def test_patient_shows_reports_with_what_staff_read_them_as(
    app: MesobotApplication, world: CareWorld, clock: ManualClock
) -> None:
    """/patient lists the patient's reaction reports with the staff label of each sign."""
    await _reported(app, world, clock, "infection")
    marta = world.staff[0]
    marta.send_command("patient", str(world.patient.id))
    answer = await marta.next_bot_message(where=lambda m: "Reaction reports" in _text(m))
    label = app.bot_data.services.clinic.care.signs["infection"].staff_label.in_language("en")
    assert label in _text(answer)
