"""The `[care]` section of the clinic file: texts, timings and the reaction-sign mapping.

Every field has a default, written from the clinic's patient article in our own words, so a
clinic file without `[care]` still works. Labels such as "possible necrosis" are for staff only:
patients only ever see a sign's plain-words `label`.
"""

from __future__ import annotations

import re
from datetime import time
from enum import IntEnum
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from mesobot.catalog import LocalizedText

_QUIET = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")
_SIGN_KEY = r"^[a-z][a-z0-9_]{0,15}$"  # travels in 64-byte callback data


class Severity(IntEnum):
    """How soon staff must act on a sign; higher is more urgent (lists sort by it)."""

    LOW = 1
    MODERATE = 2
    HIGH = 3
    EMERGENCY = 4  # severe allergic reaction: emergency services first, at once


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _text(en: str, es: str) -> LocalizedText:
    return LocalizedText({"en": en, "es": es})


class ReactionSign(_Strict):
    """A sign a patient can report: plain words for them, a possible reaction for staff."""

    label: LocalizedText  # what the patient sees on the button
    staff_label: str  # the possible reaction, shown to staff only ("possible necrosis")
    severity: Annotated[str, Field(pattern=r"^(low|moderate|high|emergency)$")]

    @property
    def level(self) -> Severity:
        """The severity as a comparable level."""
        return Severity[self.severity.upper()]


def _default_signs() -> dict[str, ReactionSign]:
    return {
        "skin_colour": ReactionSign(
            label=_text(
                "Skin turning dark, grey-blue, white or black, or a sore that does not heal",
                "Piel que se vuelve oscura, gris azulada, blanca o negra, o una herida que no "
                "cura",
            ),
            staff_label="possible skin necrosis",
            severity="high",
        ),
        "infection": ReactionSign(
            label=_text(
                "Spreading redness, heat, pus or fever",
                "Enrojecimiento que se extiende, calor, pus o fiebre",
            ),
            staff_label="possible infection or abscess",
            severity="high",
        ),
        "swelling": ReactionSign(
            label=_text(
                "A swelling that grows, hurts or feels hard",
                "Una hinchazón que crece, duele o está dura",
            ),
            staff_label="possible hematoma or abscess",
            severity="moderate",
        ),
        "dark_patches": ReactionSign(
            label=_text("Dark patches on the skin", "Manchas oscuras en la piel"),
            staff_label="possible hyperpigmentation",
            severity="low",
        ),
        "allergy": ReactionSign(
            label=_text(
                "Hives, itching away from the site, swelling of lips, face or tongue, or "
                "difficulty breathing",
                "Ronchas, picor lejos de la zona, hinchazón de labios, cara o lengua, o "
                "dificultad para respirar",
            ),
            staff_label="possible severe allergic (hypersensitivity) reaction",
            severity="emergency",
        ),
        "nausea": ReactionSign(
            label=_text("Nausea", "Náuseas"),
            staff_label="nausea (a known, usually mild effect)",
            severity="low",
        ),
        "other": ReactionSign(
            label=_text("Something else", "Otra cosa"),
            staff_label="something else: read the description",
            severity="moderate",
        ),
    }


class CareTexts(_Strict):
    """Patient-facing care texts per language. `{clinic}`, `{phone}`, `{emergency_phone}`,
    `{treatment}`, `{date}` and `{time}` are filled in where they appear."""

    reminder: LocalizedText = _text(
        "Reminder: your {treatment} session at {clinic} is on {date} at {time}.",
        "Recordatorio: tu sesión de {treatment} en {clinic} es el {date} a las {time}.",
    )
    preparation: LocalizedText = _text(
        "Tomorrow is your {treatment} session. It takes about 30 minutes; the needles are "
        "very fine, so most people feel little or no pain, and you can go back to your usual "
        "day straight afterwards.",
        "Mañana es tu sesión de {treatment}. Dura unos 30 minutos; las agujas son muy finas, "
        "así que la mayoría siente poco o ningún dolor, y puedes seguir con tu día justo "
        "después.",
    )
    aftercare: LocalizedText = _text(
        "After your {treatment} session it is normal to notice, where the needle went in: "
        "burning, itching or soreness, a bruise, some swelling, and sometimes brief numbness "
        "or a change of skin colour. A few people feel slightly sick. These usually settle on "
        "their own within one to two weeks. You can carry on with your daily life; follow any "
        "advice your practitioner gave you. If something looks unusual, gets worse or worries "
        "you, send /report or call the clinic on {phone}.",
        "Después de tu sesión de {treatment} es normal notar, en los puntos de inyección: "
        "ardor, picor o molestias, algún hematoma, algo de hinchazón y a veces un "
        "adormecimiento breve o un cambio de color de la piel. Algunas personas sienten "
        "náuseas leves. Suele pasar solo en una o dos semanas. Puedes seguir con tu vida "
        "normal; sigue los consejos de tu profesional. Si algo parece raro, empeora o te "
        "preocupa, envía /report o llama a la clínica al {phone}.",
    )
    check_in: LocalizedText = _text(
        "How is the treated area after your {treatment} session on {date}?",
        "¿Cómo está la zona tratada después de tu sesión de {treatment} del {date}?",
    )
    emergency: LocalizedText = _text(
        "If you have difficulty breathing, or swelling of the lips, face or tongue, call "
        "emergency services now on {emergency_phone}. Do not wait for the clinic's answer.",
        "Si te cuesta respirar o se te hinchan los labios, la cara o la lengua, llama ahora "
        "a emergencias al {emergency_phone}. No esperes la respuesta de la clínica.",
    )


class CareSettings(_Strict):
    """Timings and texts of the care between sessions."""

    reminder_hours_before: tuple[Annotated[int, Field(ge=1, le=24 * 14)], ...] = (24, 2)
    # Preparation goes the day before at this local time (or at once, when booked later).
    preparation_local_time: time = time(18, 0)
    check_in_days: tuple[Annotated[int, Field(ge=1, le=366)], ...] = (1, 3, 7, 14)
    check_in_days_by_treatment: dict[str, tuple[Annotated[int, Field(ge=1, le=366)], ...]] = {}
    quiet_hours: str = "21:00-09:00"
    # Staff hear of two unanswered check-ins in a row this long after the second was due.
    check_in_answer_hours: Annotated[int, Field(ge=1, le=24 * 7)] = 24
    escalation_minutes: Annotated[int, Field(ge=1, le=24 * 60)] = 30
    escalation_max_resends: Annotated[int, Field(ge=0, le=50)] = 4
    texts: CareTexts = CareTexts()
    # Added to the aftercare of one treatment (the treatment's own `preparation` text is added
    # to its preparation message the same way).
    aftercare_by_treatment: dict[str, LocalizedText] = Field(
        default_factory=lambda: {
            "lower_blepharoplasty": _text(
                "Under the eyes recovery is slower: swelling can last up to six weeks.",
                "Bajo los ojos la recuperación es más lenta: la hinchazón puede durar hasta "
                "seis semanas.",
            )
        }
    )
    signs: dict[Annotated[str, Field(pattern=_SIGN_KEY)], ReactionSign] = Field(
        default_factory=_default_signs, min_length=1
    )

    @field_validator("quiet_hours")
    @classmethod
    def _quiet_range(cls, text: str) -> str:
        match = _QUIET.match(text)
        if match is None:
            raise ValueError(f"{text!r} is not like '21:00-09:00'")
        start_h, start_m, end_h, end_m = (int(part) for part in match.groups())
        if max(start_h, end_h) > 23 or max(start_m, end_m) > 59:
            raise ValueError(f"{text!r} is not a valid time range")
        return text

    @model_validator(mode="after")
    def _sorted_days(self) -> Self:
        if len(set(self.check_in_days)) != len(self.check_in_days):
            raise ValueError("check_in_days lists a day twice")
        return self

    def quiet_window(self) -> tuple[time, time]:
        """The quiet hours' local start and end (the end may be earlier: it wraps midnight)."""
        match = _QUIET.match(self.quiet_hours)
        assert match is not None
        start_h, start_m, end_h, end_m = (int(part) for part in match.groups())
        return time(start_h, start_m), time(end_h, end_m)

    def check_in_days_for(self, treatment: str) -> tuple[int, ...]:
        """The days after a session on which this treatment's check-ins go, in order."""
        return tuple(sorted(self.check_in_days_by_treatment.get(treatment, self.check_in_days)))
