"""Each booking screen computed once: a bounded, per-process memory of the planner's answers.

A month's free dates, a day's free times and the series shown from a first slot are pure
functions of: the bookings snapshot, the calendar (opening hours, resources and every closure),
the treatment's series rule, the session count, the month, day or first slot asked about, and
the earliest allowed start (`now` plus the minimum notice: `Availability` is the planner's only
reader of `now`). The key is exactly that, with the snapshot as a digest of its rows, so an
answer is reused only for the very question it answered. A booking, block or move, whichever
process commits it, changes the snapshot or the calendar the next caller reads, and with them
the key: nothing is ever invalidated, stale keys are simply never asked for again and fall out
of the LRU.

Booking's locked re-checks never come here: they plan against a fresh snapshot themselves.
"""

from __future__ import annotations

import threading
from array import array
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from hashlib import blake2b
from math import gcd
from typing import Generic, TypeVar

from mesobot.scheduling.bookings import BookingIndex
from mesobot.scheduling.calendar import Calendar
from mesobot.scheduling.planner import plan_series
from mesobot.scheduling.series import PlanResult, SeriesRule
from mesobot.scheduling.slots import free_dates, free_times

# An entry (key and answer; the calendar and rule in a key are the caller's, shared) keeps about
# 1.6 KB alive for a month's dates, 1.5 KB for a day's times and 1.2-1.8 KB for a four-session
# plan (tracemalloc, bench/booking_database.py; up to 3 KB where it also counts the driver's
# caches growing): 1,024 entries stay within 2-3 MB, while 20 patients on different screens
# need a few dozen. A key also keeps its calendar alive: after a /block the calendar before it
# (about 1 KB and 0.3 KB per closure) stays until evicted.
SCREEN_ENTRIES = 1024
# Every UTC offset in use is a whole number of quarter hours (Nepal's +05:45 included).
_OFFSET_GRAIN_MINUTES = 15
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)

SpanRow = tuple[str, float, float]
K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
_MISSING = object()


class LruCache(Generic[K, V]):
    """At most `entries` values; the least recently used goes first. Safe across threads."""

    def __init__(self, entries: int) -> None:
        if entries < 1:
            raise ValueError("a cache holds at least one entry")
        self.entries = entries
        self.hits = 0
        self.misses = 0
        self._values: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._values)

    def get(self, key: K) -> V | None:
        """The value stored under `key` (now the most recently used), or None."""
        with self._lock:
            value = self._values.pop(key, _MISSING)
            if value is _MISSING:
                self.misses += 1
                return None
            self.hits += 1
            self._values[key] = value  # type: ignore[assignment]
            return value  # type: ignore[return-value]

    def put(self, key: K, value: V) -> None:
        """Store `value` under `key`, dropping the least recently used beyond `entries`."""
        with self._lock:
            self._values.pop(key, None)
            self._values[key] = value
            while len(self._values) > self.entries:
                self._values.popitem(last=False)

    def get_or_compute(self, key: K, compute: Callable[[], V]) -> V:
        """The value under `key`, computed (outside the lock) and stored when missing."""
        value = self.get(key)
        if value is None:
            value = compute()
            self.put(key, value)
        return value

    def clear(self) -> None:
        """Forget every value (and the counts)."""
        with self._lock:
            self._values.clear()
            self.hits = self.misses = 0


def snapshot_digest(rows: Sequence[SpanRow]) -> bytes:
    """128 bits of BLAKE2b over (resource id, start, end) rows, in their order.

    The encoding is unambiguous (the count, each id's length, the ids, then the exact bytes of
    the floats), so two different snapshots share a digest only by a 2**-128 accident. The
    same rows in another order give another digest, which costs a recomputation, no more.
    """
    digest = blake2b(len(rows).to_bytes(8, "little"), digest_size=16)
    if rows:
        resources, starts, ends = zip(*rows, strict=True)
        digest.update(array("q", map(len, resources)).tobytes())
        digest.update("".join(resources).encode())
        digest.update(array("d", starts).tobytes())
        digest.update(array("d", ends).tobytes())
    return digest.digest()


class BookingSnapshot:
    """The rows of one bookings query: digested for a cache key, indexed only to plan."""

    __slots__ = ("_digest", "_index", "rows")

    def __init__(self, rows: Sequence[SpanRow]) -> None:
        self.rows = rows
        self._digest: bytes | None = None
        self._index: BookingIndex | None = None

    @property
    def digest(self) -> bytes:
        if self._digest is None:
            self._digest = snapshot_digest(self.rows)
        return self._digest

    def index(self) -> BookingIndex:
        if self._index is None:
            self._index = BookingIndex.from_spans(self.rows)
        return self._index


def earliest_start(calendar: Calendar, now: datetime) -> datetime:
    """The earliest start the planner allows at `now`, rounded UP to a whole bucket.

    Why up, and why this bucket:
    - The key must not change every second, yet a key rounded down would hand out an answer
      computed for an earlier `now`, which may offer a slot that has come inside the minimum
      notice since. Answers are computed for the rounded-up start instead: every slot offered
      starts at or after it, so it is allowed at the true `now` too (and at the locked re-check,
      which plans with the true `now`).
    - Rounding up could only hide a slot starting inside the bucket, before the rounded start.
      The bucket is gcd(slot length, 15) minutes from the epoch: slots start on the local grid
      (multiples of `slot_minutes` after local midnight) and every UTC offset in use is a whole
      number of quarter hours, so every slot starts on a bucket boundary and none lies inside
      one: nothing is hidden. (Under an offset off the quarter hour, a slot would be hidden for
      less than one bucket before it is refused anyway; never offered too soon.)
    - So the key changes once per bucket: every 15 minutes on a 15-minute grid.
    """
    earliest = now + calendar.minimum_notice
    bucket = timedelta(minutes=gcd(calendar.slot_minutes, _OFFSET_GRAIN_MINUTES)) // _MICROSECOND
    elapsed = (earliest - _EPOCH) // _MICROSECOND
    return _EPOCH + -(-elapsed // bucket) * bucket * _MICROSECOND


class ScreenCache:
    """The booking screens' answers, keyed on everything they depend on (see the module)."""

    def __init__(self, entries: int = SCREEN_ENTRIES) -> None:
        self.answers: LruCache[Hashable, object] = LruCache(entries)

    def free_dates(
        self,
        *,
        rule: SeriesRule,
        session_count: int,
        year: int,
        month: int,
        calendar: Calendar,
        snapshot: BookingSnapshot,
        now: datetime,
    ) -> tuple[date, ...]:
        """`slots.free_dates`, computed once per key."""
        earliest = earliest_start(calendar, now)
        key = ("dates", snapshot.digest, calendar, rule, session_count, year, month, earliest)
        answer = self.answers.get_or_compute(
            key,
            lambda: free_dates(
                rule=rule,
                session_count=session_count,
                year=year,
                month=month,
                calendar=calendar,
                bookings=snapshot.index(),
                now=earliest - calendar.minimum_notice,
            ),
        )
        return answer  # type: ignore[return-value]

    def free_times(
        self,
        *,
        rule: SeriesRule,
        session_count: int,
        day: date,
        calendar: Calendar,
        snapshot: BookingSnapshot,
        now: datetime,
    ) -> tuple[time, ...]:
        """`slots.free_times`, computed once per key."""
        earliest = earliest_start(calendar, now)
        key = ("times", snapshot.digest, calendar, rule, session_count, day, earliest)
        answer = self.answers.get_or_compute(
            key,
            lambda: free_times(
                rule=rule,
                session_count=session_count,
                day=day,
                calendar=calendar,
                bookings=snapshot.index(),
                now=earliest - calendar.minimum_notice,
            ),
        )
        return answer  # type: ignore[return-value]

    def plan(
        self,
        *,
        rule: SeriesRule,
        session_count: int,
        first_date: date,
        first_time: time,
        calendar: Calendar,
        snapshot: BookingSnapshot,
        now: datetime,
    ) -> PlanResult:
        """`planner.plan_series` from a first slot (for showing), computed once per key."""
        earliest = earliest_start(calendar, now)
        key = (
            ("plan", snapshot.digest, calendar, rule, session_count),
            (first_date, first_time, earliest),
        )
        answer = self.answers.get_or_compute(
            key,
            lambda: plan_series(
                rule=rule,
                session_count=session_count,
                first_date=first_date,
                first_time=first_time,
                calendar=calendar,
                bookings=snapshot.index(),
                now=earliest - calendar.minimum_notice,
            ),
        )
        return answer  # type: ignore[return-value]


# One per process: the key holds every input, so callers on any database may share it.
SCREENS = ScreenCache()
