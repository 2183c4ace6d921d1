"""Reporting a sign in the patient's language (issue 16): the emergency line and the severe
allergic sign first, hives as a same-day call, descriptions above buttons that fit a phone."""

from __future__ import annotations

import tomllib

import pytest
from pydantic import ValidationError

from botapi_emulator.state import Message
from mesobot.care.buttons import ReportSign
from mesobot.care.chooser import chooser_text, ordered_signs
from mesobot.care.config import CareSettings, ReactionSign
from mesobot.catalog import BUTTON_LABEL_MAX
from mesobot.clinic import parse_clinic
from mesobot.clock import ManualClock
from mesobot.config import DEFAULT_CLINIC_FILE
from mesobot.handlers.context import MesobotApplication
from mesobot.i18n import translations
from mesobot.texts import care as texts
from mesobot.texts import care_staff as staff_texts
from tests.care.conftest import CareWorld, add_patient, booked_and_confirmed
from tests.care.test_schedule import madrid
from tests.factories import sample_clinic

LANGUAGES = ("en", "es")
# What each language must say, and must no longer say.
SAYS = {
    "en": {
        "emergency": "call emergency services now on 112",
        "question": "What do you see?",
        "same_day": "call the clinic today on +34 910 000 000",
        "face_expected": "face and under the eyes included, is expected",
        "received": "have your report now",
    },
    "es": {
        "emergency": "llama ahora a emergencias al 112",
        "question": "¿Qué ves?",
        "same_day": "llama hoy a la clínica al +34 910 000 000",
        "face_expected": "también la cara o bajo los ojos, es esperable",
        "received": "tiene tu aviso",
    },
}


def _text(message: Message) -> str:
    return message.text or message.caption or ""


async def _patient(app: MesobotApplication, world: CareWorld, language: str) -> int:
    services = app.bot_data.services
    return await add_patient(
        services.database, world.patient.id, language=language, now=services.clock.now()
    )


@pytest.mark.parametrize("language", LANGUAGES)
async def _sign_question(world: CareWorld, clock: ManualClock, says: dict[str, str]) -> Message:
    await world.patient.next_bot_message(where=lambda m: m.document is not None)
    clock.set(madrid(2026, 12, 3, 11, 0))  # Thursday, an hour after the session: open
    await world.emulator.wait_until_delivered()
    world.patient.send_command("report")
    return await world.patient.next_bot_message(where=lambda m: says["question"] in _text(m))


@pytest.mark.parametrize("language", LANGUAGES)
async def test_the_sign_chooser_puts_the_emergency_first_and_hives_as_a_same_day_call(
    app: MesobotApplication, world: CareWorld, clock: ManualClock, language: str
) -> None:
    says = SAYS[language]
    signs = app.bot_data.services.clinic.care.signs
    await booked_and_confirmed(app.bot_data.services, await _patient(app, world, language))
    question = await _sign_question(world, clock, says)
    text = _text(question)
    # The emergency line above the buttons, before the question; the emergency sign first.
    assert text.index(says["emergency"]) < text.index(says["question"])
    severe, mild = signs["severe_allergy"], signs["mild_allergy"]
    assert question.button_labels[0] == severe.label.in_language(language)
    assert all(len(label) <= BUTTON_LABEL_MAX for label in question.button_labels)
    # Every longer description is in the message; hives are a same-day call, and swelling of
    # the treated face or under the eyes is expected.
    for sign in signs.values():
        assert sign.description is not None
        described = sign.description.in_language(language).split("{")[0]
        assert described in text
    mild_line = next(
        line for line in text.splitlines() if mild.label.in_language(language) in line
    )
    assert says["same_day"] in mild_line
    assert says["face_expected"] in mild_line
    assert "112" not in mild_line
    world.patient.press_button(mild.label.in_language(language), message=question)
    received = await world.patient.next_bot_message(
        after=question, where=lambda m: says["received"] in _text(m)
    )
    messages = world.patient.chat.messages
    between = messages[messages.index(question) + 1 : messages.index(received)]
    assert not any(says["emergency"] in _text(m) for m in between)
    alert = await world.staff[0].next_bot_message(where=lambda m: "Reaction report #" in _text(m))
    assert "possible mild allergic reaction" in _text(alert)
    world.patient.press_button(severe.label.in_language(language), message=question)
    advice = await world.patient.next_bot_message(
        after=received, where=lambda m: says["emergency"] in _text(m)
    )
    assert says["question"] not in _text(advice)


@pytest.mark.parametrize("language", LANGUAGES)
async def test_an_old_choosers_allergy_button_still_gets_the_emergency_advice(
    app: MesobotApplication, world: CareWorld, clock: ManualClock, language: str
) -> None:
    """A chooser sent before the split carries the old key: it is the severe sign now."""
    says = SAYS[language]
    services = app.bot_data.services
    (session, *_) = await booked_and_confirmed(services, await _patient(app, world, language))
    question = await _sign_question(world, clock, says)
    assert session.id is not None
    old = services.codec.encode(ReportSign(session.id, "allergy"))
    world.patient.press_button(data=old, message=question)
    advice = await world.patient.next_bot_message(
        after=question, where=lambda m: says["emergency"] in _text(m)
    )
    assert says["question"] not in _text(advice)
    alert = await world.staff[0].next_bot_message(where=lambda m: "Reaction report #" in _text(m))
    assert services.clinic.care.signs["severe_allergy"].staff_label.in_language("en") in _text(
        alert
    )


def test_emergency_signs_come_first_wherever_the_clinic_file_lists_them() -> None:
    raw = tomllib.loads(DEFAULT_CLINIC_FILE.read_text(encoding="utf-8"))
    raw["clinic"]["languages"] = ["en"]  # the signs below are written in English only
    sign = {"staff_label": {"en": "x"}, "description": {"en": "Longer words"}}
    raw["care"] = {
        "signs": {
            "rash": sign | {"label": {"en": "Rash"}, "severity": "moderate"},
            "breathing": sign | {"label": {"en": "Breathing"}, "severity": "emergency"},
            "fever": sign | {"label": {"en": "Fever"}, "severity": "high"},
        }
    }
    clinic = parse_clinic(raw, source="clinic.toml")
    assert [key for key, _sign in ordered_signs(clinic)] == ["breathing", "rash", "fever"]
    text = chooser_text(clinic, "en", staffed=True)
    assert text.startswith("<b>If you have difficulty breathing")
    assert text.index("<b>Breathing</b>") < text.index("<b>Rash</b>") < text.index("<b>Fever</b>")


def _button_labels(language: str) -> list[str]:
    t = translations(language)
    labels = [*texts.reminder_buttons(t), *texts.check_in_buttons(t)]
    labels += [texts.notifications_button(t, paused=p) for p in (True, False)]
    labels += [*staff_texts.alert_buttons(t), *staff_texts.report_buttons(t)]
    labels.append(staff_texts.additions_button(t, count=10_000))
    for care in (CareSettings(), sample_clinic().care):
        labels += [sign.label.in_language(language) for sign in care.signs.values()]
    return labels


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_report_and_sign_button_fits_a_phone(language: str) -> None:
    """Telegram shows an inline button on one line: 32 characters at most, every language."""
    too_long = [label for label in _button_labels(language) if len(label) > BUTTON_LABEL_MAX]
    assert too_long == []


def test_a_clinic_file_sign_label_longer_than_a_button_is_refused() -> None:
    raw = {"en": "Short", "es": "Una etiqueta demasiado larga para un botón"}
    with pytest.raises(ValidationError, match="the 'es' label has 42 characters"):
        ReactionSign.model_validate({"label": raw, "staff_label": {"en": "x"}, "severity": "low"})
