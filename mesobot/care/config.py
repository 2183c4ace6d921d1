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


# Telegram shows an inline button on one line of a phone: a longer label is cut off.
BUTTON_LABEL_MAX = 32


class ReactionSign(_Strict):
    """A sign a patient can report: plain words for them, a possible reaction for staff."""

    label: LocalizedText  # on the button: at most BUTTON_LABEL_MAX characters, every language
    # The longer plain-words description, shown in the message above the buttons; `{phone}`
    # and `{emergency_phone}` are filled in where they appear.
    description: LocalizedText | None = None
    staff_label: str  # the possible reaction, shown to staff only ("possible necrosis")
    severity: Annotated[str, Field(pattern=r"^(low|moderate|high|emergency)$")]

    @field_validator("label")
    @classmethod
    def _fits_a_button(cls, label: LocalizedText) -> LocalizedText:
        for code, text in label.root.items():
            if len(text) > BUTTON_LABEL_MAX:
                raise ValueError(
                    f"the {code!r} label has {len(text)} characters; a button shows at most "
                    f"{BUTTON_LABEL_MAX} (put the rest in `description`)"
                )
        return label

    @property
    def level(self) -> Severity:
        """The severity as a comparable level."""
        return Severity[self.severity.upper()]


# The two halves of the old "allergy" sign: a data migration moved the reports stored under
# it to the severe one, the safer reading.
SEVERE_ALLERGY = "severe_allergy"
MILD_ALLERGY = "mild_allergy"
# Sign keys that older chooser messages still carry in their buttons, and the key they mean now.
RENAMED_SIGNS = {"allergy": SEVERE_ALLERGY}


def _default_signs() -> dict[str, ReactionSign]:
    # In the chooser's order (emergency signs go first in any case).
    return {**_urgent_signs(), **_lesser_signs()}


def _urgent_signs() -> dict[str, ReactionSign]:
    return {
        SEVERE_ALLERGY: ReactionSign(
            label=_text("Trouble breathing, swollen lips", "Ahogo, labios o lengua hinchados"),
            description=_text(
                "It is hard to breathe or swallow, or your lips, tongue or throat are "
                "swelling: call {emergency_phone} first.",
                "Te cuesta respirar o tragar, o se te hinchan los labios, la lengua o la "
                "garganta: llama primero al {emergency_phone}.",
            ),
            staff_label="possible severe allergic (hypersensitivity) reaction",
            severity="emergency",
        ),
        "skin_colour": ReactionSign(
            label=_text("Pale, grey-blue or dark skin", "Piel pálida, azulada u oscura"),
            description=_text(
                "Skin where you were treated turns pale, white, grey-blue, dark or black, or "
                "a sore there does not heal. Report it at once: do not wait for it to pass.",
                "La piel de la zona tratada se vuelve pálida, blanca, gris azulada, oscura o "
                "negra, o una herida no se cura. Avisa enseguida: no esperes a que se pase.",
            ),
            staff_label="possible skin necrosis",
            severity="high",
        ),
        "infection": ReactionSign(
            label=_text("Redness spreading, pus or fever", "Rojez creciente, pus o fiebre"),
            description=_text(
                "Redness that keeps spreading, skin that feels hot, pus, or a fever.",
                "Un enrojecimiento que se sigue extendiendo, piel caliente, pus o fiebre.",
            ),
            staff_label="possible infection or abscess",
            severity="high",
        ),
        MILD_ALLERGY: ReactionSign(
            label=_text("Hives or itching elsewhere", "Ronchas o picor en otras zonas"),
            description=_text(
                "Itchy raised bumps (hives) or itching on parts of your body that were not "
                "treated. Report it, and call the clinic today on {phone}. Swelling of the "
                "treated area itself, face and under the eyes included, is expected.",
                "Ronchas que pican o picor en partes del cuerpo que no se trataron. Avisa "
                "aquí y llama hoy a la clínica al {phone}. Que se hinche la zona tratada, "
                "también la cara o bajo los ojos, es esperable.",
            ),
            staff_label="possible mild allergic reaction (hives or itching away from the site)",
            severity="high",
        ),
    }


def _lesser_signs() -> dict[str, ReactionSign]:
    return {
        "swelling": ReactionSign(
            label=_text("Swelling that grows or hurts", "Hinchazón que crece o duele"),
            description=_text(
                "A swelling that keeps growing, hurts more each day or feels hard. Soft "
                "swelling where you were treated is expected.",
                "Una hinchazón que sigue creciendo, duele cada día más o está dura. Una "
                "hinchazón blanda en la zona tratada es esperable.",
            ),
            staff_label="possible hematoma or abscess",
            severity="moderate",
        ),
        "dark_patches": ReactionSign(
            label=_text("Brown patches that stay", "Manchas marrones que no se van"),
            description=_text(
                "Flat brown patches that stay on the skin after any bruise has faded.",
                "Manchas marrones y planas que siguen en la piel cuando el hematoma ya se ha ido.",
            ),
            staff_label="possible hyperpigmentation",
            severity="low",
        ),
        "nausea": ReactionSign(
            label=_text("Nausea", "Náuseas"),
            description=_text(
                "Feeling sick to your stomach after the session.",
                "Ganas de vomitar o el estómago revuelto después de la sesión.",
            ),
            staff_label="nausea (a known, usually mild effect)",
            severity="low",
        ),
        "other": ReactionSign(
            label=_text("Something else", "Otra cosa"),
            description=_text(
                "Anything else that worries you: you can describe it next.",
                "Cualquier otra cosa que te preocupe: podrás describirla después.",
            ),
            staff_label="something else: read the description",
            severity="moderate",
        ),
    }


class CareTexts(_Strict):
    """Patient-facing care texts per language. `{clinic}`, `{phone}`, `{emergency_phone}`,
    `{treatment}`, `{date}`, `{time}` and `{minutes}` (the session's length) are filled in
    where they appear."""

    reminder: LocalizedText = _text(
        "Reminder: your {treatment} session at {clinic} is on {date} at {time}.",
        "Recordatorio: tu sesión de {treatment} en {clinic} es el {date} a las {time}.",
    )
    preparation: LocalizedText = _text(
        "Tomorrow is your {treatment} session. It takes {minutes} minutes; the needles are "
        "very fine, so most people feel little or no pain, and you can go back to your usual "
        "day straight afterwards.",
        "Mañana es tu sesión de {treatment}. Dura {minutes} minutos; las agujas son muy finas, "
        "así que la mayoría siente poco o ningún dolor, y puedes seguir con tu día justo "
        "después.",
    )
    # `{healing}` is how long the usual effects last for this treatment, as a sentence.
    aftercare: LocalizedText = _text(
        "After your {treatment} session it is normal to notice, where the needle went in: "
        "burning, itching or soreness, some redness, a bruise, some swelling, and sometimes "
        "brief numbness. A few people feel slightly sick. {healing} You can carry on with "
        "your daily life; follow any advice your practitioner gave you. Report at once, with "
        "/report or by calling the clinic on {phone}, if the skin turns pale, white, "
        "grey-blue or dark, or a sore does not heal. Send /report too if anything else looks "
        "unusual, gets worse or worries you.",
        "Después de tu sesión de {treatment} es normal notar, en los puntos de inyección: "
        "ardor, picor o molestias, algo de enrojecimiento, un hematoma, algo de hinchazón y "
        "a veces un adormecimiento breve. Algunas personas sienten náuseas leves. {healing} "
        "Puedes seguir con tu vida normal; sigue los consejos de tu profesional. Avisa "
        "enseguida, con /report o llamando a la clínica al {phone}, si la piel se vuelve "
        "pálida, blanca, gris azulada u oscura, o si una herida no se cura. Envía /report "
        "también si algo más parece raro, empeora o te preocupa.",
    )
    check_in: LocalizedText = _text(
        "How is the treated area after your {treatment} session on {date}?",
        "¿Cómo está la zona tratada después de tu sesión de {treatment} del {date}?",
    )
    emergency: LocalizedText = _text(
        "If you have difficulty breathing, or your lips, tongue or throat are swelling, call "
        "emergency services now on {emergency_phone}. Do not wait for the clinic's answer.",
        "Si te cuesta respirar o se te hinchan los labios, la lengua o la garganta, llama "
        "ahora a emergencias al {emergency_phone}. No esperes la respuesta de la clínica.",
    )


# Per treatment, the check-in days that differ from `check_in_days`.
DEFAULT_CHECK_IN_DAYS_BY_TREATMENT: dict[str, tuple[int, ...]] = {
    "lower_blepharoplasty": (1, 3, 7, 14, 28, 42),
}


class CareSettings(_Strict):
    """Timings and texts of the care between sessions."""

    reminder_hours_before: tuple[Annotated[int, Field(ge=1, le=24 * 14)], ...] = (24, 2)
    # Preparation goes the day before at this local time (or at once, when booked later).
    preparation_local_time: time = time(18, 0)
    check_in_days: tuple[Annotated[int, Field(ge=1, le=366)], ...] = (1, 3, 7, 14)
    # Merged over the defaults: blepharoplasty's swelling can last six weeks, so its
    # check-ins go on until then unless the clinic file sets its own days.
    check_in_days_by_treatment: dict[str, tuple[Annotated[int, Field(ge=1, le=366)], ...]] = Field(
        default_factory=lambda: dict(DEFAULT_CHECK_IN_DAYS_BY_TREATMENT)
    )
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

    @field_validator("check_in_days_by_treatment", mode="before")
    @classmethod
    def _over_the_defaults(cls, given: object) -> object:
        if isinstance(given, dict):
            return {**DEFAULT_CHECK_IN_DAYS_BY_TREATMENT, **given}
        return given

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

    def sign_key(self, key: str) -> str | None:
        """The clinic's sign a button's key stands for: itself, or what a renamed key became
        (a chooser sent before the allergy sign was split); None if the clinic has neither."""
        if key in self.signs:
            return key
        renamed = RENAMED_SIGNS.get(key)
        return renamed if renamed in self.signs else None

    def check_in_days_for(self, treatment: str) -> tuple[int, ...]:
        """The days after a session on which this treatment's check-ins go, in order."""
        return tuple(sorted(self.check_in_days_by_treatment.get(treatment, self.check_in_days)))
