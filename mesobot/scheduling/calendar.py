"""The clinic's calendar: zone, weekly opening hours, closures, resources and booking rules."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from mesobot.scheduling.localtime import MINUTES_PER_DAY, zone_named

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True, slots=True)
class OpeningInterval:
    """Wall-clock opening time of one day, in minutes after local midnight; `end` is exclusive."""

    start_minute: int
    end_minute: int

    def __post_init__(self) -> None:
        if not 0 <= self.start_minute < self.end_minute <= MINUTES_PER_DAY:
            raise ValueError(f"opening interval {self.start_minute}-{self.end_minute} is empty")


@dataclass(frozen=True, slots=True)
class Closure:
    """A time the clinic, or one resource, takes no sessions: [start, end), timezone-aware."""

    start: datetime
    end: datetime
    resource_id: str | None = None  # None closes the whole clinic

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("closure times must be timezone-aware")
        if self.end <= self.start:
            raise ValueError("a closure must end after it starts")


def _no_overlap(day: tuple[OpeningInterval, ...]) -> bool:
    ordered = sorted(day, key=lambda interval: interval.start_minute)
    return all(a.end_minute <= b.start_minute for a, b in pairwise(ordered))


@dataclass(frozen=True, slots=True)
class Calendar:
    """Everything that decides whether a slot can hold a session, apart from existing bookings.

    `weekly_hours[0]` is Monday. `resource_ids` is also the order in which free resources are
    offered. A session occupies its resource from its start for its duration plus
    `buffer_minutes`; that whole span must lie inside one opening interval (in wall-clock time),
    outside every closure, and apart from every other occupied span of the same resource.
    """

    clinic_id: str
    zone_key: str
    weekly_hours: tuple[tuple[OpeningInterval, ...], ...]
    resource_ids: tuple[str, ...]
    slot_minutes: int = 15
    buffer_minutes: int = 0
    minimum_notice: timedelta = timedelta(0)
    closures: tuple[Closure, ...] = ()
    # How many of `closures`, the last ones, staff set in Telegram (the others are the clinic
    # file's): what booking's locked re-check replaces by a fresh read of the database.
    staff_closures: int = 0
    zone: ZoneInfo = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "zone", zone_named(self.zone_key))
        if len(self.weekly_hours) != len(WEEKDAYS):
            raise ValueError("weekly_hours needs one entry per weekday, Monday first")
        for name, day in zip(WEEKDAYS, self.weekly_hours, strict=True):
            if not _no_overlap(day):
                raise ValueError(f"opening hours of {name} overlap")
        if not self.resource_ids:
            raise ValueError("a calendar needs at least one resource")
        if len(set(self.resource_ids)) != len(self.resource_ids):
            raise ValueError("resource ids must be unique")
        if not 1 <= self.slot_minutes <= MINUTES_PER_DAY:
            raise ValueError("slot_minutes must be between 1 and 1440")
        if self.buffer_minutes < 0 or self.minimum_notice < timedelta(0):
            raise ValueError("buffer and minimum notice cannot be negative")
        if not 0 <= self.staff_closures <= len(self.closures):
            raise ValueError("staff_closures counts some of the closures")
        for closure in self.closures:
            if closure.resource_id is not None and closure.resource_id not in self.resource_ids:
                raise ValueError(f"closure names unknown resource {closure.resource_id!r}")

    def with_staff_closures(self, closures: tuple[Closure, ...]) -> Calendar:
        """This calendar with the closures staff set replaced by `closures` (the file's stay)."""
        kept = self.closures[: len(self.closures) - self.staff_closures]
        return replace(self, closures=kept + closures, staff_closures=len(closures))
