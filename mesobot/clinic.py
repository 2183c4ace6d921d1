"""The clinic file (TOML): who the clinic is, when it opens, who works, and what it offers."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator, Mapping
from datetime import date, datetime, time, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Annotated, Any, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from mesobot.calendar_files import CalendarSource
from mesobot.care.config import (
    DEFAULT_CHECK_IN_DAYS_BY_TREATMENT,
    CareSettings,
    CareTexts,
    Severity,
)
from mesobot.catalog import FieldError, LocalizedText, Treatment
from mesobot.i18n import available_languages
from mesobot.privacy.settings import RetentionSettings
from mesobot.scheduling.calendar import WEEKDAYS, Calendar, Closure, OpeningInterval
from mesobot.scheduling.localtime import zone_named

_SLUG = r"^[a-z][a-z0-9_-]{0,31}$"  # short: ids travel in 64-byte callback data
_HOURS = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")


_TreatmentKey = Annotated[str, Field(pattern=_SLUG)]


class ClinicFileError(Exception):
    """The clinic file cannot be used; the message is one line naming the file and the field."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _parse_hours(text: str) -> OpeningInterval:
    match = _HOURS.match(text)
    if match is None:
        raise ValueError(f"{text!r} is not like '09:00-13:00'")
    start_h, start_m, end_h, end_m = (int(part) for part in match.groups())
    if start_h > 23 or end_h > 24 or start_m > 59 or end_m > 59 or (end_h == 24 and end_m):
        raise ValueError(f"{text!r} is not a valid time range")
    start, end = start_h * 60 + start_m, end_h * 60 + end_m
    if start >= end:
        raise ValueError(f"{text!r} ends before it starts")
    return OpeningInterval(start, end)


class OpeningHours(_Strict):
    """Per weekday, a list of 'HH:MM-HH:MM' ranges (split days allowed); missing means closed."""

    monday: tuple[str, ...] = ()
    tuesday: tuple[str, ...] = ()
    wednesday: tuple[str, ...] = ()
    thursday: tuple[str, ...] = ()
    friday: tuple[str, ...] = ()
    saturday: tuple[str, ...] = ()
    sunday: tuple[str, ...] = ()

    @field_validator(*WEEKDAYS)
    @classmethod
    def _valid_ranges(cls, ranges: tuple[str, ...]) -> tuple[str, ...]:
        intervals = sorted((_parse_hours(text) for text in ranges), key=lambda i: i.start_minute)
        for before, after in pairwise(intervals):
            if before.end_minute > after.start_minute:
                raise ValueError("opening hours overlap")
        return ranges

    def weekly(self) -> tuple[tuple[OpeningInterval, ...], ...]:
        """Monday first, each day's intervals in order."""
        days = (getattr(self, name) for name in WEEKDAYS)
        return tuple(
            tuple(sorted((_parse_hours(t) for t in day), key=lambda i: i.start_minute))
            for day in days
        )


class Resource(_Strict):
    """A practitioner or a room; a session holds one resource for its whole length."""

    id: Annotated[str, Field(pattern=_SLUG)]
    name: str
    kind: Annotated[str, Field(pattern=r"^(practitioner|room)$")] = "practitioner"


class ClosureEntry(_Strict):
    """Whole local days (`first_day`..`last_day`) or a local time range (`start`..`end`)."""

    first_day: date | None = None
    last_day: date | None = None
    start: datetime | None = None
    end: datetime | None = None
    resource: str | None = None  # absent: the whole clinic closes
    reason: str = ""

    @model_validator(mode="after")
    def _one_shape(self) -> Self:
        days = self.first_day is not None
        times = self.start is not None or self.end is not None
        if days == times:
            raise ValueError("give either first_day (and last_day) or start and end")
        if times:
            if self.start is None or self.end is None:
                raise ValueError("a time closure needs both start and end")
            if self.start.tzinfo is not None or self.end.tzinfo is not None:
                raise ValueError("write local times without an offset (the clinic's zone applies)")
            if self.end <= self.start:
                raise ValueError("end is not after start")
        elif self.last_day is not None and self.first_day and self.last_day < self.first_day:
            raise ValueError("last_day is before first_day")
        return self

    def closure(self, zone: ZoneInfo) -> Closure:
        """The closure as an interval of aware instants in the clinic's zone."""
        if self.first_day is not None:
            last = self.last_day or self.first_day
            start = datetime.combine(self.first_day, time(0), tzinfo=zone)
            end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=zone)
        else:
            assert self.start is not None
            assert self.end is not None
            start, end = self.start.replace(tzinfo=zone), self.end.replace(tzinfo=zone)
        return Closure(start=start, end=end, resource_id=self.resource)


class ClinicInfo(_Strict):
    """The clinic itself and its booking rules."""

    id: Annotated[str, Field(pattern=_SLUG)] = "main"
    name: str
    # The languages the clinic writes to patients and staff in, the first one for anyone whose
    # own the clinic does not declare. Each needs the bot's catalog and the file's own texts.
    languages: Annotated[tuple[str, ...], Field(min_length=1)]
    address: str = ""
    phone: str = ""
    emergency_phone: str = ""
    timezone: str
    slot_minutes: Annotated[int, Field(ge=5, le=240)] = 15
    buffer_minutes: Annotated[int, Field(ge=0, le=240)] = 0
    minimum_notice_hours: Annotated[int, Field(ge=0, le=24 * 60)] = 24
    # A request with no staff decision within this time expires.
    request_expiry_hours: Annotated[int, Field(ge=1, le=24 * 30)] = 48
    # A patient's change to a confirmed session goes back to staff unless this is true.
    patient_changes_confirmed_at_once: bool = False
    # Cancellation policy: a patient's cancel or move of a confirmed session this many hours
    # or fewer before it becomes a request to staff (none when unset).
    cancellation_notice_hours: Annotated[int, Field(ge=1, le=24 * 14)] | None = None
    # The waitlist: an offer's button holds this many minutes after it is delivered (then it
    # passes to the next waiting patient); a patient holds at most this many entries.
    waitlist_offer_minutes: Annotated[int, Field(ge=5, le=24 * 60)] = 60
    waitlist_max_entries: Annotated[int, Field(ge=1, le=10)] = 3
    # Calendar files: the ORGANIZER is `mailto:` this address (else `tel:` the phone), and
    # each event links to the bot (e.g. "https://t.me/ClinicBot").
    email: str | None = None
    bot_url: str | None = None
    # Calendars sync to third-party clouds: the treatment's name is written only on opt-in.
    name_treatment_in_calendar: bool = False
    # Optional: where the clinic is, for the map pin of /clinic (both, or neither).
    latitude: Annotated[float, Field(ge=-90, le=90)] | None = None
    longitude: Annotated[float, Field(ge=-180, le=180)] | None = None

    @field_validator("languages")
    @classmethod
    def _spoken(cls, languages: tuple[str, ...]) -> tuple[str, ...]:
        spoken = sorted(available_languages())
        for index, code in enumerate(languages):
            if code not in spoken:
                raise ValueError(f"{code!r}: the bot has no catalog for it (it has {spoken})")
            if code in languages[:index]:
                raise ValueError(f"{code!r} is listed twice")
        return languages

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, key: str) -> str:
        try:
            zone_named(key)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{key!r} is not an IANA timezone such as 'Europe/Madrid'") from None
        return key

    @model_validator(mode="after")
    def _both_coordinates(self) -> Self:
        if (self.latitude is None) != (self.longitude is None):
            missing = "longitude" if self.longitude is None else "latitude"
            raise FieldError(missing, "give both latitude and longitude, or neither")
        return self

    @model_validator(mode="after")
    def _usable_in_calendars(self) -> Self:
        if self.phone or self.email is not None or self.bot_url is not None:
            try:
                self.calendar_source()
            except ValueError as error:
                fields = {"e-mail": "email", "bot URL": "bot_url"}
                field = next((f for s, f in fields.items() if str(error).startswith(s)), "phone")
                raise FieldError(field, str(error)) from None
        return self

    def calendar_source(self) -> CalendarSource:
        """The clinic as its calendar files show it (needs an international phone number)."""
        return CalendarSource(
            name=self.name,
            address=self.address,
            phone=self.phone,
            email=self.email,
            bot_url=self.bot_url,
        )


class Clinic(_Strict):
    """A whole clinic file."""

    clinic: ClinicInfo
    opening_hours: OpeningHours
    resources: Annotated[tuple[Resource, ...], Field(min_length=1)]
    closures: tuple[ClosureEntry, ...] = ()
    treatments: Annotated[dict[_TreatmentKey, Treatment], Field(min_length=1)]
    # Optional: reminders, aftercare, check-ins and reaction reports (defaults in care.config).
    care: CareSettings = CareSettings()
    # Optional: how long what is kept (defaults and their reasons in privacy.settings).
    retention: RetentionSettings = RetentionSettings()

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        ids = [resource.id for resource in self.resources]
        for index, resource_id in enumerate(ids):
            if resource_id in ids[:index]:
                raise FieldError(f"resources.{index}.id", f"{resource_id!r} is used twice")
        for index, closure in enumerate(self.closures):
            if closure.resource is not None and closure.resource not in ids:
                raise FieldError(
                    f"closures.{index}.resource", f"no resource has the id {closure.resource!r}"
                )
        longest = max(
            (i.end_minute - i.start_minute for day in self.opening_hours.weekly() for i in day),
            default=0,
        )
        if longest == 0:
            raise FieldError("opening_hours", "the clinic is never open")
        for key, treatment in self.treatments.items():
            needed = treatment.session_minutes + self.clinic.buffer_minutes
            if needed > longest:
                raise FieldError(
                    f"treatments.{key}.session_minutes",
                    f"{treatment.session_minutes} minutes plus the {self.clinic.buffer_minutes}"
                    f"-minute buffer fit in no opening interval (longest {longest})",
                )
        emergency = [k for k, sign in self.care.signs.items() if sign.level == Severity.EMERGENCY]
        if emergency and not self.clinic.emergency_phone.strip():
            # Its advice reads "call emergency services now on {emergency_phone}": never blank.
            raise FieldError(
                "clinic.emergency_phone",
                f"must be set: the sign {emergency[0]!r} has emergency severity, and its advice "
                "tells the patient to call this number",
            )
        for key in self.care.check_in_days_by_treatment:
            # A default (blepharoplasty's) is for a treatment the clinic may not offer.
            if key not in self.treatments and key not in DEFAULT_CHECK_IN_DAYS_BY_TREATMENT:
                raise FieldError(
                    "care.check_in_days_by_treatment", f"no treatment has the key {key!r}"
                )
        return self

    @model_validator(mode="after")
    def _texts_in_every_language(self) -> Self:
        # English is not filled in for a declared language: a patient would read it.
        languages = self.clinic.languages
        for field, text in self._patient_texts():
            missing = text.missing(languages)
            if missing:
                raise FieldError(
                    field,
                    f"no {missing[0]!r} text: the clinic declares {', '.join(languages)} "
                    "(clinic.languages), and every text must be given in each",
                )
        return self

    def _patient_texts(self) -> Iterator[tuple[str, LocalizedText]]:
        """Every text of the file, with its field's dotted path."""
        for key, treatment in self.treatments.items():
            for name in ("name", "summary", "contents", "side_effects", "preparation"):
                text = getattr(treatment, name)
                if text is not None:
                    yield f"treatments.{key}.{name}", text
        care = self.care
        for name in CareTexts.model_fields:
            yield f"care.texts.{name}", getattr(care.texts, name)
        for key, text in care.aftercare_by_treatment.items():
            yield f"care.aftercare_by_treatment.{key}", text
        for key, sign in care.signs.items():
            yield f"care.signs.{key}.label", sign.label
            yield f"care.signs.{key}.staff_label", sign.staff_label
            if sign.description is not None:
                yield f"care.signs.{key}.description", sign.description

    def calendar(self) -> Calendar:
        """The planner's view of the clinic."""
        zone = zone_named(self.clinic.timezone)
        return Calendar(
            clinic_id=self.clinic.id,
            zone_key=self.clinic.timezone,
            weekly_hours=self.opening_hours.weekly(),
            resource_ids=tuple(resource.id for resource in self.resources),
            slot_minutes=self.clinic.slot_minutes,
            buffer_minutes=self.clinic.buffer_minutes,
            minimum_notice=timedelta(hours=self.clinic.minimum_notice_hours),
            closures=tuple(entry.closure(zone) for entry in self.closures),
        )


def _describe(error: Any) -> str:
    """One error of a ValidationError as 'treatment "x", field "y": what is wrong'."""
    location = [str(part) for part in error["loc"]]
    message = str(error["msg"]).removeprefix("Value error, ")
    cause = error.get("ctx", {}).get("error")
    if isinstance(cause, FieldError):  # a rule across fields names the one to change
        location += cause.field.split(".")
        message = str(cause)
    if len(location) >= 2 and location[0] == "treatments":
        field = ".".join(location[2:]) or "(the whole table)"
        return f'treatment "{location[1]}", field "{field}": {message}'
    if len(location) >= 3 and location[0] == "care":
        return f'section "{".".join(location[:-1])}", field "{location[-1]}": {message}'
    return f'field "{".".join(location) or "(top level)"}": {message}'


def load_clinic(path: Path) -> Clinic:
    """Read and check the clinic file, or raise `ClinicFileError` with one clear line."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ClinicFileError(f"clinic file {path}: cannot be read: {error.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ClinicFileError(f"clinic file {path}: not valid TOML: {error}") from None
    return parse_clinic(raw, source=str(path))


def parse_clinic(raw: Mapping[str, Any], *, source: str) -> Clinic:
    """Check an already parsed clinic file; `source` names it in the error message."""
    try:
        return Clinic.model_validate(raw)
    except ValidationError as invalid:
        errors = invalid.errors()
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise ClinicFileError(f"clinic file {source}: {_describe(errors[0])}{more}") from None
