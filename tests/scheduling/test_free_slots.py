"""Free-slot queries on the sample clinic: weekdays only, closures honoured, no dead ends."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, time

from mesobot.scheduling.bookings import BookingIndex
from mesobot.scheduling.series import PlannedSeries, SeriesRule
from mesobot.scheduling.slots import free_dates, free_times
from tests.scheduling.factories import NOW, plan, rule_of, sample_calendar


def test_free_dates_of_march_are_the_weekdays_after_the_notice() -> None:
    """From Sunday 1 March with 24 hours' notice, every weekday of March starts a series."""
    dates = free_dates(
        rule=rule_of("facial_rejuvenation"),
        session_count=4,
        year=2026,
        month=3,
        calendar=sample_calendar(),
        bookings=BookingIndex.empty(),
        now=NOW,
    )
    assert dates == tuple(date(2026, 3, d) for d in range(2, 32) if date(2026, 3, d).weekday() < 5)


def test_christmas_closure_removes_its_days_and_those_whose_series_cannot_fit() -> None:
    """Closed days are never offered; a date whose second session has no room is not either."""
    exact = replace(  # an exact 42-day gap, as the catalog had before its window
        rule_of("lower_blepharoplasty"), max_gap_days=42, preferred_gap_days=42
    )

    def november(rule: SeriesRule) -> tuple[date, ...]:
        return free_dates(
            rule=rule,
            session_count=2,
            year=2026,
            month=11,
            calendar=sample_calendar(),
            bookings=BookingIndex.empty(),
            now=NOW,
        )

    dates = november(exact)
    # 42 days after 12-13 November lands on 24-25 December, when the clinic is closed.
    assert date(2026, 11, 12) not in dates
    assert date(2026, 11, 13) not in dates
    assert date(2026, 11, 11) in dates
    assert date(2026, 11, 16) in dates
    # The catalog's window (42 to 49 days): one closed stretch no longer blocks those dates.
    assert {date(2026, 11, 12), date(2026, 11, 13)} <= set(
        november(rule_of("lower_blepharoplasty"))
    )


def test_every_offered_time_leads_to_a_complete_series() -> None:
    """The times of a date are exactly the starts the planner accepts."""
    times = free_times(
        rule=rule_of("fat_reduction"),
        session_count=3,
        day=date(2026, 3, 6),
        calendar=sample_calendar(),
        bookings=BookingIndex.empty(),
        now=NOW,
    )
    # Friday 09:00-14:00, 45 minutes plus a 10-minute buffer on a 15-minute grid.
    assert times[0] == time(9)
    assert times[-1] == time(13)
    for wall in times:
        assert isinstance(plan("fat_reduction", 3, (date(2026, 3, 6), wall)), PlannedSeries)
