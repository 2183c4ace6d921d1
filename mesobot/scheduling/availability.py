"""Which (day, time, resource) slots can hold one session: the calendar plus the bookings."""

from __future__ import annotations

from datetime import UTC, date, datetime

from mesobot.scheduling.bookings import BookingIndex, IntervalSet
from mesobot.scheduling.calendar import Calendar
from mesobot.scheduling.localtime import wall_time
from mesobot.scheduling.series import Obstacle

# A day's valid slots: minute after midnight -> indices (into calendar.resource_ids) free then.
DaySlots = dict[int, frozenset[int]]


def _round_up(minute: int, step: int) -> int:
    return -(-minute // step) * step


class Availability:
    """Slot checks for sessions of one length, cached per local day for one planning call.

    Built from an immutable snapshot, so the cache can never go stale within its lifetime;
    make a new one for every request.
    """

    def __init__(
        self,
        *,
        calendar: Calendar,
        bookings: BookingIndex,
        now: datetime,
        duration_minutes: int,
    ) -> None:
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        self.calendar = calendar
        self._bookings = bookings
        self._zone = calendar.zone
        self._duration_s = duration_minutes * 60
        self._buffer_s = calendar.buffer_minutes * 60
        self._occupied_minutes = duration_minutes + calendar.buffer_minutes
        self._earliest = (now + calendar.minimum_notice).timestamp()
        self._grid_by_weekday = tuple(self._grid(day) for day in range(7))
        self._clinic_closures = IntervalSet(
            (c.start.timestamp(), c.end.timestamp())
            for c in calendar.closures
            if c.resource_id is None
        )
        self._resource_closures = tuple(
            IntervalSet(
                (c.start.timestamp(), c.end.timestamp())
                for c in calendar.closures
                if c.resource_id == resource
            )
            for resource in calendar.resource_ids
        )
        self._days: dict[date, DaySlots] = {}

    def _grid(self, weekday: int) -> tuple[int, ...]:
        """Grid minutes whose occupied span fits inside one opening interval of the weekday."""
        step = self.calendar.slot_minutes
        return tuple(
            minute
            for interval in self.calendar.weekly_hours[weekday]
            for minute in range(_round_up(interval.start_minute, step), interval.end_minute, step)
            if minute + self._occupied_minutes <= interval.end_minute
        )

    def _start_timestamp(self, day: date, minute: int) -> float | None:
        """The session's start in POSIX seconds, or None when the wall time does not exist."""
        local = datetime.combine(day, wall_time(minute), tzinfo=self._zone)
        stamp = local.timestamp()
        back = datetime.fromtimestamp(stamp, UTC).astimezone(self._zone)
        if (back.hour, back.minute) != (local.hour, local.minute):
            return None
        return stamp

    def problem(self, day: date, minute: int, resource: int) -> Obstacle | None:
        """Why resource number `resource` cannot hold a session at `minute` on `day`, if so."""
        if minute % self.calendar.slot_minutes:
            return Obstacle.OFF_GRID
        if minute not in self._grid_by_weekday[day.weekday()]:
            return Obstacle.OUTSIDE_OPENING_HOURS
        start = self._start_timestamp(day, minute)
        if start is None:
            return Obstacle.NONEXISTENT_TIME
        if start < self._earliest:
            return Obstacle.TOO_SOON
        end = start + self._duration_s + self._buffer_s
        if self._clinic_closures.overlaps(start, end) or self._resource_closures[
            resource
        ].overlaps(start, end):
            return Obstacle.CLOSURE
        resource_id = self.calendar.resource_ids[resource]
        if self._bookings.overlaps(resource_id, start - self._buffer_s, end):
            return Obstacle.TAKEN
        return None

    def day_slots(self, day: date) -> DaySlots:
        """Every valid slot of `day` (cached); the same checks as `problem`, each done once.

        The closures and bookings that touch the day are looked up once, not per grid minute:
        a day has a handful at most, and each slot is checked against those.
        """
        cached = self._days.get(day)
        if cached is not None:
            return cached
        slots: DaySlots = {}
        grid = self._grid_by_weekday[day.weekday()]
        starts = self._start_timestamps(day, grid)
        known = [start for start in starts if start is not None]
        if known:
            lo, hi = min(known), max(known) + self._duration_s + self._buffer_s
            closed = self._clinic_closures.within(lo, hi)
            blocked = [
                self._blocked(index, lo, hi) for index in range(len(self._resource_closures))
            ]
            for minute, start in zip(grid, starts, strict=True):
                if start is None or start < self._earliest:
                    continue
                end = start + self._duration_s + self._buffer_s
                if closed and _overlaps(closed, start, end):
                    continue
                free = frozenset(
                    index
                    for index, spans in enumerate(blocked)
                    if not (spans and _overlaps(spans, start, end))
                )
                if free:
                    slots[minute] = free
        self._days[day] = slots
        return slots

    def _start_timestamps(self, day: date, grid: tuple[int, ...]) -> list[float | None]:
        """Each grid minute's start in POSIX seconds (None where the wall time does not exist).

        When the first and last grid minutes are as far apart in UTC as on the wall, the day's
        offset holds between them (no zone changes its offset and back within hours): every
        day but the two a year with a clock change costs two conversions, not one a minute.
        """
        if not grid:
            return []
        first, last = self._start_timestamp(day, grid[0]), self._start_timestamp(day, grid[-1])
        if first is not None and last is not None and last - first == (grid[-1] - grid[0]) * 60:
            return [first + (minute - grid[0]) * 60 for minute in grid]
        return [self._start_timestamp(day, minute) for minute in grid]

    def _blocked(self, resource: int, lo: float, hi: float) -> list[tuple[float, float]]:
        """What keeps resource number `resource` from a session in [lo, hi): its closures, and
        its bookings with the buffer after them (a session must start a buffer after one)."""
        resource_id = self.calendar.resource_ids[resource]
        buffered = [
            (start, end + self._buffer_s)
            for start, end in self._bookings.within(resource_id, lo - self._buffer_s, hi)
        ]
        return self._resource_closures[resource].within(lo, hi) + buffered


def _overlaps(spans: list[tuple[float, float]], lo: float, hi: float) -> bool:
    return any(start < hi and end > lo for start, end in spans)
