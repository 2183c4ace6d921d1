"""Staff views read at a glance: the request notice's questionnaire by label with ⚠️ only where
a look is needed and no second name or phone; /agenda lines with the practitioner, an allergy
flag and "Done"; /patient's no-show count; /reports and /calendar in the staff menu. In English
(Rita) and Spanish (Bob)."""

from __future__ import annotations

from datetime import datetime

from mesobot.models import Patient, SessionState
from tests.staff.conftest import Clinic, answer_to, confirmed

ANSWERS = {
    "questionnaire": {
        "allergies": "anaesthetic",
        "pregnancy": "no",
        "blood_thinners": "no",
        "skin_infection": "no",
        "injection_reactions": "never_had",
    },
    "note": "",
    "flags": ["allergies"],
    "name": "Ana Pérez",
    "phone": "+34 600 111 222",
    "consent_version": "2026-12",
}


async def _bob_reads_spanish(clinic: Clinic, now: datetime) -> None:
    """Bob's Telegram is in Spanish, and the outbox writes to him in it."""
    assert clinic.bob.user is not None
    clinic.bob.user.language_code = "es"
    async with clinic.services.database.write() as session:
        session.add(
            Patient(
                telegram_user_id=clinic.bob.id, language="es", created_at=now, last_seen_at=now
            )
        )


async def _patient_phone(clinic: Clinic, phone: str) -> None:
    async with clinic.services.database.write() as session:
        patient = await session.get(Patient, clinic.patient_id)
        assert patient is not None
        patient.phone = phone
        session.add(patient)


async def test_the_request_notice_names_each_answer_and_flags_only_what_needs_a_look(
    clinic: Clinic,
) -> None:
    await _bob_reads_spanish(clinic, clinic.clock.now())
    await _patient_phone(clinic, "+34 600 111 222")
    booked = await clinic.request(answers=ANSWERS)
    number = f"#{booked.course.id}"
    rita = await clinic.rita.next_bot_message(where=lambda m: number in (m.text or ""))
    text = rita.text or ""
    assert "⚠️ Allergies: Yes: lidocaine or procaine" in text
    assert "\nPregnancy: No\n" in text
    assert "Reactions to injections: Never had injections" in text
    assert text.count("⚠️") == 1
    assert text.count("Ana Pérez") == 1
    assert text.count("+34 600 111 222") == 1
    for key in ("allergies", "never_had", "consent", "blood_thinners"):
        assert key not in text
    bob = await clinic.bob.next_bot_message(where=lambda m: number in (m.text or ""))
    text = bob.text or ""
    assert "⚠️ Alergias: Sí: lidocaína o procaína" in text
    assert "\nEmbarazo: No\n" in text
    assert "Reacciones a inyecciones: Nunca me han puesto inyecciones" in text
    assert text.count("⚠️") == 1
    assert text.count("Ana Pérez") == 1
    assert text.count("+34 600 111 222") == 1


async def test_agenda_lines_name_the_practitioner_flag_allergies_and_say_done(
    clinic: Clinic,
) -> None:
    await _bob_reads_spanish(clinic, clinic.clock.now())
    flagged = await confirmed(clinic, answers=ANSWERS)
    agenda = await answer_to(clinic.rita, "agenda", flagged[0].local_date.isoformat())
    text = agenda.text or ""
    assert "Dr. Marta López" in text or "Dr. Rui Costa" in text
    assert "⚠️ allergy" in text
    assert agenda.button_labels[:2] == ["Done 10:00", "No-show"]
    agenda_es = await answer_to(clinic.bob, "agenda", flagged[0].local_date.isoformat())
    assert "⚠️ alergia" in (agenda_es.text or "")
    assert agenda_es.button_labels[:2] == ["Hecha 10:00", "No acudió"]
    # A patient with nothing to look at gets no flag.
    clean = dict(ANSWERS, flags=[], questionnaire=dict(ANSWERS["questionnaire"], allergies="none"))
    later = await confirmed(clinic, answers=clean, first=flagged[-1].local_date.replace(day=28))
    agenda = await answer_to(clinic.rita, "agenda", later[0].local_date.isoformat())
    assert "⚠️" not in (agenda.text or "")


async def test_patient_shows_the_no_show_count(clinic: Clinic) -> None:
    await _bob_reads_spanish(clinic, clinic.clock.now())
    appointments = await confirmed(clinic)
    reply = await answer_to(clinic.rita, "patient", "Ana")
    assert "No-shows: 0" in (reply.text or "")
    async with clinic.services.database.write() as session:
        from mesobot.states import move_session

        await move_session(
            session=session,
            appointment=appointments[0],
            to=SessionState.NO_SHOW,
            at=clinic.clock.now(),
            actor="staff:1",
        )
        session.add(appointments[0])
    reply = await answer_to(clinic.rita, "patient", "Ana")
    assert "No-shows: 1" in (reply.text or "")
    reply = await answer_to(clinic.bob, "patient", "Ana")
    assert "Ausencias: 1" in (reply.text or "")


async def test_the_staff_menu_has_reports_and_calendar(clinic: Clinic) -> None:
    menus = {
        (call.params.get("language_code") or "en"): call.params["commands"]
        for call in clinic.emulator.calls
        if call.method == "setMyCommands"
        and (call.params.get("scope") or {}).get("chat_id") == clinic.rita.id
    }
    english = {c["command"]: c["description"] for c in menus["en"]}
    spanish = {c["command"]: c["description"] for c in menus["es"]}
    assert english["reports"] == "Reaction reports that are still open"
    assert english["calendar"] == "The next 30 days' sessions, as a calendar file"
    assert spanish["reports"] == "Avisos de reacciones aún abiertos"
    assert (
        spanish["calendar"] == "Las sesiones de los próximos 30 días, como archivo de calendario"
    )
