"""A patient in Portuguese, French, Italian or German books a course and is cared for in that
language, while the clinic's staff read the request and the alert in Spanish: the real
application against the emulator, on SQLite (the languages do not touch the database)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from botapi_emulator.driver import TelegramUser
from botapi_emulator.server import BotApiEmulator
from botapi_emulator.state import Message
from mesobot.clock import ManualClock
from mesobot.i18n import translations
from tests.app_harness import running_bot, settings_for
from tests.booking.driver import PatientAtKeyboard
from tests.care.test_schedule import madrid
from tests.factories import sample_clinic
from tests.rendering.checks import english_in

pytestmark = pytest.mark.parametrize("backend", ["sqlite"])


def _text(message: Message) -> str:
    return message.text or message.caption or ""


def _opening(text: str) -> str:
    """A template's words before its first placeholder: what every rendering of it starts with."""
    return text.split("{")[0].strip()


def _has(fragment: str) -> Callable[[Message], bool]:
    return lambda message: fragment in _text(message)


async def _book(patient: PatientAtKeyboard, language: str) -> None:
    """From /start to Confirm, pressing the buttons as they read in `language`."""
    _ = translations(language).gettext
    await patient.command("start")
    await patient.tap(_("I agree"))
    await patient.tap(_("Yes, I am 18 or older"))
    await patient.tap(sample_clinic().treatments["facial_rejuvenation"].name.in_language(language))
    await patient.tap(_("Book this treatment"))
    await patient.tap(_("Yes: lidocaine or procaine"))
    for _question in range(3):
        await patient.tap(_("No"))
    await patient.tap(_("Never had injections"))
    await patient.text("—")
    await patient.text("Ana")
    await patient.contact("34600111222")
    await patient.tap("7")  # Monday 7 December
    await patient.tap("10:00")
    await patient.tap(_("Confirm"))


def _english(who: str, user: TelegramUser, language: str) -> list[str]:
    """English catalog or clinic text in anything the bot wrote to `user`."""
    found: list[str] = []
    for message in user.bot_messages:
        shown = [_text(message), *message.button_labels]
        found += english_in(f"{who} ({language})", shown, language)
    return found


@pytest.mark.parametrize("language", ["pt", "fr", "it", "de"])
async def test_a_course_and_its_care_in_the_patients_language(
    emulator: BotApiEmulator, database_url: str, clock: ManualClock, language: str
) -> None:
    care = sample_clinic().care
    staff_t = translations("es").gettext
    marta = emulator.create_user("Marta", language_code="es")
    marta.user.started_bot = True
    settings = settings_for(emulator, database_url=database_url, staff_ids=[marta.id])
    async with running_bot(settings, clock=clock) as app:
        marta.send_command("start")  # staff open the bot once: it learns their language
        await marta.next_bot_message()
        user = emulator.create_user("Ana", language_code=language)
        patient = PatientAtKeyboard(emulator, app, user)
        await _book(patient, language)
        request = await marta.next_bot_message(where=_has(_opening(staff_t("Phone: {phone}"))))
        marta.press_button(staff_t("✅ Confirm all"), message=request)
        await user.next_bot_message(where=lambda m: m.document is not None)

        clock.set(madrid(2026, 12, 6, 10, 0))  # a day before the first session
        await user.next_bot_message(
            where=_has(_opening(care.texts.reminder.in_language(language)))
        )
        clock.set(madrid(2026, 12, 7, 11, 0))  # after it
        aftercare = _opening(care.texts.aftercare.in_language(language))
        await user.next_bot_message(where=_has(aftercare), within=10)
        clock.set(madrid(2026, 12, 8, 11, 0))  # the first day's check-in
        check_in = await user.next_bot_message(
            where=_has(_opening(care.texts.check_in.in_language(language))), within=10
        )
        _ = translations(language).gettext
        user.press_button(_("Something unusual"), message=check_in)
        sign = care.signs["infection"].label.in_language(language)
        signs = await user.next_bot_message(
            after=check_in, where=lambda m: sign in m.button_labels
        )
        user.press_button(sign, message=signs)
        await emulator.wait_until_delivered()
        user.send_photo(caption="—")
        staff_label = care.signs["infection"].staff_label.in_language("es")
        alert = await marta.next_bot_message(where=_has(staff_label), within=10)
        assert staff_t("Acknowledge") in alert.button_labels
    assert _english("patient", user, language) == []
    assert _english("staff", marta, "es") == []
