"""Local wall time as the truth: calendar-day arithmetic and the derived UTC instants."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from functools import lru_cache
from zoneinfo import ZoneInfo

MINUTES_PER_DAY = 24 * 60


@lru_cache(maxsize=64)
def zone_named(key: str) -> ZoneInfo:
    """The `ZoneInfo` for an IANA key (cached: ZoneInfo itself caches, but not the lookup cost)."""
    return ZoneInfo(key)


def local_days_between(earlier: date, later: date) -> int:
    """The gap between two session dates in local calendar days, whatever the clocks did."""
    return (later - earlier).days


def wall_time_exists(day: date, wall: time, zone: ZoneInfo) -> bool:
    """Whether `wall` happens on `day` at all (it does not inside a spring-forward gap)."""
    local = datetime.combine(day, wall, tzinfo=zone)
    round_trip = local.astimezone(UTC).astimezone(zone)
    return round_trip.replace(tzinfo=None) == local.replace(tzinfo=None)


def utc_instant(day: date, wall: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of a wall time; an ambiguous one (clocks set back) is the first, fold=0.

    A nonexistent wall time (clocks set forward) follows PEP 495 and lands after the gap; the
    planner never offers one, so this only happens when the zone's rules change under a stored
    session, which callers can detect with `wall_time_exists`.
    """
    return datetime.combine(day, wall.replace(fold=0), tzinfo=zone).astimezone(UTC)


def minute_of_day(wall: time) -> int:
    """Minutes after local midnight (seconds are not part of the clinic's grid)."""
    return wall.hour * 60 + wall.minute


def wall_time(minute: int) -> time:
    """The wall time `minute` minutes after midnight (0 <= minute < 1440)."""
    return time(minute // 60, minute % 60)
