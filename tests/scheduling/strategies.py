"""Hypothesis strategies for random clinics around clock changes, and the worlds they make."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

from mesobot.scheduling.bookings import Booking
from mesobot.scheduling.calendar import Calendar, Closure, OpeningInterval
from mesobot.scheduling.series import SeriesRule
from tests.scheduling.oracle import World

# Clock changes in 2026 (local dates); Sao Paulo has had none since 2019, so its dates are
# ordinary ones and serve as the control.
CLOCK_CHANGES = {
    "Europe/Madrid": (date(2026, 3, 29), date(2026, 10, 25)),
    "America/Santiago": (date(2026, 4, 4), date(2026, 9, 6)),
    "Australia/Lord_Howe": (date(2026, 4, 5), date(2026, 10, 4)),
    "America/Sao_Paulo": (date(2026, 2, 15), date(2026, 11, 1)),
}
RESOURCES = ("ana", "bea", "carl")
BUSY_MORNING = (540, 555, 570, 600, 615, 645, 660)


@dataclass
class Case:
    """A random world plus the request made in it."""

    world: World
    session_count: int
    first_day: date
    first_time: time
    resource_id: str | None


@st.composite
def rules(draw: st.DrawFn) -> SeriesRule:
    min_sessions = draw(st.integers(1, 3))
    min_gap = draw(st.integers(1, 4))
    max_gap = draw(st.integers(min_gap, min_gap + 4))
    return SeriesRule(
        min_sessions=min_sessions,
        max_sessions=draw(st.integers(min_sessions, 4)),
        min_gap_days=min_gap,
        max_gap_days=max_gap,
        preferred_gap_days=draw(st.integers(min_gap, max_gap)),
        duration_minutes=draw(st.sampled_from([15, 30, 45, 60])),
    )


@st.composite
def day_hours(draw: st.DrawFn) -> tuple[OpeningInterval, ...]:
    # Boundaries anywhere in the day (midnight included) so that opening hours can cross the
    # clock changes at 00:00 (Santiago) and 02:00 (Madrid, Lord Howe).
    points = sorted(draw(st.sets(st.sampled_from(range(0, 24 * 60 + 1, 30)), max_size=4)))
    if len(points) % 2:
        points.pop()
    return tuple(OpeningInterval(a, b) for a, b in zip(points[::2], points[1::2], strict=True))


def _local(day: date, minute: int, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(minute // 60, minute % 60), tzinfo=zone)


@st.composite
def cases(draw: st.DrawFn, zone_key: str | None = None) -> Case:
    """A random clinic and request whose series may run across a clock change."""
    zone_key = zone_key or draw(st.sampled_from(sorted(CLOCK_CHANGES)))
    zone = ZoneInfo(zone_key)
    rule = draw(rules())
    resources = RESOURCES[: draw(st.integers(1, 3))]
    change = draw(st.sampled_from(CLOCK_CHANGES[zone_key]))
    first_day = change - timedelta(days=draw(st.integers(0, 12)))
    weekly = draw(st.lists(day_hours(), min_size=7, max_size=7))
    if draw(st.booleans()):  # often a realistic clinic, so that series are found
        weekly = [(OpeningInterval(0, 180), OpeningInterval(9 * 60, 19 * 60))] * 7
    closures = []
    # Many whole-day closures now and then, so that whole windows fill up.
    for _ in range(draw(st.sampled_from([0, 2, 4, 12]))):
        day = first_day + timedelta(days=draw(st.integers(0, 24)))
        resource = draw(st.none() | st.sampled_from(resources))
        if draw(st.booleans()):
            start, end = _local(day, 0, zone), _local(day + timedelta(days=1), 0, zone)
        else:
            minute = draw(st.integers(0, 47)) * 30
            start = _local(day, minute, zone)
            end = start + timedelta(minutes=draw(st.integers(1, 8)) * 30)
        closures.append(Closure(start, end, resource))
    if draw(st.booleans()):  # crowded: each resource away on about a third of the days
        for offset in range(25):
            for resource in resources:
                if draw(st.integers(0, 2)) == 0:
                    day = first_day + timedelta(days=offset)
                    start, end = _local(day, 0, zone), _local(day + timedelta(days=1), 0, zone)
                    closures.append(Closure(start, end, resource))
    bookings = []
    for _ in range(draw(st.sampled_from([0, 10, 30, 60]))):
        day = first_day + timedelta(days=draw(st.integers(0, 24)))
        # Bookings crowd a busy morning, so that buffers and neighbours really get tested.
        minute = draw(st.sampled_from(BUSY_MORNING) | st.integers(0, 95).map(lambda q: q * 15))
        start = _local(day, minute, zone).astimezone(UTC)
        length = timedelta(minutes=draw(st.sampled_from([15, 30, 45, 60, 120])))
        bookings.append(Booking(draw(st.sampled_from(resources)), start, start + length))
    calendar = Calendar(
        clinic_id="c1",
        zone_key=zone_key,
        weekly_hours=tuple(weekly),
        resource_ids=resources,
        slot_minutes=draw(st.sampled_from([15, 30, 60])),
        buffer_minutes=draw(st.sampled_from([0, 10, 15])),
        minimum_notice=timedelta(hours=draw(st.integers(0, 36))),
        closures=tuple(closures),
    )
    now = _local(first_day - timedelta(days=draw(st.integers(0, 3))), 8 * 60, zone)
    minute = draw(st.integers(0, 95)) * 15
    return Case(
        world=World(rule=rule, calendar=calendar, bookings=bookings, now=now),
        session_count=draw(st.integers(rule.min_sessions, rule.max_sessions)),
        first_day=first_day,
        first_time=time(minute // 60, minute % 60),
        resource_id=draw(st.none() | st.sampled_from(resources)),
    )
