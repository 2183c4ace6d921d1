"""The booking tests' guard: a screen computed inside a write transaction fails the test.

A month calendar, a day's free times, a series preview or a move's finder computed while the
bot holds `Database.write()` keeps SQLite's one write lock for the whole computation, and
every other patient's tap waits. In the spirit of tests/telegram_guard.py, every test of this
directory (the real application through the emulator) is checked; the calls are kept in
`screen_log` for tests that look at them.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import pytest

import mesobot.booking
import mesobot.patient_changes
from mesobot.db import write_transaction_open

# What the screens of booking and of moving a session are computed with.
SCREEN_COMPUTATIONS: list[tuple[ModuleType, str]] = [
    (mesobot.booking, "month_free_dates"),
    (mesobot.booking, "day_free_times"),
    (mesobot.booking, "plan_from_database"),
    (mesobot.patient_changes, "move_finder"),
    (mesobot.patient_changes, "plan_move"),
]
# The arguments that say which screen it is (not the session, the calendar object or now).
_WHICH = (
    "rule",
    "session_count",
    "year",
    "month",
    "day",
    "first_date",
    "first_time",
    "appointment_id",
    "around",
    "new_date",
    "new_time",
)


@dataclass(frozen=True)
class ScreenCall:
    """One computation: what, for which screen, in which update's task, inside a write?"""

    name: str
    which: tuple[tuple[str, Any], ...]
    task: asyncio.Task[Any] | None
    in_write: bool


@dataclass
class ScreenLog:
    """Every screen computation a test made."""

    calls: list[ScreenCall] = field(default_factory=list)

    def names(self) -> set[str]:
        """The kinds of computation seen."""
        return {call.name for call in self.calls}

    def repeated(self) -> list[ScreenCall]:
        """Computations of the same screen made twice in one update (one task)."""
        seen: set[tuple[Any, ...]] = set()
        twice = []
        for call in self.calls:
            key = (id(call.task), call.name, call.which)
            if key in seen:
                twice.append(call)
            seen.add(key)
        return twice


def _spy(log: ScreenLog, name: str, original: Any) -> Any:
    async def spied(*args: Any, **kwargs: Any) -> Any:
        which = tuple((key, kwargs[key]) for key in _WHICH if key in kwargs)
        log.calls.append(
            ScreenCall(name, which, asyncio.current_task(), in_write=write_transaction_open())
        )
        return await original(*args, **kwargs)

    return spied


@pytest.fixture(autouse=True)
def screen_log(monkeypatch: pytest.MonkeyPatch) -> Iterator[ScreenLog]:
    """Spy on every screen computation wherever the package imported it; fail the test if
    one ran inside a write transaction."""
    log = ScreenLog()
    for module, name in SCREEN_COMPUTATIONS:
        original = getattr(module, name)
        spied = _spy(log, name, original)
        for loaded in list(sys.modules.values()):
            in_package = getattr(loaded, "__name__", "").startswith("mesobot")
            if in_package and getattr(loaded, name, None) is original:
                monkeypatch.setattr(loaded, name, spied)
    yield log
    inside = [f"{call.name}{dict(call.which)}" for call in log.calls if call.in_write]
    assert not inside, "screens computed inside a write transaction:\n" + "\n".join(inside)
