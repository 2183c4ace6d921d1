"""The treatment catalog: what each treatment is, costs and needs, as the clinic file states it."""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import StrEnum
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, RootModel, field_validator, model_validator

from mesobot.scheduling.series import SeriesRule

_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})*$")


class FieldError(ValueError):
    """A rule about `field` (dotted, relative to the model that raises it) is broken."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class Area(StrEnum):
    """The body areas fat reduction treats, as the clinic's source article lists them."""

    STOMACH = "stomach"
    LOVE_HANDLES = "love_handles"
    THIGHS = "thighs"
    BUTTOCKS = "buttocks"
    ABDOMEN = "abdomen"
    NECK = "neck"
    ARMS = "arms"
    LEGS = "legs"
    CHIN = "chin"


class LocalizedText(RootModel[dict[str, str]]):
    """One text in several languages, keyed by lower-case language code. Which languages it
    must have is the clinic's choice (`[clinic] languages`), checked with `missing`."""

    @field_validator("root")
    @classmethod
    def _clean(cls, texts: dict[str, str]) -> dict[str, str]:
        if not texts:
            raise ValueError("give the text in each of the clinic's languages")
        for code, text in texts.items():
            if not _LANGUAGE.match(code):
                raise ValueError(f"{code!r} is not a lower-case language code such as 'en'")
            if not text.strip():
                raise ValueError(f"the {code!r} text is empty")
        return {code: text.strip() for code, text in texts.items()}

    def missing(self, languages: Iterable[str]) -> list[str]:
        """Which of `languages` this text is not given in."""
        return [code for code in languages if code not in self.root]

    def in_language(self, code: str) -> str:
        """The text for `code` ('pt-br' falls back to 'pt'). The clinic file is checked to
        hold every declared language, and people are only ever written to in one of those;
        the first text given is a last resort, never reached by a checked file."""
        code = code.lower()
        texts = self.root
        return texts.get(code) or texts.get(code.split("-")[0]) or next(iter(texts.values()))


class _Strict(BaseModel):
    # A typo in the clinic file is refused instead of silently ignored.
    model_config = ConfigDict(extra="forbid", frozen=True)


def _refuse_reversed(low: int, high: int) -> None:
    """The one check every min/max pair of the clinic file passes, with the one message."""
    if low > high:
        raise ValueError(f"min ({low}) is above max ({high})")


class SessionRange(_Strict):
    """How many sessions a course has."""

    min: Annotated[int, Field(ge=1)]
    max: Annotated[int, Field(ge=1, le=12)]

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        _refuse_reversed(self.min, self.max)
        return self


class GapDays(_Strict):
    """Local calendar days between consecutive sessions.

    `preferred` is where the planner looks first; it defaults to `min`, because the source's
    ranges ("every 2 to 3 weeks") start at whole weeks, so the course keeps the first
    session's weekday and only a full day moves a session, always later, inside the window.
    """

    min: Annotated[int, Field(ge=1)]
    max: Annotated[int, Field(ge=1, le=366)]
    preferred: Annotated[int, Field(ge=1)] | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        _refuse_reversed(self.min, self.max)
        if self.preferred is not None and not self.min <= self.preferred <= self.max:
            raise ValueError(f"preferred ({self.preferred}) is outside {self.min} to {self.max}")
        return self

    @property
    def preferred_days(self) -> int:
        """The preferred gap, defaulting to the minimum."""
        return self.min if self.preferred is None else self.preferred


class PriceRange(_Strict):
    """Price of one session in minor units (cents) of an ISO 4217 currency."""

    min: Annotated[int, Field(ge=0)] = 25000
    max: Annotated[int, Field(ge=0)] = 60000
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = "USD"

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        _refuse_reversed(self.min, self.max)
        return self


# Telegram shows an inline button on one line of a phone: a longer label is cut off.
BUTTON_LABEL_MAX = 32


def fits_a_button(text: LocalizedText, *, what: str, rest: str) -> LocalizedText:
    """`text`, if it fits a button in every language; else the error naming the language."""
    for code, label in text.root.items():
        if len(label) > BUTTON_LABEL_MAX:
            raise ValueError(
                f"the {code!r} {what} has {len(label)} characters; a button shows at most "
                f"{BUTTON_LABEL_MAX} ({rest})"
            )
    return text


class Treatment(_Strict):
    """One treatment the clinic offers, with its series rule and patient-facing texts."""

    name: LocalizedText
    summary: LocalizedText  # what it treats, in a sentence or two
    sessions: SessionRange
    gap_days: GapDays | None = None  # required when a course can have more than one session
    # True: patients book `sessions.min`; a practitioner adds more (up to max) when needed.
    extra_sessions_on_practitioner_advice: bool = False
    session_minutes: Annotated[int, Field(ge=5, le=60)] = 30
    price_per_session: PriceRange = PriceRange()
    areas: tuple[Area, ...] = ()  # when given, the patient picks exactly one
    contents: LocalizedText  # what the injections usually contain
    side_effects: LocalizedText
    side_effects_usual_days: Annotated[int, Field(ge=1, le=366)]
    preparation: LocalizedText | None = None
    # With `preparation`: it goes to the patient when a session is confirmed and again this
    # many days before it (a prescription, such as cortisone, takes time to get).
    preparation_days_before: Annotated[int, Field(ge=1, le=60)] | None = None

    @field_validator("name")
    @classmethod
    def _fits_a_button(cls, name: LocalizedText) -> LocalizedText:
        # Patients choose a treatment by its name on a button.
        return fits_a_button(name, what="name", rest="say more in `summary`")

    @model_validator(mode="after")
    def _gap_when_needed(self) -> Self:
        if self.sessions.max > 1 and self.gap_days is None:
            raise FieldError("gap_days", "required when a course can have more than one session")
        if len(set(self.areas)) != len(self.areas):
            raise FieldError("areas", "lists an area twice")
        if self.preparation_days_before is not None and self.preparation is None:
            raise FieldError("preparation_days_before", "needs a `preparation` text to send")
        return self

    def series_rule(self) -> SeriesRule:
        """The planner's view of this treatment."""
        gap = self.gap_days or GapDays(min=1, max=1)  # never used: one session has no gap
        return SeriesRule(
            min_sessions=self.sessions.min,
            max_sessions=self.sessions.max,
            min_gap_days=gap.min,
            max_gap_days=gap.max,
            preferred_gap_days=gap.preferred_days,
            duration_minutes=self.session_minutes,
        )

    def bookable_session_counts(self) -> range:
        """The counts a patient may choose when booking."""
        if self.extra_sessions_on_practitioner_advice:
            return range(self.sessions.min, self.sessions.min + 1)
        return range(self.sessions.min, self.sessions.max + 1)

    def course_price(self, session_count: int) -> tuple[int, int]:
        """The lowest and highest price of a course of `session_count` sessions, in minor units."""
        return (
            session_count * self.price_per_session.min,
            session_count * self.price_per_session.max,
        )
