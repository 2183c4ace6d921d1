"""The planner's vocabulary: a treatment's series rule, a session's slot, a series or why not."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from itertools import pairwise
from typing import TypeAlias

from mesobot.scheduling.localtime import local_days_between, utc_instant, zone_named


@dataclass(frozen=True, slots=True)
class SeriesRule:
    """How many sessions a course has and how many local calendar days lie between them."""

    min_sessions: int
    max_sessions: int
    min_gap_days: int
    max_gap_days: int
    preferred_gap_days: int
    duration_minutes: int

    def __post_init__(self) -> None:
        if not 1 <= self.min_sessions <= self.max_sessions:
            raise ValueError("sessions: need 1 <= min <= max")
        if not 1 <= self.min_gap_days <= self.preferred_gap_days <= self.max_gap_days:
            raise ValueError("gap days: need 1 <= min <= preferred <= max")
        if self.duration_minutes < 1:
            raise ValueError("a session lasts at least a minute")

    def allows_gap(self, days: int) -> bool:
        """Whether two consecutive sessions `days` local calendar days apart are allowed."""
        return self.min_gap_days <= days <= self.max_gap_days


@dataclass(frozen=True, slots=True)
class SessionSlot:
    """One session as stored: its local wall time and zone are the truth, UTC is derived.

    The fields map one to one onto the data layer's columns, so a rule change in the zone
    (Brazil dropping daylight saving in 2019, say) moves no appointment: only `start_utc` does.
    """

    clinic_id: str
    resource_id: str
    local_date: date
    local_time: time
    zone: str
    duration_minutes: int

    @property
    def start_utc(self) -> datetime:
        """The instant the session starts under the zone rules installed today."""
        return utc_instant(self.local_date, self.local_time, zone_named(self.zone))

    @property
    def end_utc(self) -> datetime:
        """The instant the session ends (its duration is real time, not wall time)."""
        return self.start_utc + timedelta(minutes=self.duration_minutes)


@dataclass(frozen=True, slots=True)
class PlannedSeries:
    """A whole course, sessions in order; gaps are in local calendar days."""

    sessions: tuple[SessionSlot, ...]

    @property
    def gaps_days(self) -> tuple[int, ...]:
        """Days between consecutive sessions' local dates."""
        pairs = pairwise(self.sessions)
        return tuple(local_days_between(a.local_date, b.local_date) for a, b in pairs)


class Obstacle(StrEnum):
    """Why a session cannot go where it was asked, or anywhere in its window."""

    SESSION_COUNT = "session_count"  # outside the treatment's range of sessions
    UNKNOWN_RESOURCE = "unknown_resource"
    OFF_GRID = "off_grid"  # not a multiple of the slot granularity after midnight
    OUTSIDE_OPENING_HOURS = "outside_opening_hours"  # incl. duration plus buffer
    NONEXISTENT_TIME = "nonexistent_time"  # inside a spring-forward gap
    TOO_SOON = "too_soon"  # before now plus the minimum notice
    CLOSURE = "closure"
    TAKEN = "taken"  # no resource free (or the asked one is booked)
    GAP_TO_PREVIOUS = "gap_to_previous"  # outside the window after the session before
    NO_SLOT_IN_WINDOW = "no_slot_in_window"


@dataclass(frozen=True, slots=True)
class Impossible:
    """No valid series: `session_number` (1-based) is the session that could not be placed.

    `obstacle` is for code and translated texts; `detail` is one English line for staff and logs.
    """

    session_number: int
    obstacle: Obstacle
    detail: str


PlanResult: TypeAlias = PlannedSeries | Impossible
