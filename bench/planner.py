"""Benchmark: plan a 4-session series and a month of free dates against 100,000 bookings.

Run from the repository root: `.venv/bin/python -m bench.planner` (`--quick`: 2,000 bookings
over two months and a few calls). It prints median and p95 latency per call. The data layer
adds its query count later; the planner itself makes none.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time as clock
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from bench.options import parse_arguments
from mesobot.clinic import load_clinic
from mesobot.scheduling.bookings import Booking, BookingIndex
from mesobot.scheduling.calendar import Calendar
from mesobot.scheduling.planner import plan_series
from mesobot.scheduling.series import PlannedSeries
from mesobot.scheduling.slots import free_dates, free_times

APPOINTMENTS = 100_000
RESOURCES = tuple(f"dr-{n}" for n in range(10))
NOW = datetime(2026, 1, 5, 7, tzinfo=UTC)
SPAN_DAYS = 6 * 365  # bookings from three years before NOW to three years after
OCCUPANCY = 0.75


def _calendar() -> Calendar:
    sample = load_clinic(Path(__file__).resolve().parent.parent / "clinic.sample.toml")
    base = sample.calendar()
    return Calendar(
        clinic_id=base.clinic_id,
        zone_key=base.zone_key,
        weekly_hours=base.weekly_hours,
        resource_ids=RESOURCES,
        slot_minutes=base.slot_minutes,
        buffer_minutes=base.buffer_minutes,
        minimum_notice=base.minimum_notice,
        closures=tuple(c for c in base.closures if c.resource_id is None),
    )


def _bookings(
    calendar: Calendar,
    rng: random.Random,
    *,
    count: int = APPOINTMENTS,
    span_days: int = SPAN_DAYS,
) -> list[Booking]:
    """Non-overlapping 30-minute bookings filling about OCCUPANCY of the 45-minute places."""
    places: list[Booking] = []
    first = NOW.date() - timedelta(days=span_days // 2)
    for offset in range(span_days):
        day = first + timedelta(days=offset)
        for interval in calendar.weekly_hours[day.weekday()]:
            for minute in range(interval.start_minute, interval.end_minute - 40, 45):
                start = datetime.combine(day, time(minute // 60, minute % 60), calendar.zone)
                for resource in RESOURCES:
                    if rng.random() < OCCUPANCY:
                        begin = start.astimezone(UTC)
                        places.append(Booking(resource, begin, begin + timedelta(minutes=30)))
    rng.shuffle(places)
    return places[:count]


def _measure(name: str, runs: list[Callable[[], object]]) -> None:
    timings = []
    for run in runs:
        started = clock.perf_counter()
        run()
        timings.append((clock.perf_counter() - started) * 1000)
    timings.sort()
    p95 = timings[max(0, round(0.95 * len(timings)) - 1)]
    print(
        f"{name:<46} n={len(timings):<4} median {statistics.median(timings):7.2f} ms"
        f"   p95 {p95:7.2f} ms   max {timings[-1]:7.2f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bookings", type=int, default=APPOINTMENTS)
    parser.add_argument("--span-days", type=int, default=SPAN_DAYS)
    parser.add_argument("--starts", type=int, default=300, help="series planned")
    parser.add_argument("--months", type=int, default=24, help="months asked 5 times each")
    arguments = parse_arguments(parser, bookings=2000, span_days=60, starts=20, months=2)
    rng = random.Random(4)
    calendar = _calendar()
    rule = load_clinic(Path("clinic.sample.toml")).treatments["facial_rejuvenation"].series_rule()
    bookings = _bookings(calendar, rng, count=arguments.bookings, span_days=arguments.span_days)
    assert len(bookings) == arguments.bookings, len(bookings)
    started = clock.perf_counter()
    index = BookingIndex.from_bookings(bookings)
    print(f"{len(index)} bookings on {len(RESOURCES)} practitioners, Europe/Madrid")
    print(f"index build (once per snapshot): {(clock.perf_counter() - started) * 1000:.1f} ms")

    starts: list[tuple[date, time]] = []
    while len(starts) < arguments.starts:
        day = NOW.date() + timedelta(days=rng.randrange(2, 330))
        times = free_times(
            rule=rule, session_count=4, day=day, calendar=calendar, bookings=index, now=NOW
        )
        if times:
            starts.append((day, rng.choice(times)))
    planned = 0

    def plan(day: date, wall: time) -> None:
        nonlocal planned
        result = plan_series(
            rule=rule,
            session_count=4,
            first_date=day,
            first_time=wall,
            calendar=calendar,
            bookings=index,
            now=NOW,
        )
        planned += isinstance(result, PlannedSeries)

    _measure(
        f"plan_series, 4 sessions, {len(index) // 1000}k bookings",
        [lambda d=d, t=t: plan(d, t) for d, t in starts],
    )
    assert planned == len(starts), "every offered start must lead to a series"

    months = [(2026 + (m - 1) // 12, (m - 1) % 12 + 1) for m in range(1, arguments.months + 1)]
    _measure(
        f"free_dates, one month, {len(index) // 1000}k bookings",
        [
            lambda y=y, m=m: free_dates(
                rule=rule,
                session_count=4,
                year=y,
                month=m,
                calendar=calendar,
                bookings=index,
                now=NOW,
            )
            for y, m in months * 5
        ],
    )
    # What a request really costs when the data layer returns only the bookings of the
    # series' horizon (first date - 1 day .. first date + 3 * max gap + 1 day): build + plan.
    by_day = sorted(bookings, key=lambda b: b.start)
    stamps = [b.start for b in by_day]

    def horizon_plan(day: date, wall: time) -> None:
        from bisect import bisect_left

        lo = datetime.combine(day - timedelta(days=1), time(0), tzinfo=UTC)
        hi = lo + timedelta(days=3 * rule.max_gap_days + 3)
        window = by_day[bisect_left(stamps, lo) : bisect_left(stamps, hi)]
        small = BookingIndex.from_bookings(window)
        plan_series(
            rule=rule,
            session_count=4,
            first_date=day,
            first_time=wall,
            calendar=calendar,
            bookings=small,
            now=NOW,
        )

    _measure(
        "index of horizon bookings + plan_series",
        [lambda d=d, t=t: horizon_plan(d, t) for d, t in starts],
    )


if __name__ == "__main__":
    main()
