"""Which session changes free a place, and on which local day (a move frees its old day)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from mesobot.lifecycle import Change, SessionChange
from mesobot.models import Appointment, SessionState
from mesobot.waitlist.openings import freed_day


def _appointment() -> Appointment:
    return Appointment(
        course_id=1,
        number=1,
        clinic_id="c",
        resource_id="dr-lopez",
        local_date=date(2026, 12, 9),
        local_time=time(10),
        zone="Europe/Madrid",
        duration_minutes=30,
        start_utc=datetime(2026, 12, 9, 9, tzinfo=UTC),
        end_utc=datetime(2026, 12, 9, 9, 30, tzinfo=UTC),
        state=SessionState.CONFIRMED,
        code="ABCDEF",
        calendar_uid="x@mesobot",
    )


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (Change.CANCELLED, date(2026, 12, 9)),
        (Change.DECLINED, date(2026, 12, 9)),
        (Change.DONE, None),
        (Change.NO_SHOW, None),
        (Change.CONFIRMED, None),
        (Change.REQUESTED, None),
    ],
)
def test_ending_changes_free_their_day(change: Change, expected: date | None) -> None:
    assert freed_day(SessionChange(_appointment(), change)) == expected


def test_a_move_frees_the_day_it_left_in_the_session_s_zone() -> None:
    """23:30 UTC on the 7th is already the 8th in Madrid."""
    previous = datetime(2026, 12, 7, 23, 30, tzinfo=UTC)
    moved = SessionChange(_appointment(), Change.MOVED, previous_start=previous)
    assert freed_day(moved) == date(2026, 12, 8)
    assert freed_day(SessionChange(_appointment(), Change.MOVED)) is None
