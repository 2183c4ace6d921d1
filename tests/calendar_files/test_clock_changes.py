"""Courses across clock changes: every parser shows the planned 10:00 on both sides."""

from __future__ import annotations

from datetime import date, time
from zoneinfo import ZoneInfo

import pytest

from mesobot.calendar_files import build_calendar
from tests.calendar_files.factories import CLINIC, STAMP, course
from tests.calendar_files.parsers import PARSERS

COURSES = [
    # Spring forward (29 March) and fall back (25 October) in 2026.
    pytest.param("Europe/Madrid", [date(2026, 3, 17), date(2026, 3, 31)], id="madrid-spring"),
    pytest.param("Europe/Madrid", [date(2026, 10, 13), date(2026, 10, 27)], id="madrid-autumn"),
    # Chile leaves summer time on 5 April and returns on 6 September 2026.
    pytest.param("America/Santiago", [date(2026, 3, 24), date(2026, 4, 7)], id="santiago-april"),
    pytest.param("America/Santiago", [date(2026, 8, 25), date(2026, 9, 8)], id="santiago-sept"),
    # Lord Howe Island moves its clocks by half an hour (5 April and 4 October 2026).
    pytest.param("Australia/Lord_Howe", [date(2026, 3, 24), date(2026, 4, 7)], id="lordhowe"),
    pytest.param("Australia/Lord_Howe", [date(2026, 9, 29), date(2026, 10, 13)], id="lh-oct"),
]


@pytest.mark.parametrize(("zone_name", "days"), COURSES)
@pytest.mark.parametrize("parser", sorted(PARSERS))
def test_sessions_stay_at_ten_local_across_the_clock_change(
    zone_name: str, days: list[date], parser: str
) -> None:
    """Each parser's instant, shown in the clinic's zone, is 10:00 on the planned day."""
    zone = ZoneInfo(zone_name)
    entries = course(days, zone=zone, at=time(10, 0))
    offsets = {entry.start.utcoffset() for entry in entries}
    assert len(offsets) == 2, "the course must cross a clock change"
    ics = build_calendar(entries=entries, clinic=CLINIC, stamp=STAMP, language="en")
    events = PARSERS[parser](ics)
    shown = [event.start_utc.astimezone(zone) for event in events]
    assert [(moment.date(), moment.time()) for moment in shown] == [
        (day, time(10, 0)) for day in days
    ]
    assert [event.start_utc for event in events] == [entry.start_utc for entry in entries]
