"""Free-slot queries for the booking screens: only dates and times that lead to a whole series.

Both answer with exactly the slots from which `plan_series` (or, with `previous_date`, a
re-plan of the rest of the course) succeeds, because they ask the same search the planner uses.
"""

from __future__ import annotations

import calendar as gregorian
from datetime import date, datetime, time, timedelta

from mesobot.scheduling.availability import Availability
from mesobot.scheduling.bookings import BookingIndex
from mesobot.scheduling.calendar import Calendar
from mesobot.scheduling.localtime import wall_time
from mesobot.scheduling.search import SeriesSearch
from mesobot.scheduling.series import SeriesRule


class FreeSlotFinder:
    """Answers date and time questions for one request against one snapshot (caches shared)."""

    def __init__(
        self,
        *,
        rule: SeriesRule,
        session_count: int,
        calendar: Calendar,
        bookings: BookingIndex,
        now: datetime,
        previous_date: date | None = None,
    ) -> None:
        """`session_count` counts the session being chosen and all after it.

        For a new course it is the course's count; to move session k of n it is n - k + 1,
        with `previous_date` the date of session k - 1 (the chosen date must then lie in the
        gap window after it).
        """
        if session_count < 1:
            raise ValueError("at least the chosen session must be placed")
        availability = Availability(
            calendar=calendar, bookings=bookings, now=now, duration_minutes=rule.duration_minutes
        )
        self._search = SeriesSearch(availability, rule)
        self._rule = rule
        self._after = session_count - 1
        self._previous = previous_date

    def _in_window(self, day: date) -> bool:
        if self._previous is None:
            return True
        return self._rule.allows_gap((day - self._previous).days)

    def date_is_free(self, day: date) -> bool:
        """Whether some time on `day` starts a whole series."""
        return (
            self._in_window(day)
            and self._search.has_slot(day)
            and self._search.depth(day, self._after) == self._after
        )

    def times(self, day: date) -> tuple[time, ...]:
        """The wall times of `day`, earliest first, from which a whole series can be planned."""
        if not self.date_is_free(day):
            return ()
        minutes = sorted(self._search.availability.day_slots(day))
        return tuple(wall_time(minute) for minute in minutes)

    def dates(self, year: int, month: int) -> tuple[date, ...]:
        """The dates of a month with at least one time that starts a whole series."""
        first = date(year, month, 1)
        length = gregorian.monthrange(year, month)[1]
        days = (first + timedelta(days=offset) for offset in range(length))
        return tuple(day for day in days if self.date_is_free(day))


def free_dates(
    *,
    rule: SeriesRule,
    session_count: int,
    year: int,
    month: int,
    calendar: Calendar,
    bookings: BookingIndex,
    now: datetime,
    previous_date: date | None = None,
) -> tuple[date, ...]:
    """The dates of a month from which a whole series can be planned (see `FreeSlotFinder`)."""
    finder = FreeSlotFinder(
        rule=rule,
        session_count=session_count,
        calendar=calendar,
        bookings=bookings,
        now=now,
        previous_date=previous_date,
    )
    return finder.dates(year, month)


def free_times(
    *,
    rule: SeriesRule,
    session_count: int,
    day: date,
    calendar: Calendar,
    bookings: BookingIndex,
    now: datetime,
    previous_date: date | None = None,
) -> tuple[time, ...]:
    """The times of `day` from which a whole series can be planned (see `FreeSlotFinder`)."""
    finder = FreeSlotFinder(
        rule=rule,
        session_count=session_count,
        calendar=calendar,
        bookings=bookings,
        now=now,
        previous_date=previous_date,
    )
    return finder.times(day)
