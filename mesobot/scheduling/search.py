"""The series search shared by the planner and the free-slot queries.

Whether sessions k+1..n can follow a session depends only on that session's local date (the
window is in calendar days, and sessions of one course never share a day), never on its time
or resource. So feasibility is memoised per (date, sessions still to place), and the planner
walks the preference order knowing in advance which choices lead to a whole series: it never
backtracks and never offers a dead end.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from mesobot.scheduling.availability import Availability
from mesobot.scheduling.series import SeriesRule


@dataclass(frozen=True, slots=True)
class Placement:
    """A session's place in search terms: local date, minute after midnight, resource index."""

    day: date
    minute: int
    resource: int


@dataclass(frozen=True, slots=True)
class Preference:
    """What one session would like: a slot to keep if still valid, a time, a resource order."""

    minute: int
    resource_order: tuple[int, ...]
    keep: Placement | None = None


@dataclass(frozen=True, slots=True)
class Blocked:
    """The first session (0-based among those placed) with no way forward, and its window."""

    index: int
    earliest: date
    latest: date


class SeriesSearch:
    """Feasibility and preference-ordered placement of sessions after an anchor date."""

    def __init__(self, availability: Availability, rule: SeriesRule) -> None:
        self.availability = availability
        self.rule = rule
        self._depth: dict[tuple[date, int], int] = {}
        offsets = range(rule.min_gap_days, rule.max_gap_days + 1)
        # The documented day order: nearest to the preferred gap, later before earlier.
        self._offsets = sorted(offsets, key=lambda o: (abs(o - rule.preferred_gap_days), -o))

    def has_slot(self, day: date) -> bool:
        """Whether any resource can hold a session on `day`."""
        return bool(self.availability.day_slots(day))

    def depth(self, after: date, remaining: int) -> int:
        """How many of `remaining` sessions can follow one held on `after` (at most remaining)."""
        if remaining == 0:
            return 0
        key = (after, remaining)
        known = self._depth.get(key)
        if known is not None:
            return known
        best = 0
        for offset in self._offsets:
            day = after + timedelta(days=offset)
            if self.has_slot(day):
                best = max(best, 1 + self.depth(day, remaining - 1))
                if best == remaining:
                    break
        self._depth[key] = best
        return best

    def days_in_order(self, after: date, keep: Placement | None) -> list[date]:
        """Candidate days after `after`: a kept day first, then the documented order."""
        days = [after + timedelta(days=offset) for offset in self._offsets]
        if keep is not None and keep.day in days:
            days.remove(keep.day)
            days.insert(0, keep.day)
        return days

    def best_on_day(self, day: date, preference: Preference) -> Placement | None:
        """The preferred valid slot of `day`: kept slot, then resource order, then nearest time."""
        slots = self.availability.day_slots(day)
        keep = preference.keep
        if keep is not None and keep.day == day and keep.resource in slots.get(keep.minute, ()):
            return keep
        by_time = sorted(slots, key=lambda minute: (abs(minute - preference.minute), minute))
        for resource in preference.resource_order:
            for minute in by_time:
                if resource in slots[minute]:
                    return Placement(day, minute, resource)
        return None

    def place_after(
        self, anchor: date, preferences: list[Preference]
    ) -> list[Placement] | Blocked:
        """Place one session per preference after `anchor`, or say where it gets stuck."""
        remaining = len(preferences)
        if self.depth(anchor, remaining) < remaining:
            return self._blocked(anchor, remaining)
        placed: list[Placement] = []
        previous = anchor
        for index, preference in enumerate(preferences):
            still_after = remaining - index - 1
            for day in self.days_in_order(previous, preference.keep):
                if self.has_slot(day) and self.depth(day, still_after) == still_after:
                    placement = self.best_on_day(day, preference)
                    assert placement is not None  # has_slot: every resource order covers it
                    placed.append(placement)
                    previous = day
                    break
            else:  # pragma: no cover - excluded by the depth check above
                raise AssertionError("feasible series lost its way")
        return placed

    def _blocked(self, anchor: date, remaining: int) -> Blocked:
        """Follow the preferred deepest path and report the session that cannot be placed."""
        index = 0
        previous = anchor
        while True:
            reach = self.depth(previous, remaining - index)
            target = reach - 1
            next_day = next(
                (
                    day
                    for day in self.days_in_order(previous, None)
                    if self.has_slot(day) and self.depth(day, remaining - index - 1) == target
                ),
                None,
            )
            if reach == 0 or next_day is None:
                return Blocked(
                    index=index,
                    earliest=previous + timedelta(days=self.rule.min_gap_days),
                    latest=previous + timedelta(days=self.rule.max_gap_days),
                )
            previous = next_day
            index += 1
