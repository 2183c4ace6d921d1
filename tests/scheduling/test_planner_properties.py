"""Property tests: the planner, the re-planner and the free-slot queries against the oracle.

Worlds are random clinics in Madrid, Santiago and Lord Howe (clock changes inside the series)
and Sao Paulo (none), with random hours, closures, resources and bookings.
"""

from __future__ import annotations

from datetime import date, time

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from mesobot.scheduling.bookings import BookingIndex
from mesobot.scheduling.planner import cancel_session, plan_series, replan_after_move
from mesobot.scheduling.series import Impossible, Obstacle, PlannedSeries
from mesobot.scheduling.slots import FreeSlotFinder
from tests.scheduling.oracle import World, as_slots
from tests.scheduling.strategies import Case, cases

PROPERTY_SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def _with_valid_first_slot(case: Case, data: st.DataObject) -> Case:
    """Mostly start from a slot the oracle finds valid (within a week), so series get planned."""
    if data.draw(st.integers(0, 3), label="start on a valid slot") == 0:
        return case
    for _ in range(7):
        if case.world.slots_of(case.first_day):
            break
        case.first_day = date.fromordinal(case.first_day.toordinal() + 1)
    slots = case.world.slots_of(case.first_day)
    if slots:
        case.first_time, case.resource_id = data.draw(st.sampled_from(slots), label="first slot")
    return case


def _plan(case: Case) -> PlannedSeries | Impossible:
    world = case.world
    return plan_series(
        rule=world.rule,
        session_count=case.session_count,
        first_date=case.first_day,
        first_time=case.first_time,
        calendar=world.calendar,
        bookings=BookingIndex.from_bookings(world.bookings),
        now=world.now,
        resource_id=case.resource_id,
    )


@PROPERTY_SETTINGS
@given(case=cases(), data=st.data())
def test_plan_is_valid_and_is_exactly_the_documented_preference(
    case: Case, data: st.DataObject
) -> None:
    """Every series obeys every rule and is the one the documented order picks; "impossible"
    is confirmed by an exhaustive search."""
    case = _with_valid_first_slot(case, data)
    world = case.world
    result = _plan(case)
    expected = world.preferred_series(
        case.session_count, case.first_day, case.first_time, case.resource_id
    )
    event(f"plan: {result.obstacle if isinstance(result, Impossible) else 'series'}")
    if isinstance(result, Impossible):
        assert expected is None, f"planner said {result} but the oracle found {expected}"
        assert 1 <= result.session_number <= case.session_count
        if result.obstacle is Obstacle.NO_SLOT_IN_WINDOW:
            assert result.session_number >= 2
    else:
        assert world.violations(result, case.session_count) == []
        assert as_slots(result) == expected


def _finder(world: World, session_count: int, previous: date | None = None) -> FreeSlotFinder:
    return FreeSlotFinder(
        rule=world.rule,
        session_count=session_count,
        calendar=world.calendar,
        bookings=BookingIndex.from_bookings(world.bookings),
        now=world.now,
        previous_date=previous,
    )


@pytest.mark.slow
@PROPERTY_SETTINGS
@given(case=cases(), data=st.data())
def test_free_dates_are_exactly_the_dates_that_start_a_whole_series(
    case: Case, data: st.DataObject
) -> None:
    """Offered dates all lead to a whole series (no dead ends) and no such date is left out."""
    world = case.world
    finder = _finder(world, case.session_count)
    offered = set(finder.dates(case.first_day.year, case.first_day.month))
    event(f"free dates: {'some' if offered else 'none'}")
    day = case.first_day.replace(day=1)
    while day.month == case.first_day.month:
        possible = bool(world.slots_of(day)) and world.can_follow(day, case.session_count - 1)
        assert (day in offered) == possible, day
        day = day.fromordinal(day.toordinal() + 1)
    if not offered:
        return
    chosen = data.draw(st.sampled_from(sorted(offered)), label="offered date")
    times = finder.times(chosen)
    assert times == tuple(sorted({wall for wall, _ in world.slots_of(chosen)}))
    for wall in data.draw(st.lists(st.sampled_from(times), max_size=3), label="times tried"):
        planned = plan_series(
            rule=world.rule,
            session_count=case.session_count,
            first_date=chosen,
            first_time=wall,
            calendar=world.calendar,
            bookings=BookingIndex.from_bookings(world.bookings),
            now=world.now,
        )
        assert isinstance(planned, PlannedSeries), planned


def _planned_case(case: Case, data: st.DataObject) -> PlannedSeries | None:
    result = _plan(_with_valid_first_slot(case, data))
    return result if isinstance(result, PlannedSeries) else None


@PROPERTY_SETTINGS
@given(case=cases(), data=st.data())
def test_move_keeps_the_series_valid_or_is_refused_for_a_true_reason(
    case: Case, data: st.DataObject
) -> None:
    """A move re-plans the later sessions inside their windows, keeps what it can, and is
    refused only when no valid series with the moved session exists."""
    series = _planned_case(case, data)
    if series is None:
        return
    world = case.world
    number = data.draw(st.integers(1, len(series.sessions)), label="session moved")
    index = number - 1
    old = series.sessions[index]
    rule = world.rule
    if index == 0:
        new_day = date.fromordinal(old.local_date.toordinal() + data.draw(st.integers(-3, 3)))
    else:  # around the window after the session before, one day either side
        previous = series.sessions[index - 1].local_date.toordinal()
        gap = data.draw(st.integers(rule.min_gap_days - 1, rule.max_gap_days + 1), label="gap")
        new_day = date.fromordinal(previous + gap)
    if data.draw(st.integers(0, 3), label="move to a valid slot") and world.slots_of(new_day):
        new_time, _ = data.draw(st.sampled_from(world.slots_of(new_day)))
    else:
        step = world.calendar.slot_minutes
        minute = data.draw(st.integers(0, 24 * 60 // step - 1)) * step
        new_time = time(minute // 60, minute % 60)
    result = replan_after_move(
        rule=world.rule,
        series=series,
        session_number=number,
        new_date=new_day,
        new_time=new_time,
        calendar=world.calendar,
        bookings=BookingIndex.from_bookings(world.bookings),
        now=world.now,
    )
    left = len(series.sessions) - number
    event(f"move: {result.obstacle if isinstance(result, Impossible) else 'series'}")
    if isinstance(result, Impossible):
        if result.obstacle is Obstacle.GAP_TO_PREVIOUS:
            gap = (new_day - series.sessions[index - 1].local_date).days
            assert not world.rule.allows_gap(gap)
        else:
            slot_free = any(
                world.why_not(new_day, new_time, r) is None for r in world.calendar.resource_ids
            )
            assert not (slot_free and world.can_follow(new_day, left))
        return
    assert world.violations(result, len(series.sessions)) == []
    assert result.sessions[:index] == series.sessions[:index]
    moved = result.sessions[index]
    assert (moved.local_date, moved.local_time) == (new_day, new_time)
    if world.why_not(new_day, new_time, old.resource_id) is None:
        assert moved.resource_id == old.resource_id
    old_tail = PlannedSeries((moved, *series.sessions[number:]))
    if world.violations(old_tail, left + 1) == [] or left == 0:
        assert result.sessions[number:] == series.sessions[number:]


@PROPERTY_SETTINGS
@given(case=cases(), data=st.data())
def test_cancelling_one_session_keeps_the_series_consistent(
    case: Case, data: st.DataObject
) -> None:
    """After a cancellation the series still has a valid count and every gap in its window,
    or the cancellation is refused because no such series exists."""
    case.session_count = case.world.rule.max_sessions  # leave room to cancel one
    series = _planned_case(case, data)
    if series is None:
        return
    world = case.world
    number = data.draw(st.integers(1, len(series.sessions)), label="session cancelled")
    result = cancel_session(
        rule=world.rule,
        series=series,
        session_number=number,
        calendar=world.calendar,
        bookings=BookingIndex.from_bookings(world.bookings),
        now=world.now,
    )
    event(f"cancel: {result.obstacle if isinstance(result, Impossible) else 'series'}")
    if isinstance(result, Impossible):
        too_few = len(series.sessions) - 1 < world.rule.min_sessions
        if result.obstacle is Obstacle.SESSION_COUNT:
            assert too_few
        else:
            anchor = series.sessions[number - 2].local_date
            assert not world.can_follow(anchor, len(series.sessions) - number)
        return
    assert world.violations(result, len(series.sessions) - 1) == []
    assert result.sessions[: number - 1] == series.sessions[: number - 1]
