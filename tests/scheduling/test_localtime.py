"""Wall time as the truth: clock changes, nonexistent and ambiguous times, rule changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

import pytest

from mesobot.scheduling.localtime import local_days_between, utc_instant, wall_time_exists
from mesobot.scheduling.series import SessionSlot


@pytest.mark.parametrize(
    ("zone", "day", "wall"),
    [
        ("Europe/Madrid", date(2026, 3, 29), time(2, 30)),
        ("America/Santiago", date(2026, 9, 6), time(0, 30)),
        ("Australia/Lord_Howe", date(2026, 10, 4), time(2, 15)),
    ],
)
def test_spring_forward_gap_times_do_not_exist(zone: str, day: date, wall: time) -> None:
    """Wall times skipped by a clock change are recognised, the minute after the gap is not."""
    assert not wall_time_exists(day, wall, ZoneInfo(zone))
    assert wall_time_exists(day, time(3, 0), ZoneInfo(zone))


def test_ambiguous_time_is_the_first_occurrence() -> None:
    """02:30 happens twice in Madrid on 25 Oct 2026; fold=0 picks the summer-time one."""
    instant = utc_instant(date(2026, 10, 25), time(2, 30), ZoneInfo("Europe/Madrid"))
    assert instant == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


def test_interval_is_counted_in_local_calendar_days() -> None:
    """Across Madrid's spring change, 14 local days are 13 days 23 hours of real time."""
    zone = ZoneInfo("Europe/Madrid")
    first, second = date(2026, 3, 20), date(2026, 4, 3)
    assert local_days_between(first, second) == 14
    gap = utc_instant(second, time(10), zone) - utc_instant(first, time(10), zone)
    assert gap == timedelta(days=13, hours=23)


class SaoPauloBefore2019(tzinfo):
    """Sao Paulo as the rules stood before Brazil dropped daylight saving in April 2019.

    Summer time (UTC-2) would have run from 3 Nov 2019 to 16 Feb 2020; this stands in for
    the tzdata a server had installed when the appointment was booked.
    """

    def utcoffset(self, dt: datetime | None) -> timedelta:
        assert dt is not None
        # A tzinfo is asked about wall times, so the comparison is on local dates.
        summer = date(2019, 11, 3) <= dt.date() < date(2020, 2, 16)
        return timedelta(hours=-2 if summer else -3)

    def dst(self, dt: datetime | None) -> timedelta:
        return self.utcoffset(dt) + timedelta(hours=3)

    def tzname(self, dt: datetime | None) -> str:
        return "-02" if self.dst(dt) else "-03"


def test_time_zone_rule_change_leaves_the_appointment_at_its_local_time() -> None:
    """A session booked under the old rules keeps its wall time; only the derived UTC moves.

    The slot stores the local date, wall time and zone name. Deriving its instant with the
    pre-2019 rules gives 12:00 UTC; with today's tzdata (no daylight saving) it gives 13:00
    UTC. Had the UTC instant been stored, the patient would be expected at 09:00 instead of
    10:00. With the wall time stored, the patient still comes at 10:00 local.
    """
    slot = SessionSlot(
        clinic_id="main",
        resource_id="dr-lopez",
        local_date=date(2019, 11, 20),
        local_time=time(10),
        zone="America/Sao_Paulo",
        duration_minutes=30,
    )
    booked_under_old_rules = utc_instant(slot.local_date, slot.local_time, SaoPauloBefore2019())
    assert booked_under_old_rules == datetime(2019, 11, 20, 12, tzinfo=UTC)
    assert slot.start_utc == datetime(2019, 11, 20, 13, tzinfo=UTC)
    assert slot.start_utc.astimezone(ZoneInfo(slot.zone)).time() == time(10)
    stale = booked_under_old_rules.astimezone(ZoneInfo(slot.zone)).time()
    assert stale == time(9)  # what a stored UTC instant would have turned into
    assert slot.end_utc - slot.start_utc == timedelta(minutes=30)
