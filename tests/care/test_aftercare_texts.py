"""Aftercare and healing times in the patient's language (issue 16): which colour changes are
expected and which to report at once, and blepharoplasty's own six weeks and check-ins."""

from __future__ import annotations

import tomllib
from datetime import timedelta

import pytest

from botapi_emulator.state import Message
from mesobot.care.config import CareSettings
from mesobot.care.schedule import check_in_due
from mesobot.clinic import ClinicFileError, parse_clinic
from mesobot.clock import ManualClock
from mesobot.config import DEFAULT_CLINIC_FILE
from mesobot.handlers.context import MesobotApplication
from tests.care.conftest import CareWorld, add_patient, booked_and_confirmed
from tests.care.test_schedule import madrid
from tests.factories import sample_clinic

LANGUAGES = ("en", "es")
# What each language must say, and must no longer say.
SAYS = {
    "en": {
        "aftercare": "After your",
        "expected": "some redness, a bruise",
        "report_at_once": "if the skin turns pale, white, grey-blue or dark, or a sore does "
        "not heal",
        "old_colour": "change of skin colour",
        "usual_healing": "within one to two weeks",
        "eye_healing": "These can take up to 6 weeks to settle on their own.",
        "check_in": "How is the treated area",
        "mild": "Mild, expected effects",
    },
    "es": {
        "aftercare": "Después de tu sesión",
        "expected": "algo de enrojecimiento, un hematoma",
        "report_at_once": "si la piel se vuelve pálida, blanca, gris azulada u oscura, o si una "
        "herida no se cura",
        "old_colour": "cambio de color de la piel",
        "usual_healing": "en una o dos semanas",
        "eye_healing": "Pueden tardar hasta 6 semanas en pasar solos.",
        "check_in": "¿Cómo está la zona tratada",
        "mild": "Efectos leves y esperables",
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
async def test_aftercare_says_which_colour_changes_are_expected_and_which_to_report(
    app: MesobotApplication, world: CareWorld, clock: ManualClock, language: str
) -> None:
    says = SAYS[language]
    await booked_and_confirmed(app.bot_data.services, await _patient(app, world, language))
    clock.set(madrid(2026, 12, 3, 10, 30))  # the session's end
    aftercare = _text(
        await world.patient.next_bot_message(where=lambda m: says["aftercare"] in _text(m))
    )
    assert says["expected"] in aftercare
    assert says["report_at_once"] in aftercare
    assert says["old_colour"] not in aftercare
    assert says["usual_healing"] in aftercare  # facial rejuvenation: one to two weeks


@pytest.mark.parametrize("language", LANGUAGES)
async def test_blepharoplasty_heals_in_six_weeks_with_check_ins_until_day_42(
    app: MesobotApplication, world: CareWorld, clock: ManualClock, language: str
) -> None:
    """Its aftercare and its answer to "Mild" say six weeks, never one to two; its check-ins
    go on at days 28 and 42, on the test clock, and none after."""
    says = SAYS[language]
    services = app.bot_data.services
    (session,) = await booked_and_confirmed(
        services,
        await _patient(app, world, language),
        treatment="lower_blepharoplasty",
        session_count=1,
    )
    clock.set(madrid(2026, 12, 3, 10, 30))
    aftercare = _text(
        await world.patient.next_bot_message(where=lambda m: says["aftercare"] in _text(m))
    )
    assert says["eye_healing"] in aftercare
    assert says["usual_healing"] not in aftercare
    check_ins: list[Message] = []

    def asked() -> list[Message]:
        return [m for m in world.patient.bot_messages if says["check_in"] in _text(m)]

    for day in (1, 3, 7, 14, 28, 42):
        due = check_in_due(session, day, clinic=services.clinic)
        clock.set(due - timedelta(minutes=1))
        await world.emulator.wait_until_delivered()
        assert len(asked()) == len(check_ins), day  # not early
        clock.set(due)
        check_ins.append(
            await world.patient.next_bot_message(
                where=lambda m: (
                    says["check_in"] in _text(m) and all(m is not seen for seen in check_ins)
                )
            )
        )
    world.patient.press_button(says["mild"], message=check_ins[-1])
    thanks = await world.patient.next_bot_message(
        after=check_ins[-1], where=lambda m: "/report" in _text(m)
    )
    assert says["eye_healing"] in _text(thanks)
    assert says["usual_healing"] not in _text(thanks)
    clock.set(madrid(2027, 3, 1, 12, 0))
    await world.emulator.wait_until_delivered()
    assert len(asked()) == 6


def test_other_treatments_keep_check_ins_to_day_14() -> None:
    """Blepharoplasty's days are a per-treatment default; a clinic file's own entries add to
    the defaults instead of dropping them."""
    clinic = sample_clinic()
    assert clinic.care.check_in_days_for("facial_rejuvenation") == (1, 3, 7, 14)
    assert clinic.care.check_in_days_for("lower_blepharoplasty") == (1, 3, 7, 14, 28, 42)
    own = CareSettings(check_in_days_by_treatment={"cellulite": (1, 7)})
    assert own.check_in_days_for("cellulite") == (1, 7)
    assert own.check_in_days_for("lower_blepharoplasty") == (1, 3, 7, 14, 28, 42)
    # A clinic that does not offer blepharoplasty is not refused for its default...
    raw = tomllib.loads(DEFAULT_CLINIC_FILE.read_text(encoding="utf-8"))
    del raw["treatments"]["lower_blepharoplasty"]
    assert "lower_blepharoplasty" not in parse_clinic(raw, source="clinic.toml").treatments
    # ...while a key the clinic file gives itself must still name a treatment.
    raw["care"] = {"check_in_days_by_treatment": {"cellulitis": [1, 7]}}
    with pytest.raises(ClinicFileError, match="no treatment has the key 'cellulitis'"):
        parse_clinic(raw, source="clinic.toml")
