"""The sign chooser a report starts with: emergency signs first, the emergency advice above
the buttons, each sign's longer description in the message (its button keeps a short label)."""

from __future__ import annotations

from mesobot.care.config import ReactionSign, Severity
from mesobot.catalog import LocalizedText
from mesobot.clinic import Clinic
from mesobot.i18n import translations
from mesobot.texts import care as texts
from mesobot.texts import escape


def _filled(text: LocalizedText, clinic: Clinic, language: str) -> str:
    # Clinic texts are plain: escaped whole, then the phone numbers filled in (escaped).
    result = escape(text.in_language(language))
    for key, value in (
        ("phone", clinic.clinic.phone),
        ("emergency_phone", clinic.clinic.emergency_phone),
    ):
        result = result.replace("{" + key + "}", escape(value))
    return result


def emergency_advice(clinic: Clinic, language: str) -> str:
    """What to do at once about a severe allergic reaction (HTML): call the emergency number."""
    return _filled(clinic.care.texts.emergency, clinic, language)


def ordered_signs(clinic: Clinic) -> list[tuple[str, ReactionSign]]:
    """The signs in the chooser's order: emergency ones first, then as the clinic file lists
    them."""
    signs = list(clinic.care.signs.items())
    return [item for item in signs if item[1].level == Severity.EMERGENCY] + [
        item for item in signs if item[1].level != Severity.EMERGENCY
    ]


def chooser_text(clinic: Clinic, language: str, *, staffed: bool) -> str:
    """The message above the sign buttons, in the patient's language (HTML)."""
    signs = ordered_signs(clinic)
    urgent = any(sign.level == Severity.EMERGENCY for _key, sign in signs)
    descriptions = [
        (
            escape(sign.label.in_language(language)),
            _filled(sign.description, clinic, language),
        )
        for _key, sign in signs
        if sign.description is not None
    ]
    return texts.choose_sign(
        translations(language),
        staffed=staffed,
        emergency=emergency_advice(clinic, language) if urgent else None,
        descriptions=descriptions,
    )
