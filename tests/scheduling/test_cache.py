"""The screen cache answers exactly what the planner answers, for any snapshot at any moment."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from math import gcd

from hypothesis import given
from hypothesis import strategies as st

from mesobot.scheduling.bookings import BookingIndex
from mesobot.scheduling.cache import BookingSnapshot, LruCache, ScreenCache, earliest_start
from mesobot.scheduling.planner import plan_series
from mesobot.scheduling.slots import free_dates, free_times
from tests.scheduling.factories import rule_of, sample_calendar
from tests.scheduling.strategies import Case, cases
from tests.scheduling.test_planner_properties import PROPERTY_SETTINGS

# One cache for every example: a key that confused two questions (another snapshot, calendar,
# rule or moment) would answer one example with another's answer and fail the comparison.
SHARED = ScreenCache(entries=64)


def _snapshot(case: Case) -> BookingSnapshot:
    return BookingSnapshot(
        [(b.resource_id, b.start.timestamp(), b.end.timestamp()) for b in case.world.bookings]
    )


@PROPERTY_SETTINGS
@given(case=cases(), later=st.integers(0, 3 * 86_400 * 10**6))
def test_cached_screens_are_the_planners_answers(case: Case, later: int) -> None:
    """Dates, times and the plan from the cache equal the planner's, asked twice (the second
    time from the cache), at a random microsecond, also across clock changes and in Lord
    Howe's half-hour daylight saving."""
    world, day = case.world, case.first_day
    now = world.now + timedelta(microseconds=later)
    index = BookingIndex.from_bookings(world.bookings)
    asked = {"rule": world.rule, "session_count": case.session_count, "calendar": world.calendar}
    dates = free_dates(**asked, year=day.year, month=day.month, bookings=index, now=now)
    times = free_times(**asked, day=day, bookings=index, now=now)
    plan = plan_series(
        **asked, first_date=day, first_time=case.first_time, bookings=index, now=now
    )
    for _ in range(2):
        snapshot = _snapshot(case)
        assert (
            SHARED.free_dates(**asked, year=day.year, month=day.month, snapshot=snapshot, now=now)
            == dates
        )
        assert SHARED.free_times(**asked, day=day, snapshot=snapshot, now=now) == times
        cached_plan = SHARED.plan(
            **asked, first_date=day, first_time=case.first_time, snapshot=snapshot, now=now
        )
        assert cached_plan == plan


@given(
    slot_minutes=st.sampled_from([1, 5, 7, 10, 15, 20, 30, 45, 60, 90]),
    notice_hours=st.integers(0, 48),
    later=st.integers(0, 10**13),
)
def test_the_earliest_start_is_rounded_up_by_less_than_a_bucket(
    slot_minutes: int, notice_hours: int, later: int
) -> None:
    """Never earlier than the true earliest start (so nothing too soon is ever offered), on a
    bucket boundary, and less than one bucket later."""
    calendar = replace(
        sample_calendar(), slot_minutes=slot_minutes, minimum_notice=timedelta(hours=notice_hours)
    )
    now = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(microseconds=later)
    rounded = earliest_start(calendar, now)
    bucket = timedelta(minutes=gcd(slot_minutes, 15))
    true_earliest = now + calendar.minimum_notice
    assert true_earliest <= rounded < true_earliest + bucket
    assert (rounded - datetime(1970, 1, 1, tzinfo=UTC)) % bucket == timedelta(0)
    assert earliest_start(calendar, rounded - calendar.minimum_notice) == rounded


def test_a_screen_asked_again_within_the_bucket_is_not_computed_again() -> None:
    """Minutes apart on a 15-minute grid, the same month is one computation."""
    calendar = sample_calendar()
    cache = ScreenCache(entries=8)
    rule = rule_of("facial_rejuvenation")
    snapshot = BookingSnapshot([])
    first = datetime(2026, 3, 2, 8, 1, 30, tzinfo=UTC)
    for minutes in (0, 5, 12):
        cache.free_dates(
            rule=rule,
            session_count=2,
            year=2026,
            month=3,
            calendar=calendar,
            snapshot=snapshot,
            now=first + timedelta(minutes=minutes),
        )
    assert (cache.answers.misses, cache.answers.hits) == (1, 2)


def test_the_cache_keeps_at_most_its_entries_dropping_the_least_recently_used() -> None:
    cache: LruCache[int, str] = LruCache(3)
    for key in (1, 2, 3):
        cache.put(key, str(key))
    assert cache.get(1) == "1"  # 1 is now the most recently used
    cache.put(4, "4")
    assert (len(cache), cache.get(2), cache.get(1), cache.get(3), cache.get(4)) == (
        3,
        None,
        "1",
        "3",
        "4",
    )


def test_any_change_to_a_snapshot_changes_its_digest() -> None:
    rows = [("ana", 1_800_000_000.0, 1_800_001_800.0), ("bea", 1_800_000_000.0, 1_800_003_600.0)]
    changed = [
        [rows[0]],
        [*rows, ("ana", 1_800_010_000.0, 1_800_011_800.0)],
        [("an", 1_800_000_000.0, 1_800_001_800.0), rows[1]],
        [("ana", 1_800_000_000.0, 1_800_001_860.0), rows[1]],
        [rows[0], ("bea", 1_800_000_060.0, 1_800_003_600.0)],
        [("anab", 1_800_000_000.0, 1_800_001_800.0), ("ea", *rows[1][1:])],
    ]
    digests = {BookingSnapshot(r).digest for r in [rows, *changed]}
    assert len(digests) == 1 + len(changed)
    assert BookingSnapshot(list(rows)).digest == BookingSnapshot(rows).digest
