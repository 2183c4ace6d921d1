"""The one clock all code asks for the time, so that tests can move time instead of sleeping."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta


class Clock:
    """Real time, in UTC, with listeners told whenever time jumps (only test clocks jump)."""

    def __init__(self) -> None:
        self._listeners: list[Callable[[], None]] = []

    def now(self) -> datetime:
        """The current instant, timezone-aware, in UTC."""
        return datetime.now(UTC)

    def subscribe(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Call `listener` after every jump in time; returns a function that unsubscribes."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def _notify(self) -> None:
        for listener in list(self._listeners):
            listener()


class ManualClock(Clock):
    """A clock that stands still until a test moves it; moving it wakes its listeners."""

    def __init__(self, start: datetime) -> None:
        super().__init__()
        if start.tzinfo is None:
            raise ValueError("ManualClock needs a timezone-aware start")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> datetime:
        """Move time forward by `delta` and wake whatever waits on the clock."""
        if delta < timedelta(0):
            raise ValueError("time only moves forward")
        self._now += delta
        self._notify()
        return self._now

    def set(self, instant: datetime) -> datetime:
        """Jump to `instant` (not earlier than now) and wake whatever waits on the clock."""
        return self.advance(instant.astimezone(UTC) - self._now)


class ShiftedClock(Clock):
    """Real time plus a lead that only grows: `make demo`'s time machine.

    It runs at the real pace, so the bot behaves as in production between jumps; a jump wakes
    whatever waits on the clock, as the test clock's moves do.
    """

    def __init__(self, start: datetime | None = None) -> None:
        super().__init__()
        if start is not None and start.tzinfo is None:
            raise ValueError("ShiftedClock needs a timezone-aware start")
        self._lead = timedelta(0) if start is None else start - datetime.now(UTC)

    def now(self) -> datetime:
        return datetime.now(UTC) + self._lead

    def advance(self, delta: timedelta) -> datetime:
        """Move time forward by `delta` and wake whatever waits on the clock."""
        if delta < timedelta(0):
            raise ValueError("time only moves forward")
        self._lead += delta
        self._notify()
        return self.now()
