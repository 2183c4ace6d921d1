"""Pure timing of care messages: quiet hours, the clinic's opening hours, and local days."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from mesobot.clinic import Clinic
from mesobot.scheduling.localtime import utc_instant, zone_named


def out_of_quiet_hours(instant: datetime, *, clinic: Clinic) -> datetime:
    """`instant`, or the end of the clinic's quiet hours if it falls inside them."""
    zone = zone_named(clinic.clinic.timezone)
    start, end = clinic.care.quiet_window()
    local = instant.astimezone(zone)
    wall, day = local.time().replace(tzinfo=None), local.date()
    if start == end:
        return instant  # no quiet hours
    if start > end:  # wraps midnight, as 21:00-09:00 does
        if wall >= start:
            return utc_instant(day + timedelta(days=1), end, zone)
        if wall < end:
            return utc_instant(day, end, zone)
    elif start <= wall < end:
        return utc_instant(day, end, zone)
    return instant


def local_instant(day: date, wall: time, *, clinic: Clinic) -> datetime:
    """The UTC instant of a wall time on a local day in the clinic's zone."""
    return utc_instant(day, wall, zone_named(clinic.clinic.timezone))


def next_opening(now: datetime, *, clinic: Clinic, horizon_days: int = 21) -> datetime | None:
    """`now` if the clinic is open now, else when it next opens (None: not within the horizon).

    Whole-clinic closures count; a single practitioner's absence does not close the clinic.
    """
    zone = zone_named(clinic.clinic.timezone)
    closures = [entry.closure(zone) for entry in clinic.closures if entry.resource is None]
    weekly = clinic.opening_hours.weekly()
    today = now.astimezone(zone).date()
    for offset in range(horizon_days + 1):
        day = today + timedelta(days=offset)
        for interval in weekly[day.weekday()]:
            opens = utc_instant(day, _wall(interval.start_minute), zone)
            closes = (
                utc_instant(day + timedelta(days=1), time(0), zone)
                if interval.end_minute >= 24 * 60
                else utc_instant(day, _wall(interval.end_minute), zone)
            )
            if closes <= now:
                continue
            candidate = max(opens, now)
            for closure in closures:
                if closure.start <= candidate < closure.end:
                    candidate = closure.end
            if candidate < closes:
                return candidate
    return None


def _wall(minute: int) -> time:
    return time(minute // 60, minute % 60)
