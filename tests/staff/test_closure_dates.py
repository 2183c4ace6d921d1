"""/block and /unblock take dates from a year back to two years ahead and say so for any
other; no date a staff member can type makes a command fail (9999-12-31 has no next day)."""

from __future__ import annotations

import logging

import pytest
from sqlmodel import func, select

from mesobot.staff.models import ClinicClosure
from tests.staff.conftest import Clinic, answer_to

# The clinic's today is Mon, 30 Nov 2026 (09:00 in Madrid).
WINDOW = "Closures can be set and removed from Sun, 30 Nov 2025 to Thu, 30 Nov 2028"


async def _closures(clinic: Clinic) -> int:
    async with clinic.services.database.read() as session:
        return (await session.exec(select(func.count()).select_from(ClinicClosure))).one()


async def test_a_date_far_back_or_ahead_is_refused_with_the_dates_that_work(
    clinic: Clinic, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR)
    for command in ("block", "unblock"):
        for typed in ("9999-12-31", "0001-01-01", "2025-11-29", "2028-12-01", "2126-11-30"):
            reply = await answer_to(clinic.rita, command, typed)
            assert (reply.text or "").startswith(WINDOW), (command, typed, reply.text)
    assert await _closures(clinic) == 0
    for typed in ("2025-11-30", "2028-11-30"):  # the first and the last day that work
        reply = await answer_to(clinic.rita, "block", typed)
        assert (reply.text or "").startswith("Blocked"), (typed, reply.text)
    assert await _closures(clinic) == 2
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_the_agenda_of_any_date_answers(
    clinic: Clinic, caplog: pytest.LogCaptureFixture
) -> None:
    """/agenda takes any date: the first and the last the calendar has answer like others."""
    caplog.set_level(logging.ERROR)
    for typed in ("9999-12-31", "0001-01-01"):
        reply = await answer_to(clinic.rita, "agenda", typed)
        assert "No sessions." in (reply.text or ""), (typed, reply.text)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
