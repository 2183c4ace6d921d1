"""A treatment's own preparation (cortisone before blepharoplasty) goes early enough to act on:
when the session is confirmed and again `preparation_days_before` days ahead, on the test clock;
the note the day before names the treatment's real length."""

from __future__ import annotations

from datetime import date, time

from mesobot.clock import ManualClock
from mesobot.handlers.context import MesobotApplication
from tests.care.conftest import CareWorld, add_patient, booked_and_confirmed
from tests.care.test_schedule import madrid


def _texts(world: CareWorld, needle: str) -> list[str]:
    return [m.text or "" for m in world.patient.bot_messages if needle in (m.text or "")]


async def test_cortisone_goes_at_confirmation_and_a_week_before_in_spanish(
    app: MesobotApplication, world: CareWorld, clock: ManualClock
) -> None:
    """Confirmed on 30 November for 17 December: the preparation goes at once, again on
    10 December at 18:00 (seven days before, from the clinic file), and the evening before."""
    services = app.bot_data.services
    patient_id = await add_patient(
        services.database, world.patient.id, language="es", now=clock.now()
    )
    await booked_and_confirmed(
        services,
        patient_id,
        treatment="lower_blepharoplasty",
        session_count=1,
        first=date(2026, 12, 17),
        at=time(10, 0),
    )
    lucia = world.patient
    at_once = await lucia.next_bot_message(where=lambda m: "prepararte" in (m.text or ""))
    text = at_once.text or ""
    assert "Cómo prepararte para tu sesión de Blefaroplastia inferior" in text
    assert "jue, 17 dic 2026" in text
    assert "10:00" in text
    assert "cortisona" in text
    assert "receta" in text

    clock.set(madrid(2026, 12, 10, 17, 59))
    await world.emulator.wait_until_delivered()
    assert not _texts(world, "dentro de 7 días")
    clock.set(madrid(2026, 12, 10, 18, 0))
    week = await lucia.next_bot_message(
        after=at_once, where=lambda m: "dentro de 7 días" in (m.text or "")
    )
    assert "cortisona" in (week.text or "")
    assert "jue, 17 dic 2026" in (week.text or "")

    clock.set(madrid(2026, 12, 16, 18, 0))
    evening = await lucia.next_bot_message(after=week, where=lambda m: "Mañana" in (m.text or ""))
    assert "Dura 30 minutos" in (evening.text or "")
    assert len(_texts(world, "cortisona")) == 3  # at confirmation, a week before, the evening


async def test_booked_within_the_week_the_patient_reads_it_at_once_not_twice(
    app: MesobotApplication, world: CareWorld, clock: ManualClock
) -> None:
    """Confirmed three days ahead (in English): at once, then only the evening before."""
    services = app.bot_data.services
    patient_id = await add_patient(
        services.database, world.patient.id, language="en", now=clock.now()
    )
    await booked_and_confirmed(
        services,
        patient_id,
        treatment="lower_blepharoplasty",
        session_count=1,
        first=date(2026, 12, 3),
        at=time(10, 0),
    )
    at_once = await world.patient.next_bot_message(
        where=lambda m: "Getting ready" in (m.text or "")
    )
    text = at_once.text or ""
    assert "Getting ready for your Lower blepharoplasty session on" in text
    assert "cortisone" in text
    assert "prescription" in text
    clock.set(madrid(2026, 12, 2, 18, 0))
    await world.patient.next_bot_message(
        after=at_once, where=lambda m: "Tomorrow" in (m.text or "")
    )
    await world.emulator.wait_until_delivered()
    assert not _texts(world, "session is in")
    assert len(_texts(world, "cortisone")) == 2


async def test_fat_reduction_says_it_takes_45_minutes_and_sends_nothing_early(
    app: MesobotApplication, world: CareWorld, clock: ManualClock
) -> None:
    """A treatment without early preparation gets only the evening note, with its own length."""
    services = app.bot_data.services
    patient_id = await add_patient(
        services.database, world.patient.id, language="en", now=clock.now()
    )
    await booked_and_confirmed(
        services, patient_id, treatment="fat_reduction", session_count=2, first=date(2026, 12, 3)
    )
    clock.set(madrid(2026, 12, 2, 18, 0))
    evening = await world.patient.next_bot_message(where=lambda m: "Tomorrow" in (m.text or ""))
    assert "It takes 45 minutes" in (evening.text or "")
    assert not _texts(world, "Getting ready")
