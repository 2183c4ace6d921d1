"""Builders for the named planner tests: the sample clinic and short-hand plan calls."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path

from mesobot.clinic import Clinic, load_clinic
from mesobot.scheduling.bookings import BookingIndex
from mesobot.scheduling.calendar import Calendar, Closure
from mesobot.scheduling.planner import plan_series
from mesobot.scheduling.series import PlannedSeries, PlanResult, SeriesRule

SAMPLE = Path(__file__).resolve().parents[2] / "clinic.sample.toml"
# Sunday 1 March 2026, 09:00 in Madrid: with 24 hours' notice, Monday 09:00 is bookable.
NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def sample_clinic() -> Clinic:
    return load_clinic(SAMPLE)


def sample_calendar(*closures: Closure) -> Calendar:
    calendar = sample_clinic().calendar()
    if not closures:
        return calendar
    return Calendar(
        clinic_id=calendar.clinic_id,
        zone_key=calendar.zone_key,
        weekly_hours=calendar.weekly_hours,
        resource_ids=calendar.resource_ids,
        slot_minutes=calendar.slot_minutes,
        buffer_minutes=calendar.buffer_minutes,
        minimum_notice=calendar.minimum_notice,
        closures=(*calendar.closures, *closures),
    )


def rule_of(treatment: str) -> SeriesRule:
    return sample_clinic().treatments[treatment].series_rule()


def plan(
    treatment: str,
    session_count: int,
    first: tuple[date, time],
    *,
    calendar: Calendar | None = None,
    bookings: BookingIndex | None = None,
) -> PlanResult:
    return plan_series(
        rule=rule_of(treatment),
        session_count=session_count,
        first_date=first[0],
        first_time=first[1],
        calendar=calendar or sample_calendar(),
        bookings=bookings or BookingIndex.empty(),
        now=NOW,
    )


def planned(treatment: str, session_count: int, first: tuple[date, time]) -> PlannedSeries:
    result = plan(treatment, session_count, first)
    assert isinstance(result, PlannedSeries), result
    return result


def summary(series: PlanResult) -> list[tuple[str, str, str]]:
    """(date, time, resource) per session, easy to read in an assertion."""
    assert isinstance(series, PlannedSeries), series
    return [
        (s.local_date.isoformat(), s.local_time.isoformat("minutes"), s.resource_id)
        for s in series.sessions
    ]
