"""Plan, re-plan and cut short a course of sessions: pure functions over an immutable snapshot.

The preference order (a total order, so that a series is fully determined by its inputs):

1. Session 1 is where the caller asks; its resource is the one asked for, or else the first
   free one in `Calendar.resource_ids` order.
2. Each later session k+1 goes on a day `d_k + g` with g in the treatment's [min, max] gap
   window, days ordered by |g - preferred gap|, then later before earlier.
3. The first day in that order that has a free slot *and* from which the remaining sessions
   can still all be placed wins (so no choice ever leads into a dead end).
4. On that day: the course's resource (session 1's) before the others in calendar order; for a
   resource, the preferred wall time (session 1's) first, then times by distance in minutes,
   earlier before later at equal distance.

Re-planning (a move, a cancelled middle session) keeps each later session's own slot when it is
still valid and still leads to a whole series; otherwise that session is placed by the order
above, preferring its own former time and resource.

"Consistent" after any change means: the series is one the planner could have produced, i.e.
its count is inside the treatment's range and every gap is inside the window. A change that
cannot keep that is refused with an `Impossible` saying which session and why.

The snapshot of bookings must not contain the sessions of the series being changed.
"""

from __future__ import annotations

from datetime import date, datetime, time

from mesobot.scheduling.availability import Availability
from mesobot.scheduling.bookings import BookingIndex
from mesobot.scheduling.calendar import Calendar
from mesobot.scheduling.localtime import minute_of_day, wall_time
from mesobot.scheduling.search import Blocked, Placement, Preference, SeriesSearch
from mesobot.scheduling.series import (
    Impossible,
    Obstacle,
    PlannedSeries,
    PlanResult,
    SeriesRule,
    SessionSlot,
)


def _resource_order(calendar: Calendar, first: int) -> tuple[int, ...]:
    others = (index for index in range(len(calendar.resource_ids)) if index != first)
    return (first, *others)


def _slot(calendar: Calendar, rule: SeriesRule, placement: Placement) -> SessionSlot:
    return SessionSlot(
        clinic_id=calendar.clinic_id,
        resource_id=calendar.resource_ids[placement.resource],
        local_date=placement.day,
        local_time=wall_time(placement.minute),
        zone=calendar.zone_key,
        duration_minutes=rule.duration_minutes,
    )


def _placement(calendar: Calendar, slot: SessionSlot) -> Placement | None:
    if slot.resource_id not in calendar.resource_ids:
        return None
    resource = calendar.resource_ids.index(slot.resource_id)
    return Placement(slot.local_date, minute_of_day(slot.local_time), resource)


def _blocked(blocked: Blocked, first_number: int) -> Impossible:
    return Impossible(
        session_number=first_number + blocked.index,
        obstacle=Obstacle.NO_SLOT_IN_WINDOW,
        detail=(
            f"no free slot between {blocked.earliest.isoformat()} and "
            f"{blocked.latest.isoformat()} from which the rest of the course fits"
        ),
    )


def _place_one(
    availability: Availability,
    *,
    number: int,
    day: date,
    wall: time,
    resource_id: str | None,
    resource_order: tuple[int, ...],
) -> Placement | Impossible:
    """Put session `number` exactly at `day` `wall`, on the asked resource or the first free."""
    calendar = availability.calendar
    minute = minute_of_day(wall)
    if wall.second or wall.microsecond:
        return Impossible(number, Obstacle.OFF_GRID, f"{wall.isoformat()} is not on the grid")
    if resource_id is not None:
        if resource_id not in calendar.resource_ids:
            return Impossible(number, Obstacle.UNKNOWN_RESOURCE, f"no resource {resource_id!r}")
        resource_order = (calendar.resource_ids.index(resource_id),)
    problems = [availability.problem(day, minute, resource) for resource in resource_order]
    for resource, problem in zip(resource_order, problems, strict=True):
        if problem is None:
            return Placement(day, minute, resource)
    # Every resource failed: the clinic-wide reason if they agree, else "taken".
    reason = problems[0] if len(set(problems)) == 1 else Obstacle.TAKEN
    assert reason is not None
    return Impossible(number, reason, f"{day.isoformat()} {wall.isoformat('minutes')}: {reason}")


def plan_series(
    *,
    rule: SeriesRule,
    session_count: int,
    first_date: date,
    first_time: time,
    calendar: Calendar,
    bookings: BookingIndex,
    now: datetime,
    resource_id: str | None = None,
) -> PlanResult:
    """The whole course starting at the given local slot, in the documented preference order."""
    if not rule.min_sessions <= session_count <= rule.max_sessions:
        return Impossible(
            1,
            Obstacle.SESSION_COUNT,
            f"{session_count} sessions; "
            f"the treatment has {rule.min_sessions} to {rule.max_sessions}",
        )
    availability = Availability(
        calendar=calendar, bookings=bookings, now=now, duration_minutes=rule.duration_minutes
    )
    search = SeriesSearch(availability, rule)
    first = _place_one(
        availability,
        number=1,
        day=first_date,
        wall=first_time,
        resource_id=resource_id,
        resource_order=tuple(range(len(calendar.resource_ids))),
    )
    if isinstance(first, Impossible):
        return first
    preference = Preference(first.minute, _resource_order(calendar, first.resource))
    rest = search.place_after(first.day, [preference] * (session_count - 1))
    if isinstance(rest, Blocked):
        return _blocked(rest, 2)
    return PlannedSeries(tuple(_slot(calendar, rule, p) for p in [first, *rest]))


def _replan_tail(
    search: SeriesSearch,
    *,
    anchor: date,
    tail: tuple[SessionSlot, ...],
    first_number: int,
) -> list[SessionSlot] | Impossible:
    """Re-place `tail` after `anchor`, keeping each slot that is still valid where possible."""
    calendar = search.availability.calendar
    preferences: list[Preference] = []
    for slot in tail:
        kept = _placement(calendar, slot)
        resource = kept.resource if kept is not None else 0
        preferences.append(
            Preference(minute_of_day(slot.local_time), _resource_order(calendar, resource), kept)
        )
    placed = search.place_after(anchor, preferences)
    if isinstance(placed, Blocked):
        return _blocked(placed, first_number)
    return [_slot(calendar, search.rule, p) for p in placed]


def replan_after_move(
    *,
    rule: SeriesRule,
    series: PlannedSeries,
    session_number: int,
    new_date: date,
    new_time: time,
    calendar: Calendar,
    bookings: BookingIndex,
    now: datetime,
    resource_id: str | None = None,
) -> PlanResult:
    """Move session `session_number` (1-based) and re-plan the ones after it.

    Sessions before it stay as they are; a new date outside the window after the session before
    is refused. The moved session keeps its resource when free, else takes the first free one.
    """
    slots = series.sessions
    if not 1 <= session_number <= len(slots):
        raise ValueError(f"session {session_number} is not in a series of {len(slots)}")
    index = session_number - 1
    if index > 0:
        previous = slots[index - 1].local_date
        gap = (new_date - previous).days
        if not rule.allows_gap(gap):
            return Impossible(
                session_number,
                Obstacle.GAP_TO_PREVIOUS,
                f"{gap} days after session {session_number - 1} on {previous.isoformat()}; "
                f"the treatment needs {rule.min_gap_days} to {rule.max_gap_days}",
            )
    availability = Availability(
        calendar=calendar, bookings=bookings, now=now, duration_minutes=rule.duration_minutes
    )
    current = _placement(calendar, slots[index])
    moved = _place_one(
        availability,
        number=session_number,
        day=new_date,
        wall=new_time,
        resource_id=resource_id,
        resource_order=_resource_order(calendar, current.resource if current else 0),
    )
    if isinstance(moved, Impossible):
        return moved
    search = SeriesSearch(availability, rule)
    tail = _replan_tail(
        search, anchor=new_date, tail=slots[index + 1 :], first_number=session_number + 1
    )
    if isinstance(tail, Impossible):
        return tail
    return PlannedSeries((*slots[:index], _slot(calendar, rule, moved), *tail))


def cancel_session(
    *,
    rule: SeriesRule,
    series: PlannedSeries,
    session_number: int,
    calendar: Calendar,
    bookings: BookingIndex,
    now: datetime,
) -> PlanResult:
    """Drop one session; the later ones are re-planned after the one before it if needed.

    Refused when fewer sessions than the treatment's minimum would remain (cancel the rest of
    the course instead, which ends it), or when the later sessions cannot be re-planned.
    """
    slots = series.sessions
    if not 1 <= session_number <= len(slots):
        raise ValueError(f"session {session_number} is not in a series of {len(slots)}")
    if len(slots) - 1 < rule.min_sessions:
        return Impossible(
            session_number,
            Obstacle.SESSION_COUNT,
            f"the treatment needs at least {rule.min_sessions} sessions; "
            "move this one or cancel the rest of the course",
        )
    index = session_number - 1
    if index in (0, len(slots) - 1):  # dropping an end leaves every other gap as it was
        return PlannedSeries(slots[:index] + slots[index + 1 :])
    availability = Availability(
        calendar=calendar, bookings=bookings, now=now, duration_minutes=rule.duration_minutes
    )
    tail = _replan_tail(
        SeriesSearch(availability, rule),
        anchor=slots[index - 1].local_date,
        tail=slots[index + 1 :],
        first_number=session_number + 1,
    )
    if isinstance(tail, Impossible):
        return tail
    return PlannedSeries((*slots[:index], *tail))


def cancel_rest(*, series: PlannedSeries, session_number: int) -> PlannedSeries:
    """Cut the course short from `session_number` on; what stays is untouched and still valid.

    Ending a course early is always allowed, below the minimum count too: that is a decision
    for the patient and the practitioner, and the data layer records the course as ended.
    """
    if not 1 <= session_number <= len(series.sessions):
        raise ValueError(f"session {session_number} is not in a series of {len(series.sessions)}")
    return PlannedSeries(series.sessions[: session_number - 1])


def add_session(
    *,
    rule: SeriesRule,
    series: PlannedSeries,
    calendar: Calendar,
    bookings: BookingIndex,
    now: datetime,
) -> PlanResult:
    """Append one session after the last (blepharoplasty's second, when the practitioner asks).

    It prefers the last session's time and resource, in the documented order.
    """
    slots = series.sessions
    if not slots or len(slots) >= rule.max_sessions:
        return Impossible(
            len(slots) + 1,
            Obstacle.SESSION_COUNT,
            f"the treatment has at most {rule.max_sessions} sessions",
        )
    availability = Availability(
        calendar=calendar, bookings=bookings, now=now, duration_minutes=rule.duration_minutes
    )
    last = slots[-1]
    known = _placement(calendar, last)
    preference = Preference(
        minute_of_day(last.local_time), _resource_order(calendar, known.resource if known else 0)
    )
    placed = SeriesSearch(availability, rule).place_after(last.local_date, [preference])
    if isinstance(placed, Blocked):
        return _blocked(placed, len(slots) + 1)
    return PlannedSeries((*slots, _slot(calendar, rule, placed[0])))
