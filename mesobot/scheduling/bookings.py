"""What is already booked: an immutable snapshot indexed once for logarithmic conflict checks."""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Booking:
    """A resource held from `start` to `end` (timezone-aware), as the data layer reports it."""

    resource_id: str
    start: datetime
    end: datetime


class IntervalSet:
    """Half-open intervals in POSIX seconds, answering "does anything overlap [lo, hi)?"."""

    __slots__ = ("_ends", "_max_end", "_starts")

    def __init__(self, intervals: Iterable[tuple[float, float]]) -> None:
        ordered = sorted(intervals)
        self._starts = [start for start, _ in ordered]
        self._ends = [end for _, end in ordered]
        # Intervals may overlap each other (a snapshot is not trusted to be clean), so a
        # running maximum of the ends answers the question with one bisection.
        self._max_end: list[float] = []
        highest = float("-inf")
        for _, end in ordered:
            highest = max(highest, end)
            self._max_end.append(highest)

    def __len__(self) -> int:
        return len(self._starts)

    def overlaps(self, lo: float, hi: float) -> bool:
        """Whether some interval [s, e) has s < hi and e > lo."""
        count = bisect_left(self._starts, hi)
        return count > 0 and self._max_end[count - 1] > lo

    def within(self, lo: float, hi: float) -> list[tuple[float, float]]:
        """The intervals that overlap [lo, hi): a day's few, to check its slots against."""
        found = []
        index = bisect_left(self._starts, hi) - 1
        # Going back from the last start before `hi`, the running maximum of the ends says
        # when no earlier interval can reach past `lo` any more.
        while index >= 0 and self._max_end[index] > lo:
            if self._ends[index] > lo:
                found.append((self._starts[index], self._ends[index]))
            index -= 1
        return found


class BookingIndex:
    """Existing bookings per resource. Build it once per snapshot; it is never changed after."""

    __slots__ = ("_by_resource",)

    def __init__(self, by_resource: Mapping[str, IntervalSet]) -> None:
        self._by_resource = dict(by_resource)

    @classmethod
    def from_bookings(cls, bookings: Iterable[Booking]) -> BookingIndex:
        """Index a snapshot such as the data layer's query result."""
        grouped: defaultdict[str, list[tuple[float, float]]] = defaultdict(list)
        for booking in bookings:
            span = (booking.start.timestamp(), booking.end.timestamp())
            grouped[booking.resource_id].append(span)
        return cls({resource: IntervalSet(spans) for resource, spans in grouped.items()})

    @classmethod
    def from_spans(cls, spans: Iterable[tuple[str, float, float]]) -> BookingIndex:
        """Index (resource id, start, end) rows with times already in POSIX seconds."""
        grouped: defaultdict[str, list[tuple[float, float]]] = defaultdict(list)
        for resource_id, start, end in spans:
            grouped[resource_id].append((float(start), float(end)))
        return cls({resource: IntervalSet(spans) for resource, spans in grouped.items()})

    @classmethod
    def empty(cls) -> BookingIndex:
        """No bookings at all."""
        return cls({})

    def __len__(self) -> int:
        return sum(len(spans) for spans in self._by_resource.values())

    def overlaps(self, resource_id: str, lo: float, hi: float) -> bool:
        """Whether `resource_id` is booked anywhere in [lo, hi) (POSIX seconds)."""
        spans = self._by_resource.get(resource_id)
        return spans is not None and spans.overlaps(lo, hi)

    def within(self, resource_id: str, lo: float, hi: float) -> list[tuple[float, float]]:
        """The bookings of `resource_id` that overlap [lo, hi) (POSIX seconds)."""
        spans = self._by_resource.get(resource_id)
        return [] if spans is None else spans.within(lo, hi)
