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

from mesobot.catalog import LocalizedText, fits_a_button
from mesobot.i18n import N_, available_languages, translations

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


def _built_in(message: str) -> LocalizedText:
    """A default text in every language the bot has a catalog for; CI checks that each
    catalog translates it, so no language silently gets the English."""
    languages = sorted(available_languages())
    return LocalizedText({code: translations(code).gettext(message) for code in languages})


class ReactionSign(_Strict):
    """A sign a patient can report: plain words for them, a possible reaction for staff."""

    label: LocalizedText  # on the button: at most BUTTON_LABEL_MAX characters, every language
    # The longer plain-words description, shown in the message above the buttons; `{phone}`
    # and `{emergency_phone}` are filled in where they appear.
    description: LocalizedText | None = None
    # The possible reaction, shown to staff only ("possible necrosis"), in the staff's language.
    staff_label: LocalizedText
    severity: Annotated[str, Field(pattern=r"^(low|moderate|high|emergency)$")]

    @field_validator("label")
    @classmethod
    def _fits_a_button(cls, label: LocalizedText) -> LocalizedText:
        return fits_a_button(label, what="label", rest="put the rest in `description`")

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
            label=_built_in(N_("Trouble breathing, swollen lips")),
            description=_built_in(
                N_(
                    "It is hard to breathe or swallow, or your lips, tongue or throat are "
                    "swelling: call {emergency_phone} first."
                )
            ),
            staff_label=_built_in(N_("possible severe allergic (hypersensitivity) reaction")),
            severity="emergency",
        ),
        "skin_colour": ReactionSign(
            label=_built_in(N_("Pale, grey-blue or dark skin")),
            description=_built_in(
                N_(
                    "Skin where you were treated turns pale, white, grey-blue, dark or black, or "
                    "a sore there does not heal. Report it at once: do not wait for it to pass."
                )
            ),
            staff_label=_built_in(N_("possible skin necrosis")),
            severity="high",
        ),
        "infection": ReactionSign(
            label=_built_in(N_("Redness spreading, pus or fever")),
            description=_built_in(
                N_("Redness that keeps spreading, skin that feels hot, pus, or a fever.")
            ),
            staff_label=_built_in(N_("possible infection or abscess")),
            severity="high",
        ),
        MILD_ALLERGY: ReactionSign(
            label=_built_in(N_("Hives or itching elsewhere")),
            description=_built_in(
                N_(
                    "Itchy raised bumps (hives) or itching on parts of your body that were not "
                    "treated. Report it, and call the clinic today on {phone}. Swelling of the "
                    "treated area itself, face and under the eyes included, is expected."
                )
            ),
            staff_label=_built_in(
                N_("possible mild allergic reaction (hives or itching away from the site)")
            ),
            severity="high",
        ),
    }


def _lesser_signs() -> dict[str, ReactionSign]:
    return {
        "swelling": ReactionSign(
            label=_built_in(N_("Swelling that grows or hurts")),
            description=_built_in(
                N_(
                    "A swelling that keeps growing, hurts more each day or feels hard. Soft "
                    "swelling where you were treated is expected."
                )
            ),
            staff_label=_built_in(N_("possible hematoma or abscess")),
            severity="moderate",
        ),
        "dark_patches": ReactionSign(
            label=_built_in(N_("Brown patches that stay")),
            description=_built_in(
                N_("Flat brown patches that stay on the skin after any bruise has faded.")
            ),
            staff_label=_built_in(N_("possible hyperpigmentation")),
            severity="low",
        ),
        "nausea": ReactionSign(
            label=_built_in(N_("Nausea")),
            description=_built_in(N_("Feeling sick to your stomach after the session.")),
            staff_label=_built_in(N_("nausea (a known, usually mild effect)")),
            severity="low",
        ),
        "other": ReactionSign(
            label=_built_in(N_("Something else")),
            description=_built_in(N_("Anything else that worries you: you can describe it next.")),
            staff_label=_built_in(N_("something else: read the description")),
            severity="moderate",
        ),
    }


class CareTexts(_Strict):
    """Patient-facing care texts per language. `{clinic}`, `{phone}`, `{emergency_phone}`,
    `{treatment}`, `{date}`, `{time}` and `{minutes}` (the session's length) are filled in
    where they appear."""

    reminder: LocalizedText = _built_in(
        N_("Reminder: your {treatment} session at {clinic} is on {date} at {time}.")
    )
    preparation: LocalizedText = _built_in(
        N_(
            "Tomorrow is your {treatment} session. It takes {minutes} minutes; the needles are "
            "very fine, so most people feel little or no pain, and you can go back to your usual "
            "day straight afterwards."
        )
    )
    # `{healing}` is how long the usual effects last for this treatment, as a sentence.
    aftercare: LocalizedText = _built_in(
        N_(
            "After your {treatment} session it is normal to notice, where the needle went in: "
            "burning, itching or soreness, some redness, a bruise, some swelling, and sometimes "
            "brief numbness. A few people feel slightly sick. {healing} You can carry on with "
            "your daily life; follow any advice your practitioner gave you. Report at once, with "
            "/report or by calling the clinic on {phone}, if the skin turns pale, white, "
            "grey-blue or dark, or a sore does not heal. Send /report too if anything else looks "
            "unusual, gets worse or worries you."
        )
    )
    check_in: LocalizedText = _built_in(
        N_("How is the treated area after your {treatment} session on {date}?")
    )
    emergency: LocalizedText = _built_in(
        N_(
            "If you have difficulty breathing, or your lips, tongue or throat are swelling, call "
            "emergency services now on {emergency_phone}. Do not wait for the clinic's answer."
        )
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
            "lower_blepharoplasty": _built_in(
                N_("Under the eyes recovery is slower: swelling can last up to six weeks.")
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
