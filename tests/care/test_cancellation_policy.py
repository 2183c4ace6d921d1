"""The cancellation policy (`cancellation_notice_hours = 24`): a day and more before a
confirmed session the patient cancels or moves it as usual; inside the day, the same taps
show the policy and send staff a request, and the session stays confirmed, with the request
beside it, until staff decide. English (Ana, Marta) and Spanish (Lucía, Rui)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from botapi_emulator.driver import TelegramUser
from botapi_emulator.state import Message
from mesobot.clock import ManualClock
from mesobot.config import DEFAULT_CLINIC_FILE
from mesobot.handlers.context import MesobotApplication
from mesobot.models import Appointment, Patient, SessionState
from tests.app_harness import running_bot, settings_for
from tests.booking.driver import PatientAtKeyboard
from tests.care.conftest import CareWorld, add_patient, booked_and_confirmed, started

TEXTS = {
    "en": {
        "cancel": "Cancel session 1",
        "move": "Move session 1",
        "asked": "Cancel session 1 on Thu, 3 Dec 2026 at 10:00?",
        "calendar": "Choose a new date for session 1",
        "policy": "The clinic asks for 24 hours' notice to change a session, so I cannot "
        "change this one here.",
        "ask_cancel": "Ask the clinic to cancel",
        "ask_move": "Ask the clinic to move",
        "sent": "Your request is sent to the clinic. Your session stays confirmed until they "
        "answer.",
        "beside": "you asked to cancel",
    },
    "es": {
        "cancel": "Cancelar la sesión 1",
        "move": "Cambiar la sesión 1",
        "asked": "¿Cancelar la sesión 1 del jue, 3 dic 2026 a las 10:00?",
        "calendar": "Elige una nueva fecha para la sesión 1",
        "policy": "La clínica pide 24 horas de antelación para cambiar una sesión, así que no "
        "puedo cambiar esta desde aquí.",
        "ask_cancel": "Pedir a la clínica cancelarla",
        "ask_move": "Pedir a la clínica cambiarla",
        "sent": "Tu petición se ha enviado a la clínica. Tu sesión sigue confirmada hasta que "
        "responda.",
        "beside": "pediste cancelarla",
    },
}
SESSION_START = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)  # Thu 3 Dec 10:00 in Madrid


@pytest.fixture
async def app(
    world: CareWorld, clock: ManualClock, tmp_path: Path
) -> AsyncIterator[MesobotApplication]:
    """mesobot with a 24-hour cancellation notice in its clinic file."""
    sample = DEFAULT_CLINIC_FILE.read_text(encoding="utf-8")
    marker = "patient_changes_confirmed_at_once = false"
    clinic_file = tmp_path / "clinic.toml"
    clinic_file.write_text(
        sample.replace(marker, marker + "\ncancellation_notice_hours = 24", 1), encoding="utf-8"
    )
    settings = settings_for(
        world.emulator,
        database_url=world.settings.database_url,
        staff_ids=[member.id for member in world.staff],
        staff_chat_id=world.group.id,
        clinic_file=clinic_file,
    )
    async with running_bot(settings, clock=clock) as application:
        yield application


async def _patients(
    app: MesobotApplication, world: CareWorld
) -> list[tuple[str, PatientAtKeyboard, Appointment]]:
    """Ana (English) and Lucía (Spanish), each with a confirmed course from Thursday 3 Dec."""
    services, now = app.bot_data.services, app.bot_data.services.clock.now()
    await add_patient(services.database, world.staff[1].id, language="es", now=now)  # Rui: es
    ana = started(world.emulator.create_user("Ana", language_code="en"))
    found = []
    for language, user in (("en", ana), ("es", world.patient)):
        patient_id = await add_patient(services.database, user.id, language=language, now=now)
        async with services.database.write() as session:
            row = await session.get(Patient, patient_id)
            assert row is not None
            row.display_name = user.user.first_name
            session.add(row)
        first = (await booked_and_confirmed(services, patient_id))[0]
        await user.next_bot_message(where=lambda m: m.document is not None)
        found.append((language, PatientAtKeyboard(world.emulator, app, user), first))
    return found


async def _state(app: MesobotApplication, appointment_id: int | None) -> Appointment:
    async with app.bot_data.services.database.read() as session:
        found = await session.get(Appointment, appointment_id)
    assert found is not None
    return found


async def test_a_day_and_more_before_the_patient_cancels_and_moves_as_usual(
    app: MesobotApplication, world: CareWorld, clock: ManualClock
) -> None:
    patients = await _patients(app, world)
    clock.set(datetime(2026, 12, 2, 8, 59, tzinfo=UTC))  # 24 hours and a minute before
    for language, patient, _first in patients:
        words = TEXTS[language]
        await patient.command("appointments")
        await patient.tap(words["move"])
        assert words["calendar"] in patient.last.text
        assert words["policy"] not in patient.last.text
        await patient.command("appointments")
        await patient.tap(words["cancel"])
        assert words["asked"] in patient.last.text
        assert words["ask_cancel"] not in patient.last.button_labels


async def test_inside_the_notice_a_cancel_is_a_request_and_the_session_stays_confirmed(
    app: MesobotApplication, world: CareWorld, clock: ManualClock
) -> None:
    patients = await _patients(app, world)
    clock.set(datetime(2026, 12, 2, 9, 1, tzinfo=UTC))  # 23 hours 59 minutes before
    marta, rui = world.staff
    for language, patient, first in patients:
        words = TEXTS[language]
        await patient.command("appointments")
        await patient.tap(words["move"])
        # The session's reminder falls due at this hour too, and may come in between.
        assert _latest_with(patient, words["policy"]).button_labels[0] == words["ask_move"]
        await patient.command("appointments")
        await patient.tap(words["cancel"])
        _latest_with(patient, words["policy"])
        await patient.tap(words["ask_cancel"])
        assert any(words["sent"] in (m.text or "") for m in patient.user.bot_messages[-3:])
        assert words["beside"] in patient.user.bot_messages[-1].text
        assert (await _state(app, first.id)).state == SessionState.CONFIRMED
    ana_code, lucia_code = patients[0][2].code, patients[1][2].code
    english = await _notice(marta, lucia_code)
    assert "⏰ Lucía asks to cancel this session:" in (english.text or "")
    assert "It is less than 24 hours away, inside the cancellation policy" in (english.text or "")
    assert english.button_labels == ["Move", "Cancel"]
    spanish = await _notice(rui, ana_code)
    assert "⏰ Ana pide cancelar esta sesión:" in (spanish.text or "")
    assert "Faltan menos de 24 horas, dentro de la política de cancelación" in (spanish.text or "")
    agenda = world.staff[0].send_command("agenda", "2026-12-03")
    shown = await marta.next_bot_message(after=agenda, where=lambda m: "10:00" in (m.text or ""))
    assert (shown.text or "").count("⏰ asks to cancel") == 2
    # Marta decides: she cancels Lucía's session from the notice, and Lucía is told.
    marta.press_button("Cancel", message=english)
    yes = "Yes, cancel it and tell the patient"
    ask = await marta.next_bot_message(after=english, where=lambda m: yes in m.button_labels)
    marta.press_button(yes, message=ask)
    await world.patient.next_bot_message(where=lambda m: "ha cancelado" in (m.text or ""))
    assert (await _state(app, patients[1][2].id)).state == SessionState.CANCELLED
    assert (await _state(app, patients[0][2].id)).state == SessionState.CONFIRMED


def _latest_with(patient: PatientAtKeyboard, text: str) -> Message:
    """The latest of the patient's last three messages that says `text`."""
    found = [m for m in patient.user.bot_messages[-3:] if text in (m.text or "")]
    assert found, f"{text!r} not in {[m.text for m in patient.user.bot_messages[-3:]]}"
    return found[-1]


async def _notice(member: TelegramUser, code: str):  # type: ignore[no-untyped-def]
    return await member.next_bot_message(
        where=lambda m: code in (m.text or "") and "⏰" in (m.text or "")
    )
