"""An oracle for the planner, written apart from it: plain loops, linear scans, no shared code.

It re-states every rule from the issue in the simplest form (wall-clock opening hours, PEP 495
folds for nonexistent times, closures and bookings scanned one by one) and searches series
exhaustively over days, so the property tests compare two independent answers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from mesobot.scheduling.bookings import Booking
from mesobot.scheduling.calendar import Calendar
from mesobot.scheduling.series import PlannedSeries, SeriesRule, SessionSlot

Slot = tuple[date, time, str]  # local date, wall time, resource id


@dataclass
class World:
    """Everything a plan depends on, with the bookings as a plain list."""

    rule: SeriesRule
    calendar: Calendar
    bookings: Sequence[Booking]
    now: datetime
    _day_cache: dict[date, list[tuple[time, str]]] = field(default_factory=dict)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.calendar.zone_key)

    def start_utc(self, day: date, wall: time) -> datetime:
        return datetime.combine(day, wall).replace(tzinfo=self.zone, fold=0).astimezone(UTC)

    def nonexistent(self, day: date, wall: time) -> bool:
        naive = datetime.combine(day, wall)
        before = naive.replace(tzinfo=self.zone, fold=0).utcoffset()
        after = naive.replace(tzinfo=self.zone, fold=1).utcoffset()
        assert before is not None
        assert after is not None
        return before < after  # PEP 495: in a gap fold=0 uses the earlier, smaller offset

    def why_not(self, day: date, wall: time, resource_id: str) -> str | None:
        """The first rule a session at this slot breaks, or None when it breaks none."""
        calendar, rule = self.calendar, self.rule
        if resource_id not in calendar.resource_ids:
            return "unknown resource"
        if wall.second or wall.microsecond:
            return "seconds"
        minute = wall.hour * 60 + wall.minute
        if minute % calendar.slot_minutes:
            return "off grid"
        held = rule.duration_minutes + calendar.buffer_minutes
        if not any(
            interval.start_minute <= minute and minute + held <= interval.end_minute
            for interval in calendar.weekly_hours[day.weekday()]
        ):
            return "outside opening hours"
        if self.nonexistent(day, wall):
            return "nonexistent"
        start = self.start_utc(day, wall)
        if start < self.now + calendar.minimum_notice:
            return "too soon"
        held_until = start + timedelta(minutes=held)
        buffer = timedelta(minutes=calendar.buffer_minutes)
        for closure in calendar.closures:
            if closure.resource_id in (None, resource_id) and (
                closure.start < held_until and start < closure.end
            ):
                return "closure"
        for booking in self.bookings:
            if booking.resource_id == resource_id and (
                booking.start < held_until and start < booking.end + buffer
            ):
                return "booked"
        return None

    def slots_of(self, day: date) -> list[tuple[time, str]]:
        """Every valid (time, resource) of a day, found by trying every grid time."""
        if day not in self._day_cache:
            found = []
            for minute in range(0, 24 * 60, self.calendar.slot_minutes):
                wall = time(minute // 60, minute % 60)
                for resource_id in self.calendar.resource_ids:
                    if self.why_not(day, wall, resource_id) is None:
                        found.append((wall, resource_id))
            self._day_cache[day] = found
        return self._day_cache[day]

    def window(self, previous: date) -> list[date]:
        """The days allowed after `previous`, in the documented order."""
        rule = self.rule
        gaps = range(rule.min_gap_days, rule.max_gap_days + 1)
        ordered = sorted(gaps, key=lambda gap: (abs(gap - rule.preferred_gap_days), -gap))
        return [previous + timedelta(days=gap) for gap in ordered]

    def first_day_path(self, previous: date, left: int) -> list[date] | None:
        """Plain backtracking: the first sequence of days, in order, that all have a slot."""
        if left == 0:
            return []
        for day in self.window(previous):
            if self.slots_of(day):
                rest = self.first_day_path(day, left - 1)
                if rest is not None:
                    return [day, *rest]
        return None

    def preferred_series(
        self, session_count: int, first_day: date, first_time: time, resource_id: str | None = None
    ) -> list[Slot] | None:
        """The series the documented order picks, or None when no valid series exists."""
        asked = [resource_id] if resource_id else list(self.calendar.resource_ids)
        first = next((r for r in asked if self.why_not(first_day, first_time, r) is None), None)
        if first is None:
            return None
        path = self.first_day_path(first_day, session_count - 1)
        if path is None:
            return None
        order = [first, *(r for r in self.calendar.resource_ids if r != first)]
        wanted = first_time.hour * 60 + first_time.minute
        series: list[Slot] = [(first_day, first_time, first)]
        for day in path:

            def rank(slot: tuple[time, str]) -> tuple[int, int, int]:
                minute = slot[0].hour * 60 + slot[0].minute
                return order.index(slot[1]), abs(minute - wanted), minute

            wall, resource = min(self.slots_of(day), key=rank)
            series.append((day, wall, resource))
        return series

    def violations(self, series: PlannedSeries, session_count: int) -> list[str]:
        """Every rule the series breaks (an empty list for a valid series)."""
        found: list[str] = []
        if len(series.sessions) != session_count:
            found.append(f"{len(series.sessions)} sessions instead of {session_count}")
        if not self.rule.min_sessions <= len(series.sessions) <= self.rule.max_sessions:
            found.append("session count outside the treatment's range")
        found += self.slot_violations(series.sessions)
        for earlier, later in zip(series.sessions, series.sessions[1:], strict=False):
            gap = (later.local_date - earlier.local_date).days
            if not self.rule.min_gap_days <= gap <= self.rule.max_gap_days:
                found.append(f"gap of {gap} days before {later.local_date}")
        return found

    def slot_violations(self, slots: Sequence[SessionSlot]) -> list[str]:
        found: list[str] = []
        for number, slot in enumerate(slots, start=1):
            if (slot.clinic_id, slot.zone) != (
                self.calendar.clinic_id,
                self.calendar.zone_key,
            ):
                found.append(f"session {number}: wrong clinic or zone")
            if slot.duration_minutes != self.rule.duration_minutes:
                found.append(f"session {number}: wrong duration")
            if slot.start_utc != self.start_utc(slot.local_date, slot.local_time):
                found.append(f"session {number}: UTC not derived from wall time")
            reason = self.why_not(slot.local_date, slot.local_time, slot.resource_id)
            if reason is not None:
                found.append(f"session {number} on {slot.local_date}: {reason}")
        return found

    def can_follow(self, previous: date, left: int) -> bool:
        """Whether `left` sessions can follow a slot held on `previous`."""
        return self.first_day_path(previous, left) is not None


def as_slots(series: PlannedSeries) -> list[Slot]:
    """A series in the oracle's terms."""
    return [(s.local_date, s.local_time, s.resource_id) for s in series.sessions]
