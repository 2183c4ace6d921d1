"""Staff have a stored language of their own: taken from Telegram on their first contact, used
by their replies and by the outbox's notices (no patient record needed), changed with
/language, which sets their staff menu in it; published again in it at start-up."""

from __future__ import annotations

from sqlmodel import select

from botapi_emulator.server import BotApiEmulator
from mesobot.clock import ManualClock
from mesobot.models import Patient
from mesobot.staff.models import StaffLanguage
from tests.app_harness import running_bot, settings_for
from tests.staff.conftest import ANSWERS, Clinic, answer_to, started

ITALIAN_MENU_LANGUAGE = "Scegliere la lingua in cui Le scrivo"


async def _stored(clinic: Clinic, staff_id: int) -> str | None:
    async with clinic.services.database.read() as session:
        row = await session.get(StaffLanguage, staff_id)
    return row.language if row is not None else None


async def _patient_rows(clinic: Clinic, telegram_user_id: int) -> int:
    async with clinic.services.database.read() as session:
        rows = await session.exec(
            select(Patient).where(Patient.telegram_user_id == telegram_user_id)
        )
        return len(rows.all())


async def test_a_spanish_staff_member_reads_the_request_notice_in_spanish_without_a_patient_row(
    clinic: Clinic,
) -> None:
    assert clinic.bob.user is not None
    clinic.bob.user.language_code = "es-ES"
    reply = await answer_to(clinic.bob, "pending")  # his first contact
    assert reply.text == "No hay solicitudes pendientes."
    assert await _stored(clinic, clinic.bob.id) == "es"
    assert await _patient_rows(clinic, clinic.bob.id) == 0
    clinic.bob.user.language_code = "en"  # Telegram's language no longer decides
    booked = await clinic.request(answers=ANSWERS)
    number = f"#{booked.course.id}"
    notice = await clinic.bob.next_bot_message(where=lambda m: number in (m.text or ""))
    assert "⚠️ Alergias" in (notice.text or "")
    assert "Allergies" not in (notice.text or "")
    reply = await answer_to(clinic.bob, "pending")
    assert reply.text == "1 solicitud pendiente"
    rita = await clinic.rita.next_bot_message(where=lambda m: number in (m.text or ""))
    assert "⚠️ Allergies" in (rita.text or "")  # no contact yet: the clinic's first language


async def test_staff_language_switches_the_replies_the_notices_and_the_staff_menu(
    clinic: Clinic,
) -> None:
    menus_before = len(clinic.emulator.calls)
    clinic.rita.send_command("language")
    question = await clinic.rita.next_bot_message()
    assert question.text == "In which language should I write to you?"
    press = clinic.rita.press_button("Italiano", message=question)
    await clinic.emulator.wait_for(lambda: press.answered and question.buttons == [])
    assert question.text == "Fatto: d'ora in poi Le scriverò in italiano."
    assert await _stored(clinic, clinic.rita.id) == "it"
    # The menu follows the confirmation: wait for the last of its calls.
    await clinic.emulator.wait_for(
        lambda: any(
            call.method == "deleteMyCommands" and call.params.get("language_code") == "de"
            for call in clinic.emulator.calls[menus_before:]
        )
    )
    calls = clinic.emulator.calls[menus_before:]
    [menu] = [
        call.params
        for call in calls
        if call.method == "setMyCommands" and call.params["scope"]["chat_id"] == clinic.rita.id
    ]
    assert "language_code" not in menu
    descriptions = {c["command"]: c["description"] for c in menu["commands"]}
    assert descriptions["language"] == ITALIAN_MENU_LANGUAGE
    assert "pending" in descriptions  # the staff menu, not the patients'
    # The per-language staff menus of start-up would beat it in those apps: they are gone.
    deleted = sorted(
        call.params["language_code"]
        for call in calls
        if call.method == "deleteMyCommands" and call.params["scope"]["chat_id"] == clinic.rita.id
    )
    assert deleted == ["de", "es", "fr", "it", "pt"]
    key = repr([("chat_id", clinic.rita.id), ("type", "chat")])
    assert clinic.emulator.world.commands[(key, "")] == menu["commands"]
    assert (key, "es") not in clinic.emulator.world.commands
    reply = await answer_to(clinic.rita, "pending")
    assert reply.text == "Nessuna richiesta in attesa."
    booked = await clinic.request(answers=ANSWERS)
    number = f"#{booked.course.id}"
    notice = await clinic.rita.next_bot_message(where=lambda m: number in (m.text or ""))
    assert "⚠️ Allergie" in (notice.text or "")


async def test_start_up_publishes_a_stored_staff_language_as_the_chats_one_menu(
    emulator: BotApiEmulator, database_url: str, clock: ManualClock
) -> None:
    rita = started(emulator, "Rita", language_code="fi")
    settings = settings_for(emulator, database_url=database_url, staff_ids=[rita.id])
    async with running_bot(settings, clock=clock):
        # Before any contact: one menu per declared language, Telegram picks by the app's.
        rita.send_command("language")
        question = await rita.next_bot_message()
        assert "✓ English" in question.button_labels  # "fi" is not declared
        press = rita.press_button("Italiano", message=question)
        await emulator.wait_for(lambda: press.answered and question.buttons == [])
    before = len(emulator.calls)
    async with running_bot(settings, clock=clock):
        pass
    menus = [
        call.params
        for call in emulator.calls[before:]
        if call.method == "setMyCommands" and (call.params.get("scope") or {}).get("chat_id")
    ]
    assert len(menus) == 1
    assert "language_code" not in menus[0]
    descriptions = {c["command"]: c["description"] for c in menus[0]["commands"]}
    assert descriptions["language"] == ITALIAN_MENU_LANGUAGE


async def test_someone_no_longer_staff_loses_their_staff_language(
    emulator: BotApiEmulator, database_url: str, clock: ManualClock
) -> None:
    rita = started(emulator, "Rita", language_code="fr")
    staff = settings_for(emulator, database_url=database_url, staff_ids=[rita.id])
    async with running_bot(staff, clock=clock):
        rita.send_command("language")
        question = await rita.next_bot_message()
        press = rita.press_button("Italiano", message=question)
        await emulator.wait_for(lambda: press.answered and question.buttons == [])
    async with running_bot(settings_for(emulator, database_url=database_url), clock=clock):
        reply = await answer_to(rita, "help")
    assert "Ce que je peux faire" in (reply.text or "")  # her Telegram's, as a new patient
